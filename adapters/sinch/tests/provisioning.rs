//! `SinchSenders` (the `BspProvisioning` port) against a wiremock Provisioning API that answers
//! with the examples of Sinch's Provisioning API OpenAPI description (tests/fixtures/README.md):
//! create, read and resubmit a WhatsApp sender, register and verify its number, and every way
//! Sinch refuses.

use std::path::PathBuf;
use std::time::Duration;

use onramp_domain::ports::{
    BspProvisioning, NewSender, NumberRegistration, NumberVerificationMethod, ProviderError,
    ProviderId, SenderInfo, SenderState,
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
async fn an_active_sender_reads_as_active() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .respond_with(json_answer(200, ACTIVE))
        .expect(1)
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::Active);
    snapshot(&only_request(&server).await, "get_sender");
}

#[tokio::test]
async fn a_refused_sender_reads_as_an_error_with_sinchs_reason() {
    let event: serde_json::Value = serde_json::from_slice(ERROR_EVENT).unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&event["payload"]))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(
        info.state,
        SenderState::Error {
            reason: "Reach out to support at support@sinch.com".into()
        }
    );
}

#[tokio::test]
async fn a_read_is_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(json_answer(200, ACTIVE))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::Active);
}

#[tokio::test]
async fn an_unknown_sender_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_answer(
            404,
            br#"{"errorCode": "sender_not_found", "message": "Sender not found.", "resolution": "Verify that the parameters are correct."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri()).sender("nope").await.unwrap_err();
    assert_eq!(rejected_code(error), "sender_not_found");
}

#[tokio::test]
async fn a_sender_id_is_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/a%2Fb", senders_path())))
        .respond_with(json_answer(200, ACTIVE))
        .expect(1)
        .mount(&server)
        .await;
    senders(&server.uri()).sender("a/b").await.unwrap();
}

#[tokio::test]
async fn a_resubmission_comments_the_corrections_then_answers_the_state() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/comments", sender_path())))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({"comment": "The display name is now the legal name."})))
        .respond_with(json_answer(
            201,
            br#"{"type": "CREATED", "comment": "Example comment", "created": "2023-01-19T13:11:08.204Z"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(json_answer(200, CREATED))
        .expect(1)
        .mount(&server)
        .await;
    let info = senders(&server.uri())
        .resubmit(SENDER_ID, " The display name is now the legal name.\n")
        .await
        .unwrap();
    assert_eq!(info.state, SenderState::InProgress);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    snapshot(&requests[0], "resubmit_sender");
}

#[tokio::test]
async fn a_comment_refused_by_sinch_is_not_followed_by_a_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_answer(
            404,
            br#"{"errorCode": "sender_not_found", "message": "Sender not found."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .resubmit(SENDER_ID, "fixed")
        .await
        .unwrap_err();
    assert_eq!(rejected_code(error), "sender_not_found");
    only_request(&server).await;
}

#[tokio::test]
async fn empty_corrections_and_bad_numbers_are_refused_before_any_call() {
    let server = MockServer::start().await;
    let senders = senders(&server.uri());
    let error = senders.resubmit(SENDER_ID, "  ").await.unwrap_err();
    assert_eq!(rejected_code(error), "invalid_parameter");
    let mut bad = new_sender();
    bad.phone = "0048777777777".into();
    let error = senders.create_sender(&bad).await.unwrap_err();
    assert_eq!(rejected_code(error), "invalid_number");
    assert!(server.received_requests().await.unwrap().is_empty());
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

/// Registers the number by `asked` against a server that expects exactly one well-formed
/// request (Basic auth, `{"method": word}`) and answers `answer`; the registration reported,
/// and the request for its snapshot.
async fn registered(
    asked: NumberVerificationMethod,
    word: &str,
    answer: &serde_json::Value,
) -> (NumberRegistration, wiremock::Request) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({ "method": word })))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let registration = senders(&server.uri())
        .register_number(SENDER_ID, asked)
        .await
        .expect("the registration is accepted");
    (registration, only_request(&server).await)
}

