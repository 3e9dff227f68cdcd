//! `check_code` (`POST /v2/Services/{ServiceSid}/VerificationCheck`) and the health check
//! (`GET /v2/Services/{Sid}`) against a wiremock Twilio Verify, with the request snapshot of
//! the check and its conformance to `../shared/provider-specs/twilio.json`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::api::*;
use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{ProviderCheck, ProviderError, ProviderVerdict, VerificationSender};
use onramp_domain::verification::{Channel, OtpCode};
use onramp_provider_kit::testing::{conformance, request_snapshot};
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn check(code: &str) -> ProviderCheck {
    ProviderCheck {
        tenant: TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap(),
        to: PhoneNumber::parse("+14155550123", None).unwrap(),
        channel: Channel::Sms,
        provider_ref: VERIFICATION_SID.into(),
        code: OtpCode::parse(code).unwrap(),
    }
}

async fn check_answered(
    answer: ResponseTemplate,
) -> (Result<ProviderVerdict, ProviderError>, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(check_path()))
        .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
        .respond_with(answer)
        .mount(&server)
        .await;
    let verdict = sender_for(&server, &credentials())
        .check_code(&check("123456"))
        .await;
    (verdict, server)
}

#[tokio::test]
async fn an_approved_check_is_approved_and_its_request_conforms() {
    let (verdict, server) = check_answered(
        ResponseTemplate::new(200).set_body_json(verification_check("approved", true)),
    )
    .await;
    assert_eq!(verdict.unwrap(), ProviderVerdict::Approved);

    let request = only_request(&server).await;
    let snapshot = request_snapshot("twilio", &request, &[]);
    if let Err(violations) = conformance::check(&spec_path(), &snapshot) {
        panic!(
            "check_code does not conform:\n  {}",
            violations.join("\n  ")
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!("check_code", snapshot));
}

#[tokio::test]
async fn a_wrong_code_is_refused() {
    let (verdict, _) = check_answered(
        ResponseTemplate::new(200).set_body_json(verification_check("pending", false)),
    )
    .await;
    assert_eq!(verdict.unwrap(), ProviderVerdict::Refused);
}

#[tokio::test]
async fn a_check_of_a_finished_verification_is_refused() {
    let (verdict, _) = check_answered(error(
        404,
        20404,
        "The requested resource /Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/VerificationCheck was not found",
    ))
    .await;
    assert_eq!(verdict.unwrap(), ProviderVerdict::Refused);
}

#[tokio::test]
async fn too_many_checks_are_unavailable() {
    // 60202 answers 429 (https://www.twilio.com/docs/errors/60202): the kit's generic rule.
    let (verdict, _) = check_answered(
        error(429, 60202, "Max check attempts reached").insert_header("Retry-After", "60"),
    )
    .await;
    assert!(
        matches!(verdict, Err(ProviderError::Unavailable { .. })),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_missing_service_fails_the_health_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/Services/{SERVICE_SID}")))
        .respond_with(error(
            404,
            20404,
            "The requested resource /Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa was not found",
        ))
        .mount(&server)
        .await;
    let result = sender_for(&server, &credentials()).health_check().await;
    assert!(
        matches!(&result, Err(ProviderError::Unauthorized { reason }) if reason.contains("TWILIO_VERIFY_SERVICE_SID")),
        "{result:?}"
    );
}
