//! The contract suite of the `VerificationSender` port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{CodeDelivery, DeliveryReceipt, ProviderError, VerificationSender};
use onramp_domain::verification::{Channel, OtpCode};
use wiremock::{MockServer, ResponseTemplate};

use super::{conformance, request_snapshot};

/// How one adapter plugs into [`run_sender_suite`]: where its requests go and how its provider
/// answers each scenario, exactly as the real API does (status, headers, body).
#[async_trait::async_trait]
pub trait SenderFixture: Send + Sync {
    /// `telnyx`, `twilio`, `sinch`: the `provider` key of snapshots.
    fn provider(&self) -> &'static str;

    /// The provider's OpenAPI description (a path under `../shared/provider-specs/`), when one
    /// exists; every snapshotted request is checked against it.
    fn spec(&self) -> Option<PathBuf>;

    /// Where this adapter's snapshots live (its `tests/snapshots`).
    fn snapshot_dir(&self) -> PathBuf;

    /// Header names whose values are secrets, redacted in snapshots (`authorization` always is).
    fn secret_headers(&self) -> Vec<&'static str>;

    /// The channels the adapter sends on.
    fn channels(&self) -> Vec<Channel>;

    /// A sender whose base URL is `base_url`, with a short timeout (≤ 500 ms) and backoff
    /// (≤ 20 ms) so the timeout and retry scenarios run fast.
    fn sender(&self, base_url: &str) -> Arc<dyn VerificationSender>;

    /// Mounts `answer` on `server` for the send of a code on `channel` (matching the real
    /// method and path), expecting it to be hit at most `times` times (None: any number).
    async fn mount_send(
        &self,
        server: &MockServer,
        channel: Channel,
        answer: ResponseTemplate,
        times: Option<u64>,
    );

    /// Mounts `answer` on `server` for the adapter's health check call.
    async fn mount_health(&self, server: &MockServer, answer: ResponseTemplate);

    /// The provider's answer to an accepted send on `channel`.
    fn accepted(&self, channel: Channel) -> ResponseTemplate;

    /// The provider's answer to a send to an invalid number (its real error shape).
    fn invalid_number(&self) -> ResponseTemplate;

    /// The provider's answer to bad credentials (401 and its real error body).
    fn unauthorized(&self) -> ResponseTemplate;

    /// The provider's 429 with `Retry-After: retry_after_seconds`.
    fn rate_limited(&self, retry_after_seconds: u64) -> ResponseTemplate;

    /// The provider's 5xx (503 and its real error body).
    fn server_error(&self) -> ResponseTemplate;

    /// The provider's answer to the health check when the credentials work.
    fn health_ok(&self) -> ResponseTemplate;
}

/// Runs every scenario of the port's contract against `fixture` and snapshots each outbound
/// request kind once. Panics (test failure) on the first broken expectation.
///
/// Scenarios, per channel where it matters: accepted (receipt with the provider and a non-empty
/// provider reference); invalid number (`Rejected { code: "invalid_number" }`); 401
/// (`Unauthorized`); 429 with a long `Retry-After` (`Unavailable` carrying it, one request only);
/// 429 with `Retry-After: 1`, then accepted (retried once: a 429 means nothing was done); 503
/// (`Unavailable`, one request: a send is not repeated after an unknown effect); timeout
/// (`Unavailable`); malformed 200 body (`Unexpected`); health check ok and 401.
///
/// Every scenario has its own [`MockServer`]; the code sent is [`suite_delivery`]'s. The
/// accepted send of each channel and the successful health check are snapshotted with insta in
/// [`SenderFixture::snapshot_dir`] as `send_sms`, `send_voice` and `health_check` (DESIGN.md
/// section 7), each first checked with [`conformance::check`] against
/// [`SenderFixture::spec`] when there is one.
///
/// # Panics
/// On the first broken expectation, on a request that does not conform to the spec (with the
/// list of violations), and on a snapshot that differs from the stored one (insta).
pub async fn run_sender_suite(fixture: &dyn SenderFixture) {
    let channels = fixture.channels();
    assert!(
        !channels.is_empty(),
        "{}: the fixture lists no channels",
        fixture.provider()
    );
    for channel in channels {
        accepted(fixture, channel).await;
        invalid_number(fixture, channel).await;
        unauthorized(fixture, channel).await;
        rate_limited_for_long(fixture, channel).await;
        rate_limited_briefly_then_accepted(fixture, channel).await;
        server_error(fixture, channel).await;
        timeout(fixture, channel).await;
        malformed_body(fixture, channel).await;
    }
    health_check_ok(fixture).await;
    health_check_unauthorized(fixture).await;
}