#[tokio::test]
async fn a_number_registration_has_the_code_sent_by_sms() {
    let answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    let (registration, request) = registered(NumberVerificationMethod::Sms, "SMS", &answer).await;
    assert_eq!(
        registration,
        NumberRegistration {
            method: NumberVerificationMethod::Sms,
            code_sent: true
        }
    );
    snapshot(&request, "register_number_sms");
}

#[tokio::test]
async fn a_number_registration_by_voice_reports_a_code_not_sent() {
    let mut answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    answer["method"] = "VOICE".into();
    answer["verificationCodeSent"] = false.into();
    let (registration, request) =
        registered(NumberVerificationMethod::Voice, "VOICE", &answer).await;
    assert_eq!(
        registration,
        NumberRegistration {
            method: NumberVerificationMethod::Voice,
            code_sent: false
        }
    );
    snapshot(&request, "register_number_voice");
}

#[tokio::test]
async fn an_unrecognized_method_in_the_answer_reports_the_one_asked() {
    let mut answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    answer["method"] = "UNRECOGNIZED".into();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&server)
        .await;
    let registration = senders(&server.uri())
        .register_number(SENDER_ID, NumberVerificationMethod::Voice)
        .await
        .unwrap();
    assert_eq!(registration.method, NumberVerificationMethod::Voice);
}

#[tokio::test]
async fn a_registration_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .respond_with(json_answer(
            500,
            br#"{"errorCode": "internal_error", "message": "Internal server error."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .register_number(SENDER_ID, NumberVerificationMethod::Sms)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_right_code_verifies_the_number_then_answers_the_senders_state() {
    for (sender, expected) in [
        (ACTIVE, SenderState::Active),
        (CREATED, SenderState::InProgress),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(verify_path()))
            .and(basic_auth(KEY_ID, KEY_SECRET))
            .and(body_json(json!({"code": "012345"})))
            .respond_with(json_answer(200, b"{}"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(sender_path()))
            .and(basic_auth(KEY_ID, KEY_SECRET))
            .respond_with(json_answer(200, sender))
            .expect(1)
            .mount(&server)
            .await;
        let info = senders(&server.uri())
            .verify_number(SENDER_ID, " 012345\n")
            .await
            .unwrap();
        assert_eq!(
            info,
            SenderInfo {
                id: SENDER_ID.into(),
                state: expected
            }
        );
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert_eq!(requests[1].method.as_str(), "GET");
        if sender == ACTIVE {
            snapshot(&requests[0], "verify_number");
        }
    }
}

#[tokio::test]
async fn a_refused_code_is_an_invalid_code_with_sinchs_message_and_no_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verify_path()))
        .respond_with(json_answer(
            400,
            br#"{"errorCode": "invalid_input", "message": "Verification code is invalid.", "resolution": "Check the code and try again."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .verify_number(SENDER_ID, "123456")
        .await
        .unwrap_err();
    match error {
        ProviderError::Rejected { code, message } => {
            assert_eq!(code, "invalid_code");
            assert!(
                message.contains("Verification code is invalid."),
                "{message}"
            );
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    only_request(&server).await;
}

#[tokio::test]
async fn a_verification_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verify_path()))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .verify_number(SENDER_ID, "123456")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_malformed_code_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let senders = senders(&server.uri());
    for code in ["12345", "12a456", "1234567", "123 456", "", "１２３４５６"] {
        let error = senders.verify_number(SENDER_ID, code).await.unwrap_err();
        assert_eq!(rejected_code(error), "invalid_code", "{code:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sender_waiting_for_its_code_reads_as_pending_verification() {
    let mut sender: serde_json::Value = serde_json::from_slice(ACTIVE).unwrap();
    sender["state"] = "PENDING_VERIFICATION".into();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&sender))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::PendingVerification);
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
