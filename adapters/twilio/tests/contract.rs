//! The `VerificationSender` contract suite against a wiremock Twilio Verify, plus Twilio's own
//! send cases: the request body, API-key auth, Twilio error codes, construction.
//!
//! Answers are shaped like the real API (see `common/api.rs`): the Verification example and
//! the 429 example of `../shared/provider-specs/twilio.json`; error bodies of
//! <https://www.twilio.com/docs/api/errors/60200>, .../20003, .../20503, .../60205, .../60410,
//! .../60605.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::api::*;
use onramp_domain::ports::{CodeOwner, ProviderError, ProviderId, VerificationSender};
use onramp_domain::verification::Channel;
use onramp_provider_kit::testing::sender_suite::suite_delivery;
use onramp_provider_kit::testing::{SenderFixture, run_sender_suite};
use onramp_twilio::{TwilioApiError, TwilioVerify};
use serde_json::json;
use wiremock::matchers::{basic_auth, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Twilio;

#[async_trait::async_trait]
impl SenderFixture for Twilio {
    fn provider(&self) -> &'static str {
        "twilio"
    }

    fn spec(&self) -> Option<PathBuf> {
        Some(spec_path())
    }

    fn snapshot_dir(&self) -> PathBuf {
        snapshot_dir()
    }

    fn secret_headers(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn channels(&self) -> Vec<Channel> {
        vec![Channel::Sms, Channel::Voice]
    }

    fn sender(&self, base_url: &str) -> Arc<dyn VerificationSender> {
        Arc::new(TwilioVerify::new(&credentials(), fast_settings(base_url)).unwrap())
    }

    async fn mount_send(
        &self,
        server: &MockServer,
        channel: Channel,
        answer: ResponseTemplate,
        times: Option<u64>,
    ) {
        let mock = Mock::given(method("POST"))
            .and(path(verifications_path()))
            .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
            .and(body_string_contains(format!(
                "Channel={}",
                twilio_channel(channel)
            )))
            .respond_with(answer);
        let mock = match times {
            Some(n) => mock.up_to_n_times(n).expect(0..=n),
            None => mock,
        };
        mock.mount(server).await;
    }

    async fn mount_health(&self, server: &MockServer, answer: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(format!("/v2/Services/{SERVICE_SID}")))
            .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
            .respond_with(answer)
            .mount(server)
            .await;
    }

    fn accepted(&self, channel: Channel) -> ResponseTemplate {
        ResponseTemplate::new(201).set_body_json(verification(twilio_channel(channel)))
    }

    fn invalid_number(&self) -> ResponseTemplate {
        error(400, 60200, "Invalid parameter: To")
    }

    fn unauthorized(&self) -> ResponseTemplate {
        error(401, 20003, "Authenticate")
    }

    fn rate_limited(&self, retry_after_seconds: u64) -> ResponseTemplate {
        error(429, 20429, "Too many requests")
            .insert_header("Retry-After", retry_after_seconds.to_string().as_str())
    }

    fn server_error(&self) -> ResponseTemplate {
        error(503, 20503, "Service unavailable")
    }

    fn health_ok(&self) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "sid": SERVICE_SID,
            "account_sid": ACCOUNT_SID,
            "friendly_name": "name",
            "code_length": 6,
            "lookup_enabled": false,
            "psd2_enabled": false,
            "skip_sms_to_landlines": false,
            "dtmf_input_required": false,
            "tts_name": "name",
            "do_not_share_warning_enabled": false,
            "custom_code_enabled": true,
            "default_template_sid": "HJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "verify_event_subscription_enabled": false,
            "date_created": "2015-07-30T20:00:00Z",
            "date_updated": "2015-07-30T20:00:00Z",
            "url": format!("https://verify.twilio.com/v2/Services/{SERVICE_SID}")
        }))
    }
}

#[tokio::test]
async fn twilio_verify_honours_the_sender_contract() {
    run_sender_suite(&Twilio).await;
}

#[tokio::test]
async fn a_send_posts_to_custom_code_and_channel_to_the_service() {
    let server = MockServer::start().await;
    mount_accepting(&server).await;
    let receipt = sender_for(&server, &credentials())
        .send_code(&suite_delivery(Channel::Voice))
        .await
        .unwrap();
    assert_eq!(receipt.provider, ProviderId::Twilio);
    assert_eq!(receipt.provider_ref, VERIFICATION_SID);
    assert_eq!(receipt.code_owner, CodeOwner::Onramp);

    let request = only_request(&server).await;
    let mut form = form_of(&request);
    form.sort();
    assert_eq!(
        form,
        [
            ("Channel".to_string(), "call".to_string()),
            ("CustomCode".to_string(), "123456".to_string()),
            ("To".to_string(), "+14155550123".to_string()),
        ]
    );
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
}

