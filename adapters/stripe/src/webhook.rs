//! Stripe webhooks: `Stripe-Signature` verification ([`verify`]), signing as Stripe does
//! ([`sign`], for `onramp webhook send` and tests) and parsing of v1 events into payment
//! reports ([`parse`]).
//!
//! The scheme (PROVIDERS.md section 1, "Webhooks"; stripe/stripe-go: webhook/client.go
//! `parseSignatureHeader`, `ComputeSignature`, `DefaultTolerance`; stripe/stripe-python:
//! stripe/_webhook.py):
//! - header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`;
//! - each `v1` is the lower-case hex HMAC-SHA256 of `"{t}.{raw body}"` keyed with the whole
//!   endpoint secret as UTF-8 bytes (`whsec_` prefix included, not base64-decoded);
//! - only `v1` entries count, any one matching is enough (Stripe sends several while a secret
//!   is rolled); unknown keys and `v1` values that are not hex are ignored; the comparison is
//!   constant-time (`Mac::verify_slice`);
//! - the timestamp may be at most [`TOLERANCE_SECONDS`] old. Stripe's SDKs do not refuse
//!   timestamps in the future; Onramp does, beyond the same 300 s, as a stricter rule: a
//!   delivery signed later than now is a clock fault or a forgery, and accepting it would
//!   stretch the replay window.
//!
//! Header names are case-insensitive (`http::HeaderMap` lowercases them).

mod payload;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub use onramp_provider_kit::webhook::{
    ParsedWebhook, PayloadError, SignatureError, WebhookRequest,
};
pub use payload::parse;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "stripe-signature";
/// Largest accepted age of the signed timestamp, in seconds (stripe-go `DefaultTolerance`,
/// stripe-python `DEFAULT_TOLERANCE = 300`); Onramp applies it to the future too.
pub const TOLERANCE_SECONDS: u64 = 300;

/// The signature scheme Stripe verifies with (`v0` is a test-mode-only legacy scheme).
const SCHEME: &str = "v1";

/// Checks that `request` carries a `v1` signature made with `secret` less than
/// [`TOLERANCE_SECONDS`] away from `now_unix`.
///
/// `secret` is the endpoint's signing secret (`whsec_…`), used as is.
///
/// # Errors
/// - [`SignatureError::InvalidSecret`]: `secret` is empty;
/// - [`SignatureError::MissingHeader`]: no `Stripe-Signature`;
/// - [`SignatureError::MalformedHeader`]: no `t=` entry, or one that is not an integer;
/// - [`SignatureError::Stale`]: `t` is more than 300 s before `now_unix` (Stripe's rule) or
///   more than 300 s after it (Onramp's stricter rule);
/// - [`SignatureError::Mismatch`]: no `v1` entry is the HMAC of `"{t}.{body}"` (including a
///   header with `v0` entries only).
pub fn verify(request: &WebhookRequest, secret: &str, now_unix: i64) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the webhook signing secret is empty".into(),
        ));
    }
    let header = request.header(SIGNATURE_HEADER)?;
    let mut timestamp_text = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        match key.trim() {
            "t" => timestamp_text = Some(value.trim()),
            SCHEME => signatures.extend(hex::decode(value.trim()).ok()),
            _ => {}
        }
    }
    let timestamp_text = timestamp_text.ok_or_else(|| SignatureError::MalformedHeader {
        name: SIGNATURE_HEADER,
        reason: "no t= timestamp".into(),
    })?;
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: "t= is not an integer number of seconds".into(),
        })?;
    onramp_provider_kit::webhook::check_age(timestamp, now_unix, TOLERANCE_SECONDS)?;
    let mac = keyed(secret, timestamp_text, &request.body);
    if signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `Stripe-Signature` value of a delivery of `body` made at `now_unix` with `secret`:
/// `t={now_unix},v1={lower-case hex HMAC-SHA256 of "{now_unix}.{body}"}`.
pub fn sign(body: &[u8], secret: &str, now_unix: i64) -> String {
    let timestamp = now_unix.to_string();
    let tag = keyed(secret, &timestamp, body).finalize().into_bytes();
    format!("t={timestamp},{SCHEME}={}", hex::encode(tag))
}

/// HMAC-SHA256 keyed with `secret`, fed `"{timestamp}.{body}"`.
fn keyed(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length: longer ones are hashed, shorter ones padded
        // (RFC 2104 section 2; hmac 0.13 `HmacCore::new_from_slice` always returns Ok).
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}
