//! Sinch webhooks: signature verification, signing (for `onramp webhook send` and tests) and
//! body parsing ([`parse`]).
//!
//! Sinch signs callbacks with one of two schemes, told apart by the request's headers:
//!
//! - **HMAC** (Conversation API callbacks, WhatsApp's MESSAGE_INBOUND and MESSAGE_DELIVERY
//!   among them, and Provisioning API callbacks, whose operations' OpenAPI callbacks list the
//!   same four headers): headers
//!   `x-sinch-webhook-signature` = base64(HMAC-SHA256(webhook secret as UTF-8,
//!   `"{body}.{nonce}.{timestamp}"`)), `x-sinch-webhook-signature-nonce`,
//!   `x-sinch-webhook-signature-timestamp` (Unix seconds) and
//!   `x-sinch-webhook-signature-algorithm` (`HmacSHA256`) (PROVIDERS.md section 5; sinch/sinch-sdk-java
//!   `client/src/main/com/sinch/sdk/auth/HmacAuthenticationValidation.java`). The `secret` is the
//!   webhook secret.
//! - **Application** signed request (Verification and Voice callbacks): `Authorization:
//!   Application <key>:<signature>` and `x-timestamp` ([`crate::signing`]); the signed path is
//!   taken from [`WebhookRequest::url`]. The `secret` is `"<application_key>:<base64 application
//!   secret>"` ([`crate::SinchCredentials::callback_secret`]).
//!
//! Both schemes: a timestamp more than [`TOLERANCE_SECONDS`] away from `now` (past or future) is
//! refused. Sinch's SDKs check no window; this is Onramp's rule against replays.

mod conversation;
mod events;
mod provisioning;

pub use conversation::MESSAGE_INBOUND;
pub use events::{MESSAGE_DELIVERY_REPORT, parse};
pub use onramp_provider_kit::webhook::{
    ParsedWebhook, PayloadError, SignatureError, WebhookRequest,
};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::signing::{self, ApplicationKey, SignedParts, TIMESTAMP_HEADER};

/// Header of the HMAC scheme's signature.
pub const SIGNATURE_HEADER: &str = "x-sinch-webhook-signature";
/// Header of the HMAC scheme's nonce.
pub const NONCE_HEADER: &str = "x-sinch-webhook-signature-nonce";
/// Header of the HMAC scheme's timestamp (Unix seconds).
pub const SIGNATURE_TIMESTAMP_HEADER: &str = "x-sinch-webhook-signature-timestamp";
/// Header of the HMAC scheme's algorithm.
pub const ALGORITHM_HEADER: &str = "x-sinch-webhook-signature-algorithm";
/// The only algorithm Sinch uses (and the only one accepted).
pub const HMAC_SHA256: &str = "HmacSHA256";

/// Largest distance, in seconds, between a webhook's signed time and now (either way).
pub const TOLERANCE_SECONDS: i64 = 300;

/// Verifies a Sinch webhook: the HMAC scheme when the request has `x-sinch-webhook-signature`,
/// the Application scheme when it has `Authorization` (see the module documentation for the
/// form of `secret` in each), then the time window around `now_unix` (Unix seconds).
///
/// # Errors
/// - [`SignatureError::MissingHeader`]: neither scheme's headers, or a header the scheme needs;
/// - [`SignatureError::MalformedHeader`]: a timestamp, signature or algorithm that does not
///   parse, or an `Authorization` not of the form `Application <key>:<signature>`;
/// - [`SignatureError::InvalidSecret`]: an empty webhook secret, or an Application secret not
///   of the form `<key>:<base64>`;
/// - [`SignatureError::Mismatch`]: the signature (or the application key) does not match;
/// - [`SignatureError::Stale`]: signed more than [`TOLERANCE_SECONDS`] from `now_unix`.
pub fn verify(request: &WebhookRequest, secret: &str, now_unix: i64) -> Result<(), SignatureError> {
    if request.headers.contains_key(SIGNATURE_HEADER) {
        verify_hmac(request, secret, now_unix)
    } else if request.headers.contains_key(http::header::AUTHORIZATION) {
        verify_application(request, secret, now_unix)
    } else if secret.contains(':') {
        Err(SignatureError::MissingHeader("authorization"))
    } else {
        Err(SignatureError::MissingHeader(SIGNATURE_HEADER))
    }
}