#[tokio::test]
async fn an_api_key_replaces_the_account_sid_in_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verifications_path()))
        .and(basic_auth(API_KEY, API_SECRET))
        .respond_with(ResponseTemplate::new(201).set_body_json(verification("sms")))
        .expect(1)
        .mount(&server)
        .await;
    let mut with_key = credentials();
    with_key.api_key_sid = Some(API_KEY.into());
    with_key.api_key_secret = Some(API_SECRET.into());
    let receipt = sender_for(&server, &with_key)
        .send_code(&suite_delivery(Channel::Sms))
        .await;
    assert!(receipt.is_ok(), "{receipt:?}");
}

async fn send_answered(
    answer: ResponseTemplate,
) -> Result<onramp_domain::ports::DeliveryReceipt, ProviderError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verifications_path()))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    sender_for(&server, &credentials())
        .send_code(&suite_delivery(Channel::Sms))
        .await
}

fn rejected_code(
    result: &Result<onramp_domain::ports::DeliveryReceipt, ProviderError>,
) -> Option<&str> {
    match result {
        Err(ProviderError::Rejected { code, .. }) => Some(code),
        _ => None,
    }
}

#[tokio::test]
async fn a_geo_permission_block_is_a_blocked_country_despite_its_403() {
    // 60605 answers HTTP 403 (https://www.twilio.com/docs/api/errors/60605); this also pins the
    // provider kit's `http 403: <body>` reason that `classify::recover_rejection` reads.
    let result = send_answered(error(403, 60605, "Verification delivery attempt blocked")).await;
    assert_eq!(
        rejected_code(&result),
        Some("blocked_country"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_fraud_guard_block_is_a_blocked_country() {
    let result = send_answered(error(403, 60410, "Verification delivery attempt blocked")).await;
    assert_eq!(
        rejected_code(&result),
        Some("blocked_country"),
        "{result:?}"
    );
}

#[tokio::test]
async fn sms_to_a_landline_is_unreachable() {
    // 60205 answers HTTP 403 (https://www.twilio.com/docs/api/errors/60205).
    let result = send_answered(error(
        403,
        60205,
        "SMS is not supported by landline phone number",
    ))
    .await;
    assert_eq!(rejected_code(&result), Some("unreachable"), "{result:?}");
}

#[tokio::test]
async fn a_forbidden_answer_without_a_rejection_code_stays_unauthorized() {
    let result = send_answered(error(403, 20003, "Permission Denied")).await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn another_invalid_parameter_is_unexpected_with_its_twilio_code() {
    let result = send_answered(error(400, 60200, "Invalid parameter: Channel")).await;
    let Err(ProviderError::Unexpected(source)) = result else {
        panic!("expected Unexpected, got {result:?}");
    };
    let api = source.downcast_ref::<TwilioApiError>().unwrap();
    assert_eq!((api.status, api.code), (400, Some(60200)));
}

#[tokio::test]
async fn an_accepted_answer_without_a_sid_is_unexpected() {
    let result =
        send_answered(ResponseTemplate::new(201).set_body_json(json!({"status": "pending"}))).await;
    assert!(
        matches!(result, Err(ProviderError::Unexpected(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn from_credentials_calls_the_configured_base_url() {
    let server = MockServer::start().await;
    mount_accepting(&server).await;
    let mut configured = credentials();
    configured.base_url = Some(server.uri());
    let sender = TwilioVerify::from_credentials(&configured).unwrap();
    assert_eq!(sender.provider(), ProviderId::Twilio);
    assert!(
        sender
            .send_code(&suite_delivery(Channel::Sms))
            .await
            .is_ok()
    );
}

#[test]
fn the_default_base_url_is_twilio_verify() {
    assert_eq!(onramp_twilio::DEFAULT_BASE_URL, "https://verify.twilio.com");
    assert!(TwilioVerify::from_credentials(&credentials()).is_ok());
}

#[test]
fn invalid_credentials_are_refused_at_construction() {
    let mut bad = credentials();
    bad.verify_service_sid = "VA123".into();
    let result = TwilioVerify::from_credentials(&bad);
    assert!(
        matches!(&result, Err(ProviderError::Unauthorized { reason }) if reason.contains("verify_service_sid")),
        "{result:?}"
    );
}

#[test]
fn the_sender_never_shows_its_secret() {
    let sender = TwilioVerify::from_credentials(&credentials()).unwrap();
    let shown = format!("{sender:?}");
    assert!(!shown.contains(AUTH_TOKEN), "{shown}");
    assert!(shown.contains(SERVICE_SID), "{shown}");
}
