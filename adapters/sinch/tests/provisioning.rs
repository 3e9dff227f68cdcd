//! `SinchSenders` (the `BspProvisioning` port) against a wiremock Provisioning API that answers
//! with the examples of Sinch's Provisioning API OpenAPI description (tests/fixtures/README.md):
//! create, read and resubmit a WhatsApp sender, register and verify its number, and every way
//! Sinch refuses.
//!
//! This file holds the helpers, the creation of a sender and the credentials; `review` holds
//! reading a sender under review and resubmitting it, `number` the registration and
//! verification of its number.

#[path = "provisioning/number.rs"]
mod number;
#[path = "provisioning/review.rs"]
mod review;

use std::path::PathBuf;
use std::time::Duration;

use onramp_domain::ports::{
    BspProvisioning, NewSender, ProviderError, ProviderId, SenderInfo, SenderState,
};
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::request_snapshot;
use onramp_sinch::{SinchCredentials, SinchSenders};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{basic_auth, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT: &str = "e2df3a34-a71b-4448-9db5-a8d2baad28e4";
const KEY_ID: &str = "test-key-id";
const KEY_SECRET: &str = "test-key-secret";
const SENDER_ID: &str = "cf11794a-6a5e-4a12-b103-da79bd378bf1";

const CREATED: &[u8] = include_bytes!("fixtures/provisioning_sender_created.json");
const ACTIVE: &[u8] = include_bytes!("fixtures/provisioning_sender_active.json");
const ERROR_EVENT: &[u8] = include_bytes!("fixtures/provisioning_sender_error_event.json");
const REGISTERED: &[u8] = include_bytes!("fixtures/provisioning_register_response.json");

fn credentials(provisioning_base_url: Option<&str>) -> SinchCredentials {
    SinchCredentials {
        project_id: Some(PROJECT.into()),
        access_key_id: Some(KEY_ID.into()),
        access_key_secret: Some(SecretString::from(KEY_SECRET)),
        conversation_app_id: None,
        conversation_region: None,
        provisioning_base_url: provisioning_base_url.map(str::to_string),
        conversation_base_url: None,
        ..SinchCredentials::new(
            "669E367E-6BBA-48AB-AF15-266871C28135",
            SecretString::from("BeIukql3pTKJ8RGL5zo0DA=="),
        )
    }
}

fn senders(base_url: &str) -> SinchSenders {
    let mut settings = HttpSettings::parse(base_url).expect("base url");
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    SinchSenders::new(&credentials(None), settings).expect("senders")
}

fn json_answer(status: u16, body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_vec(), "application/json")
}

fn senders_path() -> String {
    format!("/v1/projects/{PROJECT}/whatsapp/senders")
}

fn sender_path() -> String {
    format!("{}/{SENDER_ID}", senders_path())
}

fn register_path() -> String {
    format!("{}/register", sender_path())
}

fn verify_path() -> String {
    format!("{}/verify", sender_path())
}

fn new_sender() -> NewSender {
    NewSender {
        key: "01945b3c-7d00-7000-8000-000000000001".into(),
        display_name: "Test name".into(),
        phone: "+48777777777".into(),
        details: vec![
            ("description".into(), "Test description".into()),
            ("vertical".into(), "Education".into()),
            ("website".into(), "https://example-1.com".into()),
        ],
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
async fn a_sender_is_created_on_the_business_number_and_goes_to_review() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(senders_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({
            "phoneNumberProvider": "CUSTOMER",
            "details": {
                "displayName": "Test name",
                "vertical": "EDUCATION",
                "countryCode": "48",
                "phoneNumber": "777777777",
                "description": "Test description",
                "websiteOne": "https://example-1.com"
            }
        })))
        .respond_with(json_answer(201, CREATED))
        .expect(1)
        .mount(&server)
        .await;
    let info = senders(&server.uri())
        .create_sender(&new_sender())
        .await
        .unwrap();
    assert_eq!(
        info,
        SenderInfo {
            id: SENDER_ID.into(),
            state: SenderState::InProgress
        }
    );
    snapshot(&only_request(&server).await, "create_sender");
}

#[tokio::test]
async fn a_creation_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(senders_path()))
        .respond_with(json_answer(
            500,
            br#"{"errorCode": "internal_error", "message": "Internal server error."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .create_sender(&new_sender())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_refused_submission_is_rejected_with_sinchs_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(senders_path()))
        .respond_with(json_answer(
            409,
            br#"{"errorCode": "used_phone_number_id", "message": "Used phoneNumberId.", "resolution": "PhoneNumberId is used. Choose another one."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .create_sender(&new_sender())
        .await
        .unwrap_err();
    assert_eq!(rejected_code(error), "used_phone_number_id");
}

#[tokio::test]
async fn refused_credentials_are_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_answer(
            401,
            br#"{"errorCode": "unauthorized_error", "message": "Unauthorized error.", "resolution": "Verify that projectId is correct."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri()).sender(SENDER_ID).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unauthorized { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn from_credentials_uses_the_provisioning_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(json_answer(200, ACTIVE))
        .expect(1)
        .mount(&server)
        .await;
    let senders = SinchSenders::from_credentials(&credentials(Some(&server.uri()))).unwrap();
    assert_eq!(senders.provider(), ProviderId::Sinch);
    senders.sender(SENDER_ID).await.unwrap();
    assert_eq!(
        SinchSenders::DEFAULT_BASE_URL,
        "https://provisioning.api.sinch.com"
    );
}

#[test]
fn credentials_without_the_project_access_are_a_configuration_to_fix() {
    let strips: [fn(&mut SinchCredentials); 2] = [
        |c| c.project_id = None,
        |c| {
            c.access_key_id = None;
            c.access_key_secret = None;
        },
    ];
    for strip in strips {
        let mut c = credentials(None);
        strip(&mut c);
        let error = SinchSenders::from_credentials(&c).unwrap_err();
        assert!(
            matches!(&error, ProviderError::Unauthorized { reason } if reason.contains("SINCH_")),
            "{error:?}"
        );
    }
    let debug = format!(
        "{:?}",
        SinchSenders::from_credentials(&credentials(None)).unwrap()
    );
    assert!(!debug.contains(KEY_SECRET), "{debug}");
}