/// The headers Sinch would send with `body` posted to `url` at `now_unix`: the HMAC scheme
/// when `secret` has no `:` (a webhook secret), the Application scheme for `POST` otherwise
/// (`"<application_key>:<base64 secret>"`). Both add `content-type: application/json`.
///
/// The HMAC nonce is derived from the time and the body (Sinch sends a random ULID; any
/// string verifies), so the same input gives the same headers.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] for an empty webhook secret or a malformed Application
/// secret; [`SignatureError::MalformedHeader`] when `now_unix` is not a representable time.
pub fn sign(
    url: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let content_type = "application/json";
    if secret.contains(':') {
        let key = ApplicationKey::parse(secret)?;
        let at = OffsetDateTime::from_unix_timestamp(now_unix).map_err(|e| {
            SignatureError::MalformedHeader {
                name: TIMESTAMP_HEADER,
                reason: e.to_string(),
            }
        })?;
        let timestamp = signing::format_timestamp(at);
        let path = signing::signed_path(url);
        let authorization = key.authorization(&SignedParts {
            method: "POST",
            content_type,
            timestamp: &timestamp,
            path: &path,
            body,
        });
        return Ok(vec![
            ("authorization".into(), authorization),
            (TIMESTAMP_HEADER.into(), timestamp),
            ("content-type".into(), content_type.into()),
        ]);
    }
    let timestamp = now_unix.to_string();
    let mut seed = Sha256::new();
    seed.update(timestamp.as_bytes());
    seed.update(b".");
    seed.update(body);
    let nonce = hex::encode_upper(&seed.finalize()[..13]);
    let signature = STANDARD.encode(
        hmac_mac(secret, body, &nonce, &timestamp)?
            .finalize()
            .into_bytes(),
    );
    Ok(vec![
        (SIGNATURE_HEADER.into(), signature),
        (NONCE_HEADER.into(), nonce),
        (SIGNATURE_TIMESTAMP_HEADER.into(), timestamp),
        (ALGORITHM_HEADER.into(), HMAC_SHA256.into()),
        ("content-type".into(), content_type.into()),
    ])
}

/// HMAC-SHA256 keyed with `secret` (UTF-8) over `"{body}.{nonce}.{timestamp}"`.
fn hmac_mac(
    secret: &str,
    body: &[u8],
    nonce: &str,
    timestamp: &str,
) -> Result<Hmac<Sha256>, SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the webhook secret is empty".into(),
        ));
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .map_err(|_| SignatureError::InvalidSecret("the webhook secret is unusable".into()))?;
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    Ok(mac)
}

fn verify_hmac(
    request: &WebhookRequest,
    secret: &str,
    now_unix: i64,
) -> Result<(), SignatureError> {
    let signature = request.header(SIGNATURE_HEADER)?;
    let nonce = request.header(NONCE_HEADER)?;
    let timestamp = request.header(SIGNATURE_TIMESTAMP_HEADER)?;
    // sinch-sdk-dotnet accepts a request without the algorithm header (WebhooksTests.cs); when
    // present it must name the one algorithm Sinch uses.
    if request.headers.contains_key(ALGORITHM_HEADER) {
        let algorithm = request.header(ALGORITHM_HEADER)?;
        if !algorithm.trim().eq_ignore_ascii_case(HMAC_SHA256) {
            return Err(SignatureError::MalformedHeader {
                name: ALGORITHM_HEADER,
                reason: format!("unsupported algorithm {algorithm:?}"),
            });
        }
    }
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::MalformedHeader {
            name: SIGNATURE_TIMESTAMP_HEADER,
            reason: "not Unix seconds".into(),
        })?;
    let signature =
        STANDARD
            .decode(signature.trim())
            .map_err(|_| SignatureError::MalformedHeader {
                name: SIGNATURE_HEADER,
                reason: "not base64".into(),
            })?;
    hmac_mac(secret, &request.body, nonce, timestamp)?
        .verify_slice(&signature)
        .map_err(|_| SignatureError::Mismatch)?;
    within_window(signed_at, now_unix)
}

fn verify_application(
    request: &WebhookRequest,
    secret: &str,
    now_unix: i64,
) -> Result<(), SignatureError> {
    let key = ApplicationKey::parse(secret)?;
    let authorization = request.header("authorization")?;
    let timestamp = request.header(TIMESTAMP_HEADER)?;
    let signed_at = signing::parse_timestamp(timestamp)?;
    let content_type = if request.headers.contains_key(http::header::CONTENT_TYPE) {
        request.header("content-type")?
    } else {
        ""
    };
    let path = signing::signed_path(&request.url);
    key.verify(
        authorization,
        &SignedParts {
            method: &request.method.to_ascii_uppercase(),
            content_type,
            timestamp,
            path: &path,
            body: &request.body,
        },
    )?;
    within_window(signed_at.unix_timestamp(), now_unix)
}

fn within_window(signed_at: i64, now_unix: i64) -> Result<(), SignatureError> {
    onramp_provider_kit::webhook::check_age(signed_at, now_unix, TOLERANCE_SECONDS.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_five_minutes_either_way() {
        assert!(within_window(1000, 1300).is_ok());
        assert!(within_window(1300, 1000).is_ok());
        assert_eq!(
            within_window(1000, 1301),
            Err(SignatureError::Stale { age_seconds: -301 })
        );
        assert_eq!(
            within_window(1301, 1000),
            Err(SignatureError::Stale { age_seconds: 301 })
        );
        assert!(within_window(i64::MIN, i64::MAX).is_err());
        assert!(within_window(i64::MAX, i64::MIN).is_err());
    }
}
