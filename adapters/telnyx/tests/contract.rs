//! The `VerificationSender` contract suite against a wiremock Telnyx, plus Telnyx-specific cases:
//! the code check, the destination refusals, and the request details.
//!
//! Answers are shaped like Telnyx's: `{"data": Verification}` (the OpenAPI description's
//! `CreateVerificationResponse` and its `/verifications/call` example), `{"data":
//! {"phone_number", "response_code"}}` (`VerifyVerificationCodeResponse`), `{"data": [...],
//! "meta": {...}}` (`ListVerifyProfilesResponse`), and errors as `verify_Errors` with codes and
//! titles from doc https://developers.telnyx.com/development/api-fundamentals/api-errors and
//! HTTP statuses from team-telnyx/telnyx-skills:
//! providers/claude/plugin/skills/telnyx-twilio-migration/references/error-code-mapping.md.
//!
//! This file holds the fixture, the contract suite and the wiring; `check` holds the code
//! check, `send` the sends' request details and Telnyx's refusals.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

#[path = "contract/check.rs"]
mod check;
#[path = "contract/send.rs"]
mod send;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ports::{ProviderId, VerificationSender};
use onramp_domain::verification::Channel;
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::{
    SenderFixture, conformance, request_snapshot, run_sender_suite,
};
use onramp_telnyx::{TelnyxCredentials, TelnyxVerify};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_KEY: &str = "KEY017B2C3D4E5F_test_only_secret";
const PROFILE_ID: &str = "12ade33a-21c0-473b-b055-b3c836e1c292";
const VERIFICATION_ID: &str = "12ade33a-21c0-473b-b055-b3c836e1c292";
/// The number [`suite_delivery`] sends to, with its `+` escaped as Telnyx asks in a path.
const CHECK_PATH: &str = "/v2/verifications/by_phone_number/%2B14155550123/actions/verify";

fn credentials(base_url: Option<String>) -> TelnyxCredentials {
    TelnyxCredentials {
        api_key: API_KEY.to_string().into(),
        verify_profile_id: PROFILE_ID.into(),
        public_key: None,
        base_url,
    }
}

/// The mock server's URL plus `/v2`, like `https://api.telnyx.com/v2`.
fn base(server_uri: &str) -> String {
    format!("{server_uri}/v2")
}

fn fast_sender(server_uri: &str) -> TelnyxVerify {
    let mut settings = HttpSettings::parse(&base(server_uri)).expect("a valid URL");
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    TelnyxVerify::new(&credentials(None), settings).expect("valid credentials")
}

fn send_path(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "/v2/verifications/sms",
        Channel::Voice => "/v2/verifications/call",
    }
}

/// `verify_Errors` with one error; `meta.url` as Telnyx writes it.
fn errors(status: u16, code: &str, title: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "errors": [{
            "code": code,
            "title": title,
            "detail": detail,
            "meta": {"url": format!("https://developers.telnyx.com/docs/overview/errors/{code}")}
        }]
    }))
}

struct Telnyx;