/// The code every scenario sends: fixed ids, so snapshots that carry them (idempotency keys)
/// stay the same from run to run.
pub fn suite_delivery(channel: Channel) -> CodeDelivery {
    CodeDelivery {
        delivery_id: JobId::parse("01920000-0000-7000-8000-000000000001").expect("a valid id"),
        tenant: TenantId::parse("01920000-0000-7000-8000-0000000000aa").expect("a valid id"),
        to: PhoneNumber::parse("+14155550123", None).expect("a valid number"),
        channel,
        code: OtpCode::parse("123456").expect("a valid code"),
    }
}

/// The `Retry-After` of the long 429, in seconds: beyond
/// [`crate::http::MAX_INLINE_RETRY_AFTER`], so handed to the caller.
const LONG_RETRY_AFTER: u64 = 30;

/// How long the timeout scenario's provider takes to answer: well over the fixture's
/// timeout (at most 500 ms).
const SLOW_ANSWER: Duration = Duration::from_secs(3);

/// One scenario's outcome: the sender's answer and what the provider received.
struct Outcome {
    result: Result<DeliveryReceipt, ProviderError>,
    requests: Vec<wiremock::Request>,
}

/// Sends the suite's code on `channel` to a server answering with `answers` in turn (each
/// mounted with its `times`).
async fn send(
    fixture: &dyn SenderFixture,
    channel: Channel,
    answers: Vec<(ResponseTemplate, Option<u64>)>,
) -> Outcome {
    let server = MockServer::start().await;
    for (answer, times) in answers {
        fixture.mount_send(&server, channel, answer, times).await;
    }
    let sender = fixture.sender(&server.uri());
    let result = sender.send_code(&suite_delivery(channel)).await;
    let requests = server.received_requests().await.unwrap_or_default();
    Outcome { result, requests }
}

fn label(fixture: &dyn SenderFixture, channel: Channel, scenario: &str) -> String {
    format!("{} {} {scenario}", fixture.provider(), channel.as_str())
}

fn assert_requests(outcome: &Outcome, expected: usize, label: &str) {
    assert_eq!(
        outcome.requests.len(),
        expected,
        "{label}: the provider received {} requests, expected {expected}",
        outcome.requests.len()
    );
}

async fn accepted(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "accepted");
    let outcome = send(fixture, channel, vec![(fixture.accepted(channel), Some(1))]).await;
    let receipt = match &outcome.result {
        Ok(receipt) => receipt,
        Err(e) => panic!("{label}: expected a receipt, got {e:?}"),
    };
    assert_eq!(
        receipt.provider.as_str(),
        fixture.provider(),
        "{label}: receipt provider"
    );
    assert!(
        !receipt.provider_ref.trim().is_empty(),
        "{label}: the receipt has no provider reference"
    );
    assert_requests(&outcome, 1, &label);
    snapshot(
        fixture,
        &format!("send_{}", channel.as_str()),
        &outcome.requests[0],
    );
}

async fn invalid_number(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "invalid number");
    let outcome = send(fixture, channel, vec![(fixture.invalid_number(), None)]).await;
    assert!(
        matches!(&outcome.result, Err(ProviderError::Rejected { code, .. }) if code == "invalid_number"),
        "{label}: expected Rejected {{ code: \"invalid_number\" }}, got {:?}",
        outcome.result
    );
    assert_requests(&outcome, 1, &label);
}

async fn unauthorized(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "unauthorized");
    let outcome = send(fixture, channel, vec![(fixture.unauthorized(), None)]).await;
    assert!(
        matches!(outcome.result, Err(ProviderError::Unauthorized { .. })),
        "{label}: expected Unauthorized, got {:?}",
        outcome.result
    );
    assert_requests(&outcome, 1, &label);
}

