//! The code check: `accepted` approves (and the request conforms to the spec), `rejected` and a
//! missing verification refuse, a server error is retried, an unknown response code is
//! unexpected.

use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{ProviderCheck, ProviderError, ProviderVerdict, VerificationSender};
use onramp_domain::verification::{Channel, OtpCode};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{API_KEY, CHECK_PATH, PROFILE_ID, VERIFICATION_ID, errors, fast_sender, snapshot};

fn check_of(code: &str) -> ProviderCheck {
    ProviderCheck {
        tenant: TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap(),
        to: PhoneNumber::parse("+14155550123", None).unwrap(),
        channel: Channel::Sms,
        provider_ref: VERIFICATION_ID.into(),
        code: OtpCode::parse(code).unwrap(),
    }
}

fn verdict(response_code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": {"phone_number": "+14155550123", "response_code": response_code}
    }))
}

async fn mount_check(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .and(header(
            "authorization",
            format!("Bearer {API_KEY}").as_str(),
        ))
        .and(body_json(
            json!({"code": "123456", "verify_profile_id": PROFILE_ID}),
        ))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_accepted_code_is_approved_and_the_check_request_conforms() {
    let server = MockServer::start().await;
    mount_check(&server, verdict("accepted"), 1).await;
    let result = fast_sender(&server.uri())
        .check_code(&check_of("123456"))
        .await;
    assert_eq!(result.unwrap(), ProviderVerdict::Approved);
    let requests = server.received_requests().await.unwrap();
    snapshot("check_code", &requests[0]);
}

#[tokio::test]
async fn a_rejected_code_is_refused() {
    let server = MockServer::start().await;
    mount_check(&server, verdict("rejected"), 1).await;
    let result = fast_sender(&server.uri())
        .check_code(&check_of("123456"))
        .await;
    assert_eq!(result.unwrap(), ProviderVerdict::Refused);
}

#[tokio::test]
async fn a_check_without_a_pending_verification_is_refused() {
    let server = MockServer::start().await;
    mount_check(
        &server,
        errors(
            404,
            "10005",
            "Resource not found",
            "The requested resource or URL could not be found.",
        ),
        1,
    )
    .await;
    let result = fast_sender(&server.uri())
        .check_code(&check_of("123456"))
        .await;
    assert_eq!(result.unwrap(), ProviderVerdict::Refused);
}

#[tokio::test]
async fn a_check_is_retried_after_a_server_error() {
    let server = MockServer::start().await;
    mount_check(
        &server,
        errors(
            503,
            "10007",
            "Unexpected error",
            "An unexpected error occured.",
        ),
        1,
    )
    .await;
    mount_check(&server, verdict("accepted"), 1).await;
    let result = fast_sender(&server.uri())
        .check_code(&check_of("123456"))
        .await;
    assert_eq!(result.unwrap(), ProviderVerdict::Approved);
}

#[tokio::test]
async fn an_unknown_response_code_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .respond_with(verdict("maybe"))
        .mount(&server)
        .await;
    let result = fast_sender(&server.uri())
        .check_code(&check_of("123456"))
        .await;
    assert!(
        matches!(result, Err(ProviderError::Unexpected(_))),
        "{result:?}"
    );
}
