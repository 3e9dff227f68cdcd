//! Unit tests of the Sinch credentials: parsing from the environment, validation, redaction and serialization.

use super::*;
use onramp_provider_kit::testing::env_vars;

fn valid() -> SinchCredentials {
    SinchCredentials {
        application_key: "669E367E-6BBA-48AB-AF15-266871C28135".into(),
        application_secret: SecretString::from("BeIukql3pTKJ8RGL5zo0DA=="),
        webhook_secret: Some(SecretString::from("foo_secret1234")),
        base_url: None,
        project_id: Some("e2df3a34-a71b-4448-9db5-a8d2baad28e4".into()),
        access_key_id: Some("key-id".into()),
        access_key_secret: Some(SecretString::from("access-secret-42")),
        conversation_app_id: Some("01W4FFL35P4NC4K35CONVAPP01".into()),
        conversation_region: None,
        provisioning_base_url: None,
        conversation_base_url: None,
    }
}

#[test]
fn the_environment_gives_every_field() {
    let c = SinchCredentials::from_vars(env_vars(&[
        (ENV_APPLICATION_KEY, "key"),
        (ENV_APPLICATION_SECRET, "c2VjcmV0"),
        (ENV_WEBHOOK_SECRET, "hook"),
        (ENV_BASE_URL, "http://127.0.0.1:1"),
    ]))
    .unwrap();
    assert_eq!(c.application_key, "key");
    assert_eq!(c.application_secret.expose_secret(), "c2VjcmV0");
    assert_eq!(c.webhook_secret.unwrap().expose_secret(), "hook");
    assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:1"));
}

