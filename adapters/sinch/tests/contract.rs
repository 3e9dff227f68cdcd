//! The `VerificationSender` contract against a wiremock Sinch that answers as the real API does
//! (bodies from sinch/sinch-sdk-java's verification fixtures, see tests/fixtures/README.md), and
//! the Sinch-specific cases: code reports, the health probe, request bodies and signatures.
//!
//! This file holds the fixture, the contract suite and the starts; `reports` holds the code
//! reports, `health` the probe and the credentials.

#[path = "contract/health.rs"]
mod health;
#[path = "contract/reports.rs"]
mod reports;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{
    CodeDelivery, CodeOwner, ProviderError, ProviderId, VerificationSender,
};
use onramp_domain::verification::{Channel, OtpCode};
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::{SenderFixture, request_snapshot, run_sender_suite};
use onramp_sinch::signing::{self, ApplicationKey, SignedParts};
use onramp_sinch::{SinchCredentials, SinchVerification, wire};
use secrecy::SecretString;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use wiremock::matchers::{body_json, body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The example application of Sinch's signed-request documentation (as used in
/// sinch/sinch-sdk-dotnet tests/Sinch.Tests/Core/AuthenticationHeaderValidationTests.cs): a
/// public test value, not a live credential.
const KEY: &str = "669E367E-6BBA-48AB-AF15-266871C28135";
const SECRET: &str = "BeIukql3pTKJ8RGL5zo0DA==";
const NOW: OffsetDateTime = datetime!(2026-01-15 10:00:00 UTC);

const START_SMS: &[u8] = include_bytes!("fixtures/start_response_sms.json");
const START_CALLOUT: &[u8] = include_bytes!("fixtures/start_response_callout.json");
const REPORT_SMS: &[u8] = include_bytes!("fixtures/report_response_sms.json");
const REPORT_CALLOUT: &[u8] = include_bytes!("fixtures/report_response_callout.json");
const NOT_FOUND: &[u8] = include_bytes!("fixtures/error_response.json");

fn health_path() -> String {
    format!(
        "{}{}",
        wire::STATUS_BY_REFERENCE_PATH,
        onramp_sinch::sender::HEALTH_PROBE_REFERENCE
    )
}

fn credentials(base_url: Option<&str>) -> SinchCredentials {
    SinchCredentials {
        base_url: base_url.map(str::to_string),
        ..SinchCredentials::new(KEY, SecretString::from(SECRET))
    }
}

fn sender(base_url: &str) -> SinchVerification {
    let mut settings = HttpSettings::parse(base_url).expect("base url");
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    SinchVerification::new(&credentials(None), settings)
        .expect("sender")
        .with_clock(|| NOW)
}

fn json_answer(status: u16, body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_vec(), "application/json")
}

/// Matches requests whose `Authorization: Application` header verifies under the test key, as
/// Sinch checks it.
struct SignedWithTestKey;

impl wiremock::Match for SignedWithTestKey {
    fn matches(&self, request: &Request) -> bool {
        let Ok(key) = ApplicationKey::new(KEY, SECRET) else {
            return false;
        };
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let parts = SignedParts {
            method: request.method.as_str(),
            content_type: header("content-type"),
            timestamp: header("x-timestamp"),
            path: &signing::signed_path(request.url.path()),
            body: &request.body,
        };
        key.verify(header("authorization"), &parts).is_ok()
    }
}

struct Sinch;

