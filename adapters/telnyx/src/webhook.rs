//! Telnyx webhooks: Ed25519 signature verification ([`verify`]), signing as Telnyx does
//! ([`sign`], for `onramp webhook send` and tests) and parsing of the v2 event envelope
//! ([`parse`]).
//!
//! The scheme (PROVIDERS.md section 3, "Webhook signature"; team-telnyx/telnyx-python:
//! src/telnyx/lib/webhook_verification.py; team-telnyx/telnyx-java: WebhookVerificationTest.kt):
//! - header `telnyx-timestamp`: Unix seconds, as text;
//! - header `telnyx-signature-ed25519`: base64 (standard alphabet, padded) of the 64-byte Ed25519
//!   signature of `"{telnyx-timestamp}|{raw body}"` (the header's text, a literal `|`, the body's
//!   bytes) under the account's key pair;
//! - the timestamp must be within [`TOLERANCE_SECONDS`] of now, in the past or in the future.
//!
//! Header names are case-insensitive (`http::HeaderMap` lowercases them).

mod payload;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{SECRET_KEY_LENGTH, SIGNATURE_LENGTH, Signature, Signer as _, SigningKey};

pub use onramp_provider_kit::webhook::{
    ParsedWebhook, PayloadError, SignatureError, WebhookRequest,
};
pub use payload::parse;

use crate::credentials::decode_public_key;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
/// The timestamp header.
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";
/// Largest accepted distance between the signed timestamp and now, in seconds, both ways
/// (webhook_verification.py `TIMESTAMP_TOLERANCE_SECONDS = 300`; telnyx-node
/// tests/webhooks.test.ts rejects old and future timestamps).
pub const TOLERANCE_SECONDS: u64 = 300;

/// Checks that `request` was signed by the holder of the private key matching `secret` less than
/// [`TOLERANCE_SECONDS`] away from `now_unix`.
///
/// `secret` is the account's public key as Mission Control shows it: base64 of the raw 32-byte
/// Ed25519 public key (`TELNYX_PUBLIC_KEY`). The signature is checked with
/// `VerifyingKey::verify_strict` (no malleable or small-order signatures).
///
/// # Errors
/// - [`SignatureError::InvalidSecret`]: `secret` is not base64 of a 32-byte Ed25519 key;
/// - [`SignatureError::MissingHeader`]: no `telnyx-signature-ed25519` or `telnyx-timestamp`;
/// - [`SignatureError::MalformedHeader`]: a timestamp that is not an integer, a signature that is
///   not base64 of 64 bytes;
/// - [`SignatureError::Stale`]: the timestamp is more than 300 s from `now_unix`;
/// - [`SignatureError::Mismatch`]: the signature does not verify over `"{timestamp}|{body}"`.
pub fn verify(request: &WebhookRequest, secret: &str, now_unix: i64) -> Result<(), SignatureError> {
    let key = decode_public_key(secret)
        .map_err(|reason| SignatureError::InvalidSecret(format!("the public key {reason}")))?;
    let signature_text = request.header(SIGNATURE_HEADER)?;
    let timestamp_text = request.header(TIMESTAMP_HEADER)?;

    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| SignatureError::MalformedHeader {
            name: TIMESTAMP_HEADER,
            reason: "not an integer number of seconds".into(),
        })?;
    onramp_provider_kit::webhook::check_age(timestamp, now_unix, TOLERANCE_SECONDS)?;

    let signature = BASE64
        .decode(signature_text)
        .ok()
        .and_then(|bytes| <[u8; SIGNATURE_LENGTH]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: format!("not base64 of a {SIGNATURE_LENGTH}-byte signature"),
        })?;
    key.verify_strict(
        &signed_message(timestamp_text, &request.body),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| SignatureError::Mismatch)
}

/// The headers a Telnyx delivery of `body` made at `now_unix` carries:
/// `[("telnyx-signature-ed25519", base64 signature), ("telnyx-timestamp", now_unix)]`.
///
/// `secret` is base64 of the 32-byte Ed25519 private seed (the counterpart of the public key
/// [`verify`] takes). `url` is not signed by Telnyx and is ignored.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] when `secret` is not base64 of 32 bytes.
pub fn sign(
    url: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let _ = url;
    let seed = BASE64
        .decode(secret.trim())
        .ok()
        .and_then(|bytes| <[u8; SECRET_KEY_LENGTH]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| {
            SignatureError::InvalidSecret(format!(
                "the private seed must be base64 of {SECRET_KEY_LENGTH} bytes"
            ))
        })?;
    let timestamp = now_unix.to_string();
    let signature = SigningKey::from_bytes(&seed).sign(&signed_message(&timestamp, body));
    Ok(vec![
        (
            SIGNATURE_HEADER.to_string(),
            BASE64.encode(signature.to_bytes()),
        ),
        (TIMESTAMP_HEADER.to_string(), timestamp),
    ])
}

/// `"{timestamp}|{body}"` as bytes.
fn signed_message(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'|');
    message.extend_from_slice(body);
    message
}