#[test]
fn the_environment_gives_every_whatsapp_field() {
    let c = SinchCredentials::from_vars(env_vars(&[
        (ENV_APPLICATION_KEY, "key"),
        (ENV_APPLICATION_SECRET, "c2VjcmV0"),
        (ENV_PROJECT_ID, "project"),
        (ENV_ACCESS_KEY_ID, "key-id"),
        (ENV_ACCESS_KEY_SECRET, "key-secret"),
        (ENV_CONVERSATION_APP_ID, "app"),
        (ENV_CONVERSATION_REGION, "eu"),
        (ENV_PROVISIONING_BASE_URL, "http://127.0.0.1:2"),
        (ENV_CONVERSATION_BASE_URL, "http://127.0.0.1:3"),
    ]))
    .unwrap();
    assert_eq!(c.project_id.as_deref(), Some("project"));
    assert_eq!(c.access_key_id.as_deref(), Some("key-id"));
    assert_eq!(
        c.access_key_secret.as_ref().unwrap().expose_secret(),
        "key-secret"
    );
    assert_eq!(c.conversation_app_id.as_deref(), Some("app"));
    assert_eq!(c.conversation_region(), "eu");
    assert_eq!(c.provisioning_base_url(), "http://127.0.0.1:2");
    assert_eq!(c.conversation_base_url(), "http://127.0.0.1:3");
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn without_overrides_the_whatsapp_hosts_are_sinchs() {
    let mut c = valid();
    assert_eq!(c.conversation_region(), DEFAULT_CONVERSATION_REGION);
    assert_eq!(
        c.conversation_base_url(),
        "https://us.conversation.api.sinch.com"
    );
    c.conversation_region = Some("eu".into());
    assert_eq!(
        c.conversation_base_url(),
        "https://eu.conversation.api.sinch.com"
    );
    assert_eq!(
        c.provisioning_base_url(),
        "https://provisioning.api.sinch.com"
    );
}

#[test]
fn credentials_stored_before_whatsapp_still_parse() {
    let stored = serde_json::json!({
        "application_key": "669E367E-6BBA-48AB-AF15-266871C28135",
        "application_secret": "BeIukql3pTKJ8RGL5zo0DA==",
    });
    let c: SinchCredentials = serde_json::from_value(stored).unwrap();
    assert!(c.project_id.is_none() && c.access_key_secret.is_none());
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn each_malformed_whatsapp_field_is_named_with_its_variable() {
    type Breaks = fn(&mut SinchCredentials);
    let cases: [(Breaks, &str); 8] = [
        (|c| c.project_id = Some(String::new()), ENV_PROJECT_ID),
        (|c| c.access_key_id = Some("a b".into()), ENV_ACCESS_KEY_ID),
        (
            |c| c.access_key_secret = Some(SecretString::from("tab\there")),
            ENV_ACCESS_KEY_SECRET,
        ),
        (|c| c.access_key_secret = None, ENV_ACCESS_KEY_SECRET),
        (
            |c| c.conversation_app_id = Some("é".into()),
            ENV_CONVERSATION_APP_ID,
        ),
        (
            |c| c.conversation_region = Some("EU".into()),
            ENV_CONVERSATION_REGION,
        ),
        (
            |c| c.provisioning_base_url = Some("ftp://x".into()),
            ENV_PROVISIONING_BASE_URL,
        ),
        (
            |c| c.conversation_base_url = Some("nope".into()),
            ENV_CONVERSATION_BASE_URL,
        ),
    ];
    for (breaks, env) in cases {
        let mut c = valid();
        breaks(&mut c);
        let message = c.validate().unwrap_err();
        assert!(message.contains(env), "{env}: {message}");
        assert!(!message.contains("access-secret-42"), "{message}");
    }
    let mut c = valid();
    c.access_key_id = None;
    assert!(c.validate().unwrap_err().contains(ENV_ACCESS_KEY_ID));
}

#[test]
fn a_missing_or_empty_required_variable_gives_nothing() {
    assert!(SinchCredentials::from_vars(env_vars(&[(ENV_APPLICATION_KEY, "key")])).is_none());
    assert!(
        SinchCredentials::from_vars(env_vars(&[
            (ENV_APPLICATION_KEY, " "),
            (ENV_APPLICATION_SECRET, "c2VjcmV0"),
        ]))
        .is_none()
    );
}

#[test]
fn optional_variables_may_be_absent() {
    let c = SinchCredentials::from_vars(env_vars(&[
        (ENV_APPLICATION_KEY, "key"),
        (ENV_APPLICATION_SECRET, "c2VjcmV0"),
    ]))
    .unwrap();
    assert!(c.webhook_secret.is_none());
    assert!(c.base_url.is_none());
    assert!(c.project_id.is_none() && c.access_key_id.is_none());
    assert!(c.conversation_app_id.is_none() && c.conversation_base_url.is_none());
}

#[test]
fn valid_credentials_pass() {
    assert_eq!(valid().validate(), Ok(()));
}

#[test]
fn each_malformed_field_is_named() {
    let mut c = valid();
    c.application_key = String::new();
    assert!(c.validate().unwrap_err().contains("application_key"));
    let mut c = valid();
    c.application_key = "a:b".into();
    assert!(c.validate().unwrap_err().contains("application_key"));
    let mut c = valid();
    c.application_secret = SecretString::from("not base64!");
    assert!(c.validate().unwrap_err().contains("application_secret"));
    let mut c = valid();
    c.webhook_secret = Some(SecretString::from(""));
    assert!(c.validate().unwrap_err().contains("webhook_secret"));
    let mut c = valid();
    c.base_url = Some("ftp://example.com".into());
    assert!(c.validate().unwrap_err().contains("base_url"));
    let mut c = valid();
    c.base_url = Some("not a url".into());
    assert!(c.validate().unwrap_err().contains("base_url"));
}

#[test]
fn debug_output_never_shows_a_secret() {
    let text = format!("{:?}", valid());
    assert!(!text.contains("BeIukql3pTKJ8RGL5zo0DA=="));
    assert!(!text.contains("foo_secret1234"));
    assert!(!text.contains("access-secret-42"));
    assert!(text.contains("669E367E"));
    assert!(text.contains("key-id"));
}

#[test]
fn credentials_round_trip_through_json() {
    let json = serde_json::to_value(valid()).unwrap();
    assert_eq!(json["application_secret"], "BeIukql3pTKJ8RGL5zo0DA==");
    assert!(json.get("base_url").is_none());
    assert_eq!(json["access_key_id"], "key-id");
    assert!(json.get("conversation_region").is_none());
    let back: SinchCredentials = serde_json::from_value(json).unwrap();
    assert_eq!(
        back.application_secret.expose_secret(),
        "BeIukql3pTKJ8RGL5zo0DA=="
    );
    assert_eq!(
        back.webhook_secret.unwrap().expose_secret(),
        "foo_secret1234"
    );
    assert_eq!(
        back.access_key_secret.unwrap().expose_secret(),
        "access-secret-42"
    );
}

#[test]
fn the_callback_secret_joins_key_and_secret() {
    assert_eq!(
        valid().callback_secret().expose_secret(),
        "669E367E-6BBA-48AB-AF15-266871C28135:BeIukql3pTKJ8RGL5zo0DA=="
    );
}