#[async_trait::async_trait]
impl SenderFixture for Sinch {
    fn provider(&self) -> &'static str {
        "sinch"
    }

    fn spec(&self) -> Option<PathBuf> {
        // No OpenAPI description of Sinch in provider-specs; bodies follow the SDK fixtures.
        None
    }

    fn snapshot_dir(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
    }

    fn secret_headers(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn channels(&self) -> Vec<Channel> {
        vec![Channel::Sms, Channel::Voice]
    }

    fn sender(&self, base_url: &str) -> Arc<dyn VerificationSender> {
        Arc::new(sender(base_url))
    }

    async fn mount_send(
        &self,
        server: &MockServer,
        channel: Channel,
        answer: ResponseTemplate,
        times: Option<u64>,
    ) {
        let mock = Mock::given(method("POST"))
            .and(path(wire::START_PATH))
            .and(body_partial_json(json!({"method": wire::method(channel)})))
            .and(SignedWithTestKey)
            .respond_with(answer);
        match times {
            Some(n) => mock.up_to_n_times(n).expect(..=n).mount(server).await,
            None => mock.mount(server).await,
        }
    }

    async fn mount_health(&self, server: &MockServer, answer: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(health_path()))
            .and(SignedWithTestKey)
            .respond_with(answer)
            .mount(server)
            .await;
    }

    fn accepted(&self, channel: Channel) -> ResponseTemplate {
        match channel {
            Channel::Sms => json_answer(200, START_SMS),
            Channel::Voice => json_answer(200, START_CALLOUT),
        }
    }

    fn invalid_number(&self) -> ResponseTemplate {
        // https://developers.sinch.com/docs/verification/api-reference/errors, 40001 example.
        json_answer(
            400,
            br#"{"errorCode": 40001, "message": "Number +4813 is invalid. Too short."}"#,
        )
    }

    fn unauthorized(&self) -> ResponseTemplate {
        // Sinch's error shape (error-response.json); the code is the status and two digits.
        json_answer(
            401,
            br#"{"errorCode": 40100, "message": "Invalid signature.", "reference": "a reference"}"#,
        )
    }

    fn rate_limited(&self, retry_after_seconds: u64) -> ResponseTemplate {
        json_answer(
            429,
            br#"{"errorCode": 42900, "message": "Too many requests.", "reference": "a reference"}"#,
        )
        .insert_header("retry-after", retry_after_seconds.to_string())
    }

    fn server_error(&self) -> ResponseTemplate {
        json_answer(
            503,
            br#"{"errorCode": 50300, "message": "Service unavailable.", "reference": "a reference"}"#,
        )
    }

    fn health_ok(&self) -> ResponseTemplate {
        json_answer(404, NOT_FOUND)
    }
}

#[tokio::test]
async fn sinch_passes_the_verification_sender_contract() {
    run_sender_suite(&Sinch).await;
}

fn delivery(channel: Channel) -> CodeDelivery {
    CodeDelivery {
        delivery_id: JobId::new(uuid::Uuid::from_u128(
            0x0194_5b3c_7d00_7000_8000_0000_0000_0001,
        )),
        tenant: TenantId::new(uuid::Uuid::from_u128(
            0x0194_5b3c_7d00_7000_8000_0000_0000_0002,
        )),
        to: PhoneNumber::parse("+14155550123", None).expect("phone"),
        channel,
        code: OtpCode::parse("042917").expect("code"),
    }
}

#[tokio::test]
async fn a_start_names_number_method_and_reference_and_never_our_code() {
    let server = MockServer::start().await;
    for (channel, name, answer) in [
        (Channel::Sms, "sms", START_SMS),
        (Channel::Voice, "callout", START_CALLOUT),
    ] {
        Mock::given(method("POST"))
            .and(path(wire::START_PATH))
            .and(body_json(json!({
                "identity": {"type": "number", "endpoint": "+14155550123"},
                "method": name,
                "reference": "01945b3c-7d00-7000-8000-000000000001"
            })))
            .and(SignedWithTestKey)
            .respond_with(json_answer(200, answer))
            .expect(1)
            .mount(&server)
            .await;
        let receipt = sender(&server.uri())
            .send_code(&delivery(channel))
            .await
            .unwrap();
        assert_eq!(receipt.provider, ProviderId::Sinch);
        assert_eq!(receipt.provider_ref, "the id");
        assert_eq!(receipt.code_owner, CodeOwner::Provider);
    }
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers["x-timestamp"], "2026-01-15T10:00:00.000Z");
        assert_eq!(request.headers["content-type"], signing::JSON_CONTENT_TYPE);
        assert!(!String::from_utf8_lossy(&request.body).contains("042917"));
    }
}

#[tokio::test]
async fn a_send_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Sinch
        .mount_send(&server, Channel::Sms, Sinch.server_error(), Some(1))
        .await;
    let error = sender(&server.uri())
        .send_code(&delivery(Channel::Sms))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Snapshots the last request `server` received as `name`, beside the suite's `send_sms`,
/// `send_voice` and `health_check`.
async fn snapshot_last_request(server: &MockServer, name: &str) {
    let requests = server.received_requests().await.expect("recording is on");
    let last = requests.last().expect("a request was received");
    let value = request_snapshot("sinch", last, &[]);
    insta::with_settings!({
        snapshot_path => Sinch.snapshot_dir(),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_json_snapshot!(name, value);
    });
}