#[async_trait::async_trait]
impl SenderFixture for Telnyx {
    fn provider(&self) -> &'static str {
        "telnyx"
    }

    fn spec(&self) -> Option<PathBuf> {
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/provider-specs/telnyx.json"),
        )
    }

    fn snapshot_dir(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
    }

    fn secret_headers(&self) -> Vec<&'static str> {
        vec![]
    }

    fn channels(&self) -> Vec<Channel> {
        vec![Channel::Sms, Channel::Voice]
    }

    fn sender(&self, base_url: &str) -> Arc<dyn VerificationSender> {
        Arc::new(fast_sender(base_url))
    }

    async fn mount_send(
        &self,
        server: &MockServer,
        channel: Channel,
        answer: ResponseTemplate,
        times: Option<u64>,
    ) {
        let mock = Mock::given(method("POST"))
            .and(path(send_path(channel)))
            .and(header(
                "authorization",
                format!("Bearer {API_KEY}").as_str(),
            ))
            .respond_with(answer);
        match times {
            Some(n) => mock.up_to_n_times(n).expect(0..=n).mount(server).await,
            None => mock.mount(server).await,
        }
    }

    async fn mount_health(&self, server: &MockServer, answer: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/v2/verify_profiles"))
            .and(query_param("page[size]", "1"))
            .and(header(
                "authorization",
                format!("Bearer {API_KEY}").as_str(),
            ))
            .respond_with(answer)
            .mount(server)
            .await;
    }

    fn accepted(&self, channel: Channel) -> ResponseTemplate {
        let kind = match channel {
            Channel::Sms => "sms",
            Channel::Voice => "call",
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "data": {
                "created_at": "2020-09-14T17:03:32.965812",
                "id": VERIFICATION_ID,
                "phone_number": "+14155550123",
                "record_type": "verification",
                "status": "pending",
                "timeout_secs": 300,
                "type": kind,
                "updated_at": "2020-09-14T17:03:32.965812",
                "verify_profile_id": PROFILE_ID
            }
        }))
    }

    fn invalid_number(&self) -> ResponseTemplate {
        errors(
            400,
            "10002",
            "Invalid phone number",
            "The phone number is invalid.",
        )
    }

    fn unauthorized(&self) -> ResponseTemplate {
        errors(
            401,
            "10009",
            "Authentication failed",
            "The API key looks malformed. Check that you copied it correctly.",
        )
    }

    fn rate_limited(&self, retry_after_seconds: u64) -> ResponseTemplate {
        errors(
            429,
            "10011",
            "Too many requests",
            "You have exceeded the maximum number of allowed requests.",
        )
        .insert_header("retry-after", retry_after_seconds.to_string().as_str())
    }

    fn server_error(&self) -> ResponseTemplate {
        errors(
            503,
            "10007",
            "Unexpected error",
            "An unexpected error occured.",
        )
    }

    fn health_ok(&self) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "data": [{
                "id": PROFILE_ID,
                "name": "Test Profile",
                "record_type": "verification_profile",
                "language": "en-US",
                "sms": {"app_name": "Example Secure App", "code_length": 6,
                        "default_verification_timeout_secs": 300, "whitelisted_destinations": ["US", "CA"]},
                "call": {"app_name": "Example Secure App", "code_length": 6,
                         "default_verification_timeout_secs": 300, "whitelisted_destinations": ["US", "CA"]},
                "webhook_url": "http://example.com/webhook",
                "created_at": "2020-09-14T17:03:32.965812",
                "updated_at": "2020-09-14T17:03:32.965812"
            }],
            "meta": {"page_number": 1, "page_size": 1, "total_pages": 3, "total_results": 3}
        }))
    }
}

#[tokio::test]
async fn telnyx_verify_meets_the_verification_sender_contract() {
    run_sender_suite(&Telnyx).await;
}

/// Snapshots `request` as `name` next to the suite's, after checking it against the spec.
fn snapshot(name: &str, request: &Request) {
    let value = request_snapshot("telnyx", request, &[]);
    let spec = Telnyx.spec().expect("a spec");
    if let Err(violations) = conformance::check(&spec, &value) {
        panic!("{name} does not conform:\n  {}", violations.join("\n  "));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Telnyx.snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

#[tokio::test]
async fn from_credentials_uses_the_credentials_base_url() {
    let server = MockServer::start().await;
    Telnyx.mount_health(&server, Telnyx.health_ok()).await;
    let sender = TelnyxVerify::from_credentials(&credentials(Some(base(&server.uri())))).unwrap();
    assert_eq!(sender.provider(), ProviderId::Telnyx);
    sender.health_check().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_api_key_never_appears_in_a_snapshot() {
    let dir = Telnyx.snapshot_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains(API_KEY),
            "{} holds the API key",
            entry.path().display()
        );
    }
}