async fn rate_limited_for_long(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "429 with a long Retry-After");
    let answer = fixture.rate_limited(LONG_RETRY_AFTER);
    let outcome = send(fixture, channel, vec![(answer, None)]).await;
    let expected = Some(Duration::from_secs(LONG_RETRY_AFTER));
    assert!(
        matches!(&outcome.result, Err(ProviderError::Unavailable { retry_after, .. }) if *retry_after == expected),
        "{label}: expected Unavailable with retry_after {expected:?}, got {:?}",
        outcome.result
    );
    assert_requests(&outcome, 1, &label);
}

async fn rate_limited_briefly_then_accepted(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "429 with Retry-After: 1, then accepted");
    let answers = vec![
        (fixture.rate_limited(1), Some(1)),
        (fixture.accepted(channel), Some(1)),
    ];
    let outcome = send(fixture, channel, answers).await;
    assert!(
        outcome.result.is_ok(),
        "{label}: expected a receipt after one retry, got {:?}",
        outcome.result
    );
    assert_requests(&outcome, 2, &label);
}

async fn server_error(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "503");
    let outcome = send(fixture, channel, vec![(fixture.server_error(), None)]).await;
    assert!(
        matches!(outcome.result, Err(ProviderError::Unavailable { .. })),
        "{label}: expected Unavailable, got {:?}",
        outcome.result
    );
    assert_requests(&outcome, 1, &label);
}

async fn timeout(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "timeout");
    let slow = fixture.accepted(channel).set_delay(SLOW_ANSWER);
    let outcome = send(fixture, channel, vec![(slow, None)]).await;
    assert!(
        matches!(outcome.result, Err(ProviderError::Unavailable { .. })),
        "{label}: expected Unavailable, got {:?}",
        outcome.result
    );
}

async fn malformed_body(fixture: &dyn SenderFixture, channel: Channel) {
    let label = label(fixture, channel, "malformed body");
    let truncated = ResponseTemplate::new(200)
        .set_body_raw(br#"{"unexpected": true"#.to_vec(), "application/json");
    let outcome = send(fixture, channel, vec![(truncated, None)]).await;
    assert!(
        matches!(outcome.result, Err(ProviderError::Unexpected(_))),
        "{label}: expected Unexpected, got {:?}",
        outcome.result
    );
}

async fn health_check(
    fixture: &dyn SenderFixture,
    answer: ResponseTemplate,
) -> (Result<(), ProviderError>, Vec<wiremock::Request>) {
    let server = MockServer::start().await;
    fixture.mount_health(&server, answer).await;
    let result = fixture.sender(&server.uri()).health_check().await;
    (result, server.received_requests().await.unwrap_or_default())
}

async fn health_check_ok(fixture: &dyn SenderFixture) {
    let (result, requests) = health_check(fixture, fixture.health_ok()).await;
    let provider = fixture.provider();
    assert!(
        result.is_ok(),
        "{provider} health check: expected Ok, got {result:?}"
    );
    let first = requests
        .first()
        .unwrap_or_else(|| panic!("{provider} health check: the provider received nothing"));
    snapshot(fixture, "health_check", first);
}

async fn health_check_unauthorized(fixture: &dyn SenderFixture) {
    let (result, _) = health_check(fixture, fixture.unauthorized()).await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{} health check with bad credentials: expected Unauthorized, got {result:?}",
        fixture.provider()
    );
}

/// Snapshots `request` as `name` in the fixture's snapshot directory, after checking it
/// against the provider's OpenAPI description when there is one.
fn snapshot(fixture: &dyn SenderFixture, name: &str, request: &wiremock::Request) {
    let value = request_snapshot(fixture.provider(), request, &fixture.secret_headers());
    if let Some(spec) = fixture.spec()
        && let Err(violations) = conformance::check(&spec, &value)
    {
        panic!(
            "{} {name}: the request does not conform to {}:\n  {}",
            fixture.provider(),
            spec.display(),
            violations.join("\n  ")
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(fixture.snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}
