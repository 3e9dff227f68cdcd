//! Meta webhooks: `X-Hub-Signature-256` verification ([`verify`]), signing as Meta does
//! ([`sign`], for `onramp webhook send` and tests), the subscription handshake of
//! `GET /webhooks/meta` ([`handshake`]) and parsing of WhatsApp Business Account events
//! ([`parse`]).
//!
//! The signature scheme (PROVIDERS.md section 6, "Webhooks"; WhatsApp/WhatsApp-Nodejs-SDK:
//! src/api/webhooks.ts and src/utils.ts `generateXHub256Sig`):
//! - header `X-Hub-Signature-256: sha256=<hex>`;
//! - `<hex>` is the lower-case hex HMAC-SHA256 of the raw body, keyed with the app secret as
//!   UTF-8 bytes;
//! - Onramp compares in constant time (`Mac::verify_slice`; the SDK uses `==`) and accepts
//!   only what Meta sends: the `sha256=` prefix in lower case and exactly 64 lower-case hex
//!   digits. There is no timestamp: Meta's scheme has no replay window, so duplicates are
//!   recognised by [`ParsedWebhook::event_id`] instead.
//!
//! Header names are case-insensitive (`http::HeaderMap` lowercases them).

mod handshake;
mod messages;
mod payload;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub use handshake::{HANDSHAKE_MODE, HandshakeError, MAX_CHALLENGE_BYTES, handshake};
pub use onramp_provider_kit::webhook::{
    ParsedWebhook, PayloadError, SignatureError, WebhookRequest,
};
pub use payload::{OBJECT, parse};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The prefix of the header's value.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// Checks that `request` carries the `X-Hub-Signature-256` of its body under `app_secret`.
///
/// # Errors
/// - [`SignatureError::InvalidSecret`]: `app_secret` is empty;
/// - [`SignatureError::MissingHeader`]: no `X-Hub-Signature-256`;
/// - [`SignatureError::MalformedHeader`]: the value is empty, not visible ASCII, does not
///   start with `sha256=` (lower case), or is not followed by exactly 64 lower-case hex digits;
/// - [`SignatureError::Mismatch`]: the digits are not the HMAC of this body under this secret.
pub fn verify(request: &WebhookRequest, app_secret: &str) -> Result<(), SignatureError> {
    if app_secret.is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the app secret is empty".into(),
        ));
    }
    let header = request.header(SIGNATURE_HEADER)?;
    let malformed = |reason: &str| SignatureError::MalformedHeader {
        name: SIGNATURE_HEADER,
        reason: reason.into(),
    };
    if header.is_empty() {
        return Err(malformed("empty"));
    }
    let digits = header
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| malformed("no sha256= prefix"))?;
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if digits.len() != 64 || !digits.bytes().all(lower_hex) {
        return Err(malformed("not 64 lower-case hex digits after sha256="));
    }
    let signature = hex::decode(digits).map_err(|_| malformed("not hex"))?;
    keyed(app_secret, &request.body)
        .verify_slice(&signature)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value of a delivery of `body` signed with `app_secret`:
/// `sha256=<lower-case hex HMAC-SHA256(app_secret, body)>`.
pub fn sign(body: &[u8], app_secret: &str) -> String {
    let tag = keyed(app_secret, body).finalize().into_bytes();
    format!("{SIGNATURE_PREFIX}{}", hex::encode(tag))
}

/// HMAC-SHA256 keyed with `secret`, fed `body`.
fn keyed(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length: longer ones are hashed, shorter ones padded
        // (RFC 2104 section 2; hmac 0.13 `HmacCore::new_from_slice` always returns Ok).
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(signature: Option<&str>, body: &[u8]) -> WebhookRequest {
        let mut headers = http::HeaderMap::new();
        if let Some(value) = signature {
            headers.insert(SIGNATURE_HEADER, value.parse().unwrap());
        }
        WebhookRequest {
            method: "POST".into(),
            url: "https://onramp.example/webhooks/meta".into(),
            headers,
            body: body.to_vec().into(),
        }
    }

    #[test]
    fn what_sign_makes_verifies_and_nothing_else_does() {
        let value = sign(b"{}", "secret");
        assert!(value.starts_with("sha256=") && value.len() == 71, "{value}");
        assert_eq!(verify(&request(Some(&value), b"{}"), "secret"), Ok(()));
        assert_eq!(
            verify(&request(Some(&value), b"{}"), "another"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_empty_secret_is_refused_before_the_header_is_read() {
        assert!(matches!(
            verify(&request(None, b"{}"), ""),
            Err(SignatureError::InvalidSecret(_))
        ));
    }

    #[test]
    fn a_short_or_long_digest_is_malformed() {
        for value in ["sha256=abcd", &format!("sha256={}", "a".repeat(66))] {
            assert!(
                matches!(
                    verify(&request(Some(value), b""), "s"),
                    Err(SignatureError::MalformedHeader { .. })
                ),
                "{value}"
            );
        }
    }
}
