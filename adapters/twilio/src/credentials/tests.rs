//! Tests of the credentials: environment, shapes, serde.

use super::*;
use onramp_provider_kit::testing::env_vars;

const AC: &str = "AC00000000000000000000000000000001";
const VA: &str = "VA00000000000000000000000000000002";
const SK: &str = "SK00000000000000000000000000000003";
const MG: &str = "MG00000000000000000000000000000004";

fn valid() -> TwilioCredentials {
    TwilioCredentials {
        account_sid: AC.into(),
        auth_token: "token".into(),
        verify_service_sid: VA.into(),
        api_key_sid: None,
        api_key_secret: None,
        base_url: None,
        api_base_url: None,
        whatsapp_from: None,
        messaging_service_sid: None,
        status_callback_url: None,
    }
}

#[test]
fn the_three_required_variables_make_credentials() {
    let c = TwilioCredentials::from_lookup(env_vars(&[
        (ENV_ACCOUNT_SID, AC),
        (ENV_AUTH_TOKEN, " token "),
        (ENV_VERIFY_SERVICE_SID, VA),
    ]))
    .unwrap();
    assert_eq!(c.account_sid, AC);
    assert_eq!(c.auth_token.expose_secret(), "token");
    assert!(c.api_key_sid.is_none() && c.base_url.is_none());
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn a_missing_or_empty_required_variable_gives_none() {
    assert!(
        TwilioCredentials::from_lookup(env_vars(&[
            (ENV_ACCOUNT_SID, AC),
            (ENV_AUTH_TOKEN, "token"),
        ]))
        .is_none()
    );
    assert!(
        TwilioCredentials::from_lookup(env_vars(&[
            (ENV_ACCOUNT_SID, AC),
            (ENV_AUTH_TOKEN, "  "),
            (ENV_VERIFY_SERVICE_SID, VA),
        ]))
        .is_none()
    );
}

#[test]
fn the_optional_variables_are_read() {
    let c = TwilioCredentials::from_lookup(env_vars(&[
        (ENV_ACCOUNT_SID, AC),
        (ENV_AUTH_TOKEN, "token"),
        (ENV_VERIFY_SERVICE_SID, VA),
        (ENV_API_KEY, SK),
        (ENV_API_SECRET, "secret"),
        (ENV_BASE_URL, "http://127.0.0.1:9000"),
    ]))
    .unwrap();
    assert_eq!(c.api_key_sid.as_deref(), Some(SK));
    assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(c.validate(), Ok(()));
    let (user, pass) = c.basic_auth();
    assert_eq!((user.as_str(), pass.expose_secret()), (SK, "secret"));
}

#[test]
fn basic_auth_is_the_account_sid_and_token_without_an_api_key() {
    let (user, pass) = valid().basic_auth();
    assert_eq!((user.as_str(), pass.expose_secret()), (AC, "token"));
}

#[test]
fn a_malformed_account_sid_is_named_in_the_message() {
    let mut c = valid();
    c.account_sid = "AC123".into();
    let e = c.validate().unwrap_err();
    assert!(
        e.contains("account_sid") && e.contains(ENV_ACCOUNT_SID),
        "{e}"
    );
}

#[test]
fn a_service_sid_of_the_wrong_kind_is_refused() {
    let mut c = valid();
    c.verify_service_sid = AC.into();
    let e = c.validate().unwrap_err();
    assert!(e.contains("verify_service_sid") && e.contains("VA"), "{e}");
}

#[test]
fn an_empty_auth_token_is_refused() {
    let mut c = valid();
    c.auth_token = "".into();
    assert!(c.validate().unwrap_err().contains("auth_token"));
}

#[test]
fn an_api_key_without_its_secret_is_refused() {
    let mut c = valid();
    c.api_key_sid = Some(SK.into());
    assert!(c.validate().unwrap_err().contains(ENV_API_SECRET));
    c.api_key_sid = None;
    c.api_key_secret = Some("s".into());
    assert!(c.validate().unwrap_err().contains(ENV_API_KEY));
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let mut c = valid();
    c.base_url = Some("ftp://verify.twilio.com".into());
    assert!(c.validate().unwrap_err().contains("base_url"));
    c.base_url = Some("not a url".into());
    assert!(c.validate().unwrap_err().contains("base_url"));
}

#[test]
fn debug_never_shows_a_secret() {
    let mut c = valid();
    c.auth_token = "super-secret-token".into();
    c.api_key_secret = Some("super-secret-key".into());
    let shown = format!("{c:?}");
    assert!(!shown.contains("super-secret"), "{shown}");
}

#[test]
fn credentials_survive_a_serde_round_trip() {
    let mut c = valid();
    c.api_key_sid = Some(SK.into());
    c.api_key_secret = Some("secret".into());
    let json = serde_json::to_string(&c).unwrap();
    let back: TwilioCredentials = serde_json::from_str(&json).unwrap();
    assert_eq!(back.auth_token.expose_secret(), "token");
    assert_eq!(
        back.api_key_secret.as_ref().map(|s| s.expose_secret()),
        Some("secret")
    );
    assert_eq!(back.verify_service_sid, VA);
}

#[test]
fn optional_fields_may_be_absent_when_deserialising() {
    let c: TwilioCredentials = serde_json::from_str(&format!(
        r#"{{"account_sid":"{AC}","auth_token":"t","verify_service_sid":"{VA}"}}"#
    ))
    .unwrap();
    assert!(c.api_key_secret.is_none() && c.base_url.is_none());
    assert!(c.whatsapp_from.is_none() && c.messaging_service_sid.is_none());
    assert!(c.status_callback_url.is_none() && c.api_base_url.is_none());
}

#[test]
fn the_whatsapp_variables_are_read() {
    let c = TwilioCredentials::from_lookup(env_vars(&[
        (ENV_ACCOUNT_SID, AC),
        (ENV_AUTH_TOKEN, "token"),
        (ENV_VERIFY_SERVICE_SID, VA),
        (ENV_API_BASE_URL, "http://127.0.0.1:9001"),
        (ENV_WHATSAPP_FROM, " +14155238886 "),
        (ENV_MESSAGING_SERVICE_SID, MG),
        (
            ENV_STATUS_CALLBACK_URL,
            "https://onramp.example/webhooks/twilio",
        ),
    ]))
    .unwrap();
    assert_eq!(c.api_base_url.as_deref(), Some("http://127.0.0.1:9001"));
    assert_eq!(c.whatsapp_from.as_deref(), Some("+14155238886"));
    assert_eq!(c.messaging_service_sid.as_deref(), Some(MG));
    assert_eq!(
        c.status_callback_url.as_deref(),
        Some("https://onramp.example/webhooks/twilio")
    );
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn without_the_whatsapp_variables_there_is_no_whatsapp_sender() {
    let c = TwilioCredentials::from_lookup(env_vars(&[
        (ENV_ACCOUNT_SID, AC),
        (ENV_AUTH_TOKEN, "token"),
        (ENV_VERIFY_SERVICE_SID, VA),
        (ENV_WHATSAPP_FROM, "  "),
    ]))
    .unwrap();
    assert!(c.whatsapp_from.is_none() && c.messaging_service_sid.is_none());
    assert!(c.status_callback_url.is_none() && c.api_base_url.is_none());
}

#[test]
fn a_whatsapp_sender_that_is_not_e164_is_refused() {
    for bad in ["whatsapp:+14155238886", "14155238886", "+1 415 523 8886"] {
        let mut c = valid();
        c.whatsapp_from = Some(bad.into());
        let e = c.validate().unwrap_err();
        assert!(
            e.contains("whatsapp_from") && e.contains(ENV_WHATSAPP_FROM),
            "{e}"
        );
    }
}

#[test]
fn a_messaging_service_sid_of_the_wrong_kind_is_refused() {
    let mut c = valid();
    c.messaging_service_sid = Some(VA.into());
    let e = c.validate().unwrap_err();
    assert!(
        e.contains("messaging_service_sid") && e.contains("MG"),
        "{e}"
    );
}

#[test]
fn a_status_callback_or_api_base_url_that_is_not_http_is_refused() {
    let mut c = valid();
    c.status_callback_url = Some("ftp://onramp.example/cb".into());
    assert!(c.validate().unwrap_err().contains(ENV_STATUS_CALLBACK_URL));
    let mut c = valid();
    c.api_base_url = Some("api.twilio.com".into());
    assert!(c.validate().unwrap_err().contains(ENV_API_BASE_URL));
}

#[test]
fn the_whatsapp_fields_survive_a_serde_round_trip() {
    let mut c = valid();
    c.whatsapp_from = Some("+14155238886".into());
    c.messaging_service_sid = Some(MG.into());
    c.status_callback_url = Some("https://onramp.example/webhooks/twilio".into());
    c.api_base_url = Some("http://127.0.0.1:9001".into());
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["whatsapp_from"], "+14155238886");
    let back: TwilioCredentials = serde_json::from_value(json).unwrap();
    assert_eq!(back.whatsapp_from, c.whatsapp_from);
    assert_eq!(back.messaging_service_sid, c.messaging_service_sid);
    assert_eq!(back.status_callback_url, c.status_callback_url);
    assert_eq!(back.api_base_url, c.api_base_url);
}

#[test]
fn unset_whatsapp_fields_are_not_written() {
    let json = serde_json::to_value(valid()).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
}
