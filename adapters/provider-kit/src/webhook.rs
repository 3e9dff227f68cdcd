//! An inbound webhook request as every provider's verifier sees it, and the errors verifiers
//! return. Verifiers take the raw body: a signature is over bytes, never over re-serialised JSON
//! (CRATES.md pitfall 10).

use bytes::Bytes;
use http::HeaderMap;
use onramp_domain::ports::{DeliveryReport, PaymentReport, WhatsAppReport};

/// One webhook delivery, as received.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// `POST` (or `GET` for handshakes).
    pub method: String,
    /// The full URL the provider called, as it signed it: scheme, host, port, path and query
    /// (Twilio signs it; behind a proxy, the public URL).
    pub url: String,
    /// Headers (names are case-insensitive).
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl WebhookRequest {
    /// A header's value as text.
    ///
    /// # Errors
    /// [`SignatureError::MissingHeader`] when absent, [`SignatureError::MalformedHeader`] when
    /// not visible ASCII.
    pub fn header(&self, name: &'static str) -> Result<&str, SignatureError> {
        let value = self
            .headers
            .get(name)
            .ok_or(SignatureError::MissingHeader(name))?;
        value.to_str().map_err(|_| SignatureError::MalformedHeader {
            name,
            reason: "not visible ASCII".into(),
        })
    }
}

/// Checks a signature's time against the replay window: `signed_at` (Unix seconds) at most
/// `tolerance_seconds` from `now_unix`, either way.
///
/// # Errors
/// [`SignatureError::Stale`] with the signed time minus now, outside the window.
pub fn check_age(
    signed_at: i64,
    now_unix: i64,
    tolerance_seconds: u64,
) -> Result<(), SignatureError> {
    let age_seconds = signed_at.saturating_sub(now_unix);
    if age_seconds.unsigned_abs() > tolerance_seconds {
        return Err(SignatureError::Stale { age_seconds });
    }
    Ok(())
}

/// Why a webhook's signature was refused. Every variant answers 401 and stores nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header the scheme needs is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header does not parse.
    #[error("malformed header {name}: {reason}")]
    MalformedHeader {
        /// The header.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The signature does not match the body under this secret.
    #[error("signature does not match")]
    Mismatch,
    /// The timestamp is outside the tolerance window.
    #[error("timestamp outside the tolerance window ({age_seconds} s from now)")]
    Stale {
        /// Signed time minus now, in seconds (negative: in the past).
        age_seconds: i64,
    },
    /// The secret or key is not usable (wrong length, not base64).
    #[error("invalid secret: {0}")]
    InvalidSecret(String),
    /// This provider's scheme is not built yet.
    #[error("unsupported provider")]
    Unsupported,
}

/// What a verified webhook body says, parsed by the provider's adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedWebhook {
    /// The provider's id of this event, unique per provider: duplicates are recognised by it.
    pub event_id: String,
    /// Event type, as the provider names it (`verify.delivered`, `VerificationResultEvent`).
    pub event_type: String,
    /// The delivery status it reports, when it is about a delivery.
    pub report: Option<DeliveryReport>,
    /// What it reports about a payment (Stripe, PayPal).
    pub payment: Option<PaymentReport>,
    /// What it reports about WhatsApp: an inbound message, a message status, a WABA review, a
    /// quality or template update, a BSP sender's state (Meta, Twilio, Sinch).
    pub whatsapp: Option<WhatsAppReport>,
}

/// Why a webhook body could not be parsed (after a valid signature): answered 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("webhook body does not parse: {0}")]
pub struct PayloadError(pub String);
