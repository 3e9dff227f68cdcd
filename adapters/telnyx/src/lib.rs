//! Onramp's Telnyx adapter: an outbound adapter of the hexagon (DESIGN.md section 3) for the
//! [`VerificationSender`](onramp_domain::ports::VerificationSender) port, over Telnyx Verify v2,
//! and the verifier and parser of Telnyx's webhooks.
//!
//! - [`TelnyxCredentials`]: API key, Verify profile id, webhook public key, base URL
//!   (`TELNYX_API_KEY`, `TELNYX_VERIFY_PROFILE_ID`, `TELNYX_PUBLIC_KEY`, `TELNYX_BASE_URL`);
//! - [`TelnyxVerify`]: sends Onramp's code (`custom_code`) by SMS (`POST /verifications/sms`) or
//!   voice call (`POST /verifications/call`), checks a code through Telnyx, and probes the
//!   credentials (`GET /verify_profiles`). Every call goes through
//!   [`onramp_provider_kit::http::execute`]; Telnyx's own refusals are classified in one place
//!   (`classify.rs`);
//! - [`webhook`]: Ed25519 verification of `telnyx-signature-ed25519` over
//!   `"{telnyx-timestamp}|{body}"`, signing the same way, and parsing of `verify.sent`,
//!   `verify.delivered`, `verify.failed` into delivery reports.
//!
//! Facts and their sources: PROVIDERS.md section 3 and the OpenAPI description
//! `../shared/provider-specs/telnyx.json`.
//!
//! ```
//! use onramp_telnyx::webhook;
//!
//! // The fixed test key pair of team-telnyx/telnyx-java's WebhookVerificationTest.kt.
//! let seed = "i1xxSkIuQOY9H8laaRslIoYGTJ1NwBAFdjsQwiwJH04=";
//! let public_key = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";
//! let body = br#"{"data":{"event_type":"verify.delivered","id":"3bb6321b-abd5-4d60-8cf8-1e6026bb1c41",
//!   "payload":{"id":"010d9dee-d86d-47d0-8d6c-20c0f95a79ec","delivery_status":"delivered"},
//!   "record_type":"event"}}"#;
//! let now = 1_760_000_000;
//!
//! let mut headers = http::HeaderMap::new();
//! for (name, value) in webhook::sign("https://example.com/webhooks/telnyx", body, seed, now)? {
//!     headers.insert(http::HeaderName::try_from(name)?, value.parse()?);
//! }
//! let request = webhook::WebhookRequest {
//!     method: "POST".into(),
//!     url: "https://example.com/webhooks/telnyx".into(),
//!     headers,
//!     body: body.to_vec().into(),
//! };
//! webhook::verify(&request, public_key, now + 10)?;
//! let event = webhook::parse(&request)?;
//! assert_eq!(event.event_type, "verify.delivered");
//! assert_eq!(event.report.unwrap().provider_ref, "010d9dee-d86d-47d0-8d6c-20c0f95a79ec");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod classify;
mod credentials;
mod sender;
mod wire;

pub mod webhook;

pub use classify::{TelnyxApiError, UnexpectedAnswer};
pub use credentials::{
    ENV_API_KEY, ENV_BASE_URL, ENV_PUBLIC_KEY, ENV_VERIFY_PROFILE_ID, TelnyxCredentials,
};
pub use sender::{DEFAULT_BASE_URL, TelnyxVerify};
