//! `SinchConversation` (the `WhatsAppMessaging` port) against a wiremock Conversation API that
//! answers with sinch-sdk-java's fixtures (tests/fixtures/README.md): `messages:send` on the
//! WhatsApp channel, the app probe, and every way Sinch refuses.

use std::path::PathBuf;
use std::time::Duration;

use onramp_domain::ports::{
    OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::request_snapshot;
use onramp_sinch::{SinchConversation, SinchCredentials};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{basic_auth, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT: &str = "e2df3a34-a71b-4448-9db5-a8d2baad28e4";
const APP: &str = "01W4FFL35P4NC4K35CONVAPP01";
const KEY_ID: &str = "test-key-id";
const KEY_SECRET: &str = "test-key-secret";

const SENT: &[u8] = include_bytes!("fixtures/send_message_response.json");
const APP_ANSWER: &[u8] = include_bytes!("fixtures/app_response.json");

fn credentials(conversation_base_url: Option<&str>) -> SinchCredentials {
    SinchCredentials {
        project_id: Some(PROJECT.into()),
        access_key_id: Some(KEY_ID.into()),
        access_key_secret: Some(SecretString::from(KEY_SECRET)),
        conversation_app_id: Some(APP.into()),
        conversation_region: Some("eu".into()),
        provisioning_base_url: None,
        conversation_base_url: conversation_base_url.map(str::to_string),
        ..SinchCredentials::new(
            "669E367E-6BBA-48AB-AF15-266871C28135",
            SecretString::from("BeIukql3pTKJ8RGL5zo0DA=="),
        )
    }
}

fn channel(base_url: &str) -> SinchConversation {
    let mut settings = HttpSettings::parse(base_url).expect("base url");
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    SinchConversation::new(&credentials(None), settings).expect("channel")
}

fn json_answer(status: u16, body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_vec(), "application/json")
}

fn send_path() -> String {
    format!("/v1/projects/{PROJECT}/messages:send")
}

fn app_path() -> String {
    format!("/v1/projects/{PROJECT}/apps/{APP}")
}

fn message(to: &str) -> OutboundMessage {
    OutboundMessage {
        key: "01945b3c-7d00-7000-8000-000000000001".into(),
        to: to.into(),
        text: "Your account is ready.".into(),
    }
}

/// Snapshots `request` as `name` in tests/snapshots (DESIGN.md section 7's shape).
fn snapshot(request: &wiremock::Request, name: &str) {
    let value = request_snapshot("sinch", request, &[]);
    insta::with_settings!({
        snapshot_path => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_json_snapshot!(name, value);
    });
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

fn rejected_code(e: ProviderError) -> String {
    match e {
        ProviderError::Rejected { code, .. } => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_text_goes_to_the_users_whatsapp_identity_with_the_key_as_correlation_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({
            "app_id": APP,
            "recipient": {"identified_by": {"channel_identities": [
                {"channel": "WHATSAPP", "identity": "15551234567"}
            ]}},
            "message": {"text_message": {"text": "Your account is ready."}},
            "correlation_id": "01945b3c-7d00-7000-8000-000000000001"
        })))
        .respond_with(json_answer(200, SENT))
        .expect(1)
        .mount(&server)
        .await;
    let sent = channel(&server.uri())
        .send_text(&message("+15551234567"))
        .await
        .unwrap();
    assert_eq!(
        sent,
        SentMessage {
            provider: ProviderId::Sinch,
            provider_ref: "message id".into()
        }
    );
    snapshot(&only_request(&server).await, "send_whatsapp");
}

#[tokio::test]
async fn refused_credentials_are_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_answer(
            401,
            br#"{"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED", "details": []}}"#,
        ))
        .mount(&server)
        .await;
    let error = channel(&server.uri())
        .send_text(&message("+15551234567"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unauthorized { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_send_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_path()))
        .respond_with(json_answer(
            503,
            br#"{"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}"#,
        ))
        .mount(&server)
        .await;
    let error = channel(&server.uri())
        .send_text(&message("+15551234567"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_recipient_sinch_refuses_is_an_invalid_number() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_answer(
            400,
            br#"{"error": {"code": 400, "message": "Invalid recipient identity for channel WHATSAPP", "status": "INVALID_ARGUMENT", "details": []}}"#,
        ))
        .mount(&server)
        .await;
    let error = channel(&server.uri())
        .send_text(&message("+15551234567"))
        .await
        .unwrap_err();
    assert_eq!(rejected_code(error), "invalid_number");
}

#[tokio::test]
async fn a_number_that_is_not_e164_is_refused_before_any_call() {
    let server = MockServer::start().await;
    for to in ["15551234567", "whatsapp:+15551234567", "+1 555 123"] {
        let error = channel(&server.uri())
            .send_text(&message(to))
            .await
            .unwrap_err();
        assert_eq!(rejected_code(error), "invalid_number", "{to}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_health_probe_reads_the_app() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .respond_with(json_answer(200, APP_ANSWER))
        .expect(1)
        .mount(&server)
        .await;
    channel(&server.uri()).health_check().await.unwrap();
    let request = only_request(&server).await;
    assert!(request.body.is_empty());
    snapshot(&request, "conversation_health_check");
}

#[tokio::test]
async fn an_unknown_app_or_refused_key_fails_the_probe_as_unauthorized() {
    for (status, body) in [
        (
            404,
            &br#"{"error": {"code": 404, "message": "App not found", "status": "NOT_FOUND"}}"#[..],
        ),
        (
            403,
            br#"{"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}}"#,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(json_answer(status, body))
            .mount(&server)
            .await;
        let error = channel(&server.uri()).health_check().await.unwrap_err();
        assert!(
            matches!(error, ProviderError::Unauthorized { .. }),
            "{status}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_probe_is_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path()))
        .respond_with(json_answer(200, APP_ANSWER))
        .mount(&server)
        .await;
    channel(&server.uri()).health_check().await.unwrap();
}

#[tokio::test]
async fn from_credentials_uses_the_conversation_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path()))
        .respond_with(json_answer(200, APP_ANSWER))
        .expect(1)
        .mount(&server)
        .await;
    let channel = SinchConversation::from_credentials(&credentials(Some(&server.uri()))).unwrap();
    assert_eq!(channel.provider(), ProviderId::Sinch);
    assert_eq!(channel.app_id(), APP);
    channel.health_check().await.unwrap();
}

#[test]
fn credentials_without_an_app_are_a_configuration_to_fix() {
    let mut c = credentials(None);
    c.conversation_app_id = None;
    let error = SinchConversation::from_credentials(&c).unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unauthorized { reason } if reason.contains("SINCH_CONVERSATION_APP_ID")),
        "{error:?}"
    );
    let debug = format!(
        "{:?}",
        SinchConversation::from_credentials(&credentials(None)).unwrap()
    );
    assert!(!debug.contains(KEY_SECRET), "{debug}");
    assert!(
        debug.contains("https://eu.conversation.api.sinch.com"),
        "{debug}"
    );
}
