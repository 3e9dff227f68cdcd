//! # onramp-sinch
//!
//! Onramp's Sinch adapter, on the outside of the hexagon: it implements the domain's
//! [`VerificationSender`](onramp_domain::ports::VerificationSender) port over the Sinch
//! Verification API, [`BspProvisioning`](onramp_domain::ports::BspProvisioning) over the
//! Provisioning API's WhatsApp senders and
//! [`WhatsAppMessaging`](onramp_domain::ports::WhatsAppMessaging) over the Conversation API
//! (PROVIDERS.md section 5), and verifies and parses Sinch webhooks.
//!
//! # Layout
//! - [`SinchCredentials`] ([`credentials`]): application key and secret, optional webhook
//!   secret and base URL, and the optional WhatsApp fields (project id, access key,
//!   Conversation app and region, base URL overrides), read from `SINCH_*` environment
//!   variables.
//! - [`SinchVerification`] ([`sender`]): starts `sms` and `callout` verifications (Sinch
//!   generates the code: [`CodeOwner::Provider`](onramp_domain::ports::CodeOwner::Provider)),
//!   reports typed codes, and probes health.
//! - [`signing`]: the "Application" signed-request scheme, shared by outbound requests and
//!   inbound Verification callbacks.
//! - [`classify`]: the Verification API's answers in the port's terms, in one place.
//! - [`wire`]: the Verification request and response JSON.
//! - [`SinchSenders`] ([`provisioning`]): creates WhatsApp senders, reads their state, sends
//!   corrections.
//! - [`SinchConversation`] ([`conversation`]): sends WhatsApp text messages, probes health.
//! - [`project`]: Basic-auth calls to the project APIs and their answers' classification
//!   ([`project::classify`]); [`path`]: ids as URL path segments.
//! - [`webhook`]: `verify` (HMAC and Application schemes), `sign`, `parse` (Verification
//!   callbacks, Conversation API `message_delivery_report` and MESSAGE_INBOUND, Provisioning
//!   API `WHATSAPP_SENDER_*` callbacks).
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
pub mod conversation;
pub mod credentials;
pub mod path;
pub mod project;
pub mod provisioning;
pub mod sender;
pub mod signing;
pub mod webhook;
pub mod wire;

pub use conversation::SinchConversation;
pub use credentials::SinchCredentials;
pub use provisioning::SinchSenders;
pub use sender::{Clock, SinchVerification};

/// Sinch Verification's API base URL (PROVIDERS.md section 5; sinch-sdk-java's default
/// verification server). Override with `SINCH_VERIFICATION_BASE_URL` or
/// [`SinchCredentials::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://verification.api.sinch.com";

/// Sinch Provisioning API's base URL (PROVIDERS.md section 5; the production server of the
/// Provisioning API OpenAPI description). Override with `SINCH_PROVISIONING_BASE_URL` or
/// [`SinchCredentials::provisioning_base_url`].
pub const DEFAULT_PROVISIONING_BASE_URL: &str = "https://provisioning.api.sinch.com";
