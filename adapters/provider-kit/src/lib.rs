//! What every Onramp provider adapter shares, so no adapter copies another
//! (HOUSE-STYLE.md, "no copy-paste between adapters"):
//!
//! - [`http`]: one way to build the client, send a request, classify the answer into the
//!   domain's [`ProviderError`](onramp_domain::ports::ProviderError), and retry with
//!   exponential backoff and jitter only where the call is safe to repeat;
//! - [`credentials`]: the shape checks every adapter's credentials `validate` shares (an
//!   http(s) base URL with a host, a header-safe secret or id), with their messages;
//! - [`webhook`]: the shape of an inbound webhook request and the signature errors every
//!   provider's verifier returns;
//! - [`standard_webhooks`]: the Standard Webhooks scheme Onramp signs its own webhooks with;
//! - `testing` (feature `testing`): outbound request snapshots in DESIGN.md section 7's shape,
//!   conformance of those requests to `../shared/provider-specs/`, and the generic contract
//!   suite every [`VerificationSender`](onramp_domain::ports::VerificationSender) adapter runs.

mod call_metrics;
pub mod credentials;
pub mod http;
pub mod standard_webhooks;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;
