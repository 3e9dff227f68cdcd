//! The contract suite of the `VerificationSender` port.

use std::path::PathBuf;
use std::sync::Arc;

use onramp_domain::ports::VerificationSender;
use onramp_domain::verification::Channel;
use wiremock::{MockServer, ResponseTemplate};

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
pub async fn run_sender_suite(fixture: &dyn SenderFixture) {
    let _ = fixture;
    unimplemented!("written by the provider-kit testing task")
}
