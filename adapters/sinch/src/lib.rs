//! # onramp-sinch
//!
//! Onramp's Sinch adapter, on the outside of the hexagon: it implements the domain's
//! [`VerificationSender`](onramp_domain::ports::VerificationSender) port over the Sinch
//! Verification API (PROVIDERS.md section 5), and verifies and parses Sinch webhooks.
//!
//! # Layout
//! - [`SinchCredentials`] ([`credentials`]): application key and secret, optional webhook
//!   secret and base URL, read from `SINCH_*` environment variables.
//! - [`SinchVerification`] ([`sender`]): starts `sms` and `callout` verifications (Sinch
//!   generates the code: [`CodeOwner::Provider`](onramp_domain::ports::CodeOwner::Provider)),
//!   reports typed codes, and probes health.
//! - [`signing`]: the "Application" signed-request scheme, shared by outbound requests and
//!   inbound Verification callbacks.
//! - [`classify`]: Sinch's answers in the port's terms, in one place.
//! - [`wire`]: the request and response JSON.
//! - [`webhook`]: `verify` (HMAC and Application schemes), `sign`, `parse`.
//!
//! # Example
//! ```
//! use onramp_sinch::signing::{ApplicationKey, SignedParts};
//!
//! // sinch/sinch-sdk-dotnet tests/Sinch.Tests/Core/AuthenticationHeaderValidationTests.cs
//! let key = ApplicationKey::new("669E367E-6BBA-48AB-AF15-266871C28135", "BeIukql3pTKJ8RGL5zo0DA==")?;
//! let parts = SignedParts {
//!     method: "POST",
//!     content_type: "application/json",
//!     timestamp: "2014-09-24T10:59:41Z",
//!     path: "/sinch/callback/ace",
//!     body: br#"{"event":"ace","callid":"822aa4b7-05b4-4d83-87c7-1f835ee0b6f6_257","timestamp":"2014-09-24T10:59:41Z","version":1}"#,
//! };
//! assert_eq!(key.signature(&parts), "Tg6fMyo8mj9pYfWQ9ssbx3Tc1BNC87IEygAfLbJqZb4=");
//! # Ok::<(), onramp_provider_kit::webhook::SignatureError>(())
//! ```

pub mod classify;
pub mod credentials;
pub mod sender;
pub mod signing;
pub mod webhook;
pub mod wire;

pub use credentials::SinchCredentials;
pub use sender::{Clock, SinchVerification};

/// Sinch Verification's API base URL (PROVIDERS.md section 5; sinch-sdk-java's default
/// verification server). Override with `SINCH_VERIFICATION_BASE_URL` or
/// [`SinchCredentials::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://verification.api.sinch.com";
