//! Onramp's Twilio adapter: Twilio Verify v2 behind the domain's
//! [`VerificationSender`](onramp_domain::ports::VerificationSender) port, WhatsApp messages
//! through Twilio's Messages API behind
//! [`WhatsAppMessaging`](onramp_domain::ports::WhatsAppMessaging), and Twilio's webhook
//! signature, status callbacks and inbound WhatsApp messages.
//!
//! An outbound adapter of the hexagon (DESIGN.md section 3), depending on the domain and on
//! `onramp-provider-kit` only. Its parts:
//!
//! - [`TwilioCredentials`]: account SID, auth token, Verify service SID, optional API key,
//!   base URLs, WhatsApp sender (`whatsapp_from` and/or `messaging_service_sid`) and status
//!   callback URL, from `TWILIO_*` environment variables ([`TwilioCredentials::from_env`]);
//! - [`TwilioVerify`]: sends Onramp's code with `CustomCode` (`POST
//!   /v2/Services/{ServiceSid}/Verifications`), checks it with `VerificationCheck`, probes
//!   `GET /v2/Services/{Sid}`; every call goes through the kit's `execute` (one client, generic
//!   failure classification, retries only where safe) and Twilio's error codes are read in
//!   one place, [`classify`];
//! - [`TwilioWhatsApp`]: sends WhatsApp text (`POST
//!   /2010-04-01/Accounts/{AccountSid}/Messages.json` with `whatsapp:` addresses), probes
//!   `GET /2010-04-01/Accounts/{AccountSid}.json`;
//! - [`webhook`]: `X-Twilio-Signature` ([`webhook::verify`], [`webhook::sign`],
//!   [`webhook::url_with_body_sha256`]), status callbacks and inbound WhatsApp messages
//!   ([`webhook::parse`]).
//!
//! Facts and their sources: PROVIDERS.md section 4 and `../shared/provider-specs/twilio.json`.
//!
//! ```
//! use onramp_provider_kit::webhook::WebhookRequest;
//! use onramp_twilio::webhook;
//!
//! // A message status callback, signed as Twilio signs it (auth token = the secret).
//! let url = "https://example.com/webhooks/twilio";
//! let body = b"MessageSid=SM123&MessageStatus=undelivered&ErrorCode=30003";
//! let headers = webhook::sign(url, body, "auth-token", 0)?;
//!
//! let mut request = WebhookRequest {
//!     method: "POST".into(),
//!     url: url.into(),
//!     headers: http::HeaderMap::new(),
//!     body: body.to_vec().into(),
//! };
//! for (name, value) in headers {
//!     request.headers.insert(http::HeaderName::try_from(name)?, value.parse()?);
//! }
//! webhook::verify(&request, "auth-token", 0)?;
//! assert!(webhook::verify(&request, "another-token", 0).is_err());
//!
//! let parsed = webhook::parse(&request)?;
//! assert_eq!(parsed.event_type, "message.undelivered");
//! let report = parsed.report.expect("a delivery report");
//! assert_eq!(report.provider_ref, "SM123");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod classify;
mod credentials;
mod sender;
pub mod webhook;
mod whatsapp;
mod wire;

pub use classify::TwilioApiError;
pub use credentials::{
    ENV_ACCOUNT_SID, ENV_API_BASE_URL, ENV_API_KEY, ENV_API_SECRET, ENV_AUTH_TOKEN, ENV_BASE_URL,
    ENV_MESSAGING_SERVICE_SID, ENV_STATUS_CALLBACK_URL, ENV_VERIFY_SERVICE_SID, ENV_WHATSAPP_FROM,
    TwilioCredentials,
};
pub use sender::{DEFAULT_BASE_URL, TwilioVerify};
pub use whatsapp::{DEFAULT_API_BASE_URL, SANDBOX_WHATSAPP_FROM, TwilioWhatsApp};
