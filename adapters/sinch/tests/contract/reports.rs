//! Code reports: a successful SMS or callout report approves the code (the callout's code under
//! `callout`), failed reports and Sinch's 404 refuse it, a server error is retried, and a
//! provider reference stays one path segment.

use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{ProviderCheck, ProviderVerdict, VerificationSender};
use onramp_domain::verification::{Channel, OtpCode};
use onramp_provider_kit::testing::SenderFixture;
use onramp_sinch::wire;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    NOT_FOUND, REPORT_CALLOUT, REPORT_SMS, SignedWithTestKey, Sinch, json_answer, sender,
    snapshot_last_request,
};

fn check(channel: Channel, provider_ref: &str) -> ProviderCheck {
    ProviderCheck {
        tenant: TenantId::new(uuid::Uuid::from_u128(2)),
        to: PhoneNumber::parse("+14155550123", None).expect("phone"),
        channel,
        provider_ref: provider_ref.into(),
        code: OtpCode::parse("042917").expect("code"),
    }
}

async fn mount_report(server: &MockServer, provider_ref: &str, answer: ResponseTemplate) {
    Mock::given(method("PUT"))
        .and(path(format!("{}{provider_ref}", wire::REPORT_BY_ID_PATH)))
        .and(SignedWithTestKey)
        .respond_with(answer)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_successful_sms_report_approves_the_code() {
    let server = MockServer::start().await;
    let answer = br#"{"id": "1234567890", "method": "sms", "status": "SUCCESSFUL"}"#;
    mount_report(&server, "1234567890", json_answer(200, answer)).await;
    let verdict = sender(&server.uri())
        .check_code(&check(Channel::Sms, "1234567890"))
        .await
        .unwrap();
    assert_eq!(verdict, ProviderVerdict::Approved);
    snapshot_last_request(&server, "check_code_sms").await;
}

#[tokio::test]
async fn a_callout_report_carries_the_code_under_callout() {
    let server = MockServer::start().await;
    let answer = br#"{"id": "1234567890", "method": "callout", "status": "SUCCESSFUL", "callComplete": true}"#;
    mount_report(&server, "1234567890", json_answer(200, answer)).await;
    let verdict = sender(&server.uri())
        .check_code(&check(Channel::Voice, "1234567890"))
        .await
        .unwrap();
    assert_eq!(verdict, ProviderVerdict::Approved);
    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({"method": "callout", "callout": {"code": "042917"}})
    );
    snapshot_last_request(&server, "check_code_callout").await;
}

#[tokio::test]
async fn failed_reports_refuse_the_code() {
    for (channel, answer) in [
        (Channel::Sms, json_answer(200, REPORT_SMS)),
        (Channel::Voice, json_answer(200, REPORT_CALLOUT)),
        (Channel::Sms, json_answer(404, NOT_FOUND)),
    ] {
        let server = MockServer::start().await;
        mount_report(&server, "1234567890", answer).await;
        let verdict = sender(&server.uri())
            .check_code(&check(channel, "1234567890"))
            .await
            .unwrap();
        assert_eq!(verdict, ProviderVerdict::Refused);
    }
}

#[tokio::test]
async fn a_report_is_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{}1234567890", wire::REPORT_BY_ID_PATH)))
        .respond_with(Sinch.server_error())
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let answer = br#"{"id": "1234567890", "method": "sms", "status": "SUCCESSFUL"}"#;
    mount_report(&server, "1234567890", json_answer(200, answer)).await;
    let verdict = sender(&server.uri())
        .check_code(&check(Channel::Sms, "1234567890"))
        .await
        .unwrap();
    assert_eq!(verdict, ProviderVerdict::Approved);
}

#[tokio::test]
async fn a_provider_reference_is_one_path_segment() {
    let server = MockServer::start().await;
    mount_report(&server, "a%2Fb", json_answer(200, REPORT_SMS)).await;
    let verdict = sender(&server.uri())
        .check_code(&check(Channel::Sms, "a/b"))
        .await
        .unwrap();
    assert_eq!(verdict, ProviderVerdict::Refused);
}
