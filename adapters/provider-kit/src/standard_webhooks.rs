//! [Standard Webhooks](https://www.standardwebhooks.com), the scheme Onramp signs its own
//! webhooks to tenants with (issue 12, item 2): three headers, `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
//! `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64 secret
//! after its `whsec_` prefix. The HMAC is the official `standardwebhooks` crate's; the
//! tolerance (5 minutes either way) is the specification's and that crate's.
//!
//! The crate's own `verify` reads the wall clock; [`verify`] takes the time to check against,
//! so that a delivery can be checked offline at the time it was made (`onramp webhook verify
//! --now`), and compares each listed `v1` signature with the expected one in constant time.

use standardwebhooks::{
    HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP, Webhook, WebhookError,
};
use subtle::ConstantTimeEq;

use crate::webhook::{SignatureError, WebhookRequest, check_age};

/// How far the signed timestamp may be from now, either way, in seconds.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The signature scheme's version tag.
const VERSION: &str = "v1";

/// The `webhook-signature` value for `body` delivered as message `id` at `timestamp` (Unix
/// seconds) under `secret` (`whsec_` + base64): `v1,<base64 HMAC-SHA256>`.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] when the secret is not base64;
/// [`SignatureError::MalformedHeader`] for an id holding a `.` (the specification forbids it:
/// the signed content is delimited by full stops) or a body that is not UTF-8.
pub fn sign(id: &str, timestamp: i64, body: &[u8], secret: &str) -> Result<String, SignatureError> {
    if id.contains('.') {
        return Err(SignatureError::MalformedHeader {
            name: HEADER_WEBHOOK_ID,
            reason: "a message id may not hold a full stop".into(),
        });
    }
    key(secret)?.sign(id, timestamp, body).map_err(from_crate)
}

/// The three headers of a delivery of `body` as message `id`, signed at `timestamp` (Unix
/// seconds) with every secret of `secrets` (two during a rotation's overlap), in order.
///
/// # Errors
/// As [`sign`].
pub fn headers(
    id: &str,
    timestamp: i64,
    body: &[u8],
    secrets: &[&str],
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    let signatures = secrets
        .iter()
        .map(|secret| sign(id, timestamp, body, secret))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(vec![
        (HEADER_WEBHOOK_ID, id.to_string()),
        (HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string()),
        (HEADER_WEBHOOK_SIGNATURE, signatures.join(" ")),
    ])
}

/// Checks a delivery: its timestamp within [`TOLERANCE_SECONDS`] of `now_unix`, and one of
/// the `v1` signatures of `webhook-signature` made with `secret` over its id, timestamp and
/// body (other versions, such as `v1a`, are skipped).
///
/// # Errors
/// [`SignatureError::MissingHeader`] or [`SignatureError::MalformedHeader`] for the headers;
/// [`SignatureError::Stale`] outside the tolerance; [`SignatureError::Mismatch`] when no
/// signature matches; [`SignatureError::InvalidSecret`] for a secret that is not base64.
pub fn verify(request: &WebhookRequest, secret: &str, now_unix: i64) -> Result<(), SignatureError> {
    let id = request.header(HEADER_WEBHOOK_ID)?;
    let listed = request.header(HEADER_WEBHOOK_SIGNATURE)?;
    let timestamp: i64 = request
        .header(HEADER_WEBHOOK_TIMESTAMP)?
        .trim()
        .parse()
        .map_err(|_| SignatureError::MalformedHeader {
            name: HEADER_WEBHOOK_TIMESTAMP,
            reason: "not whole Unix seconds".into(),
        })?;
    check_age(timestamp, now_unix, TOLERANCE_SECONDS.unsigned_abs())?;
    let expected = sign(id, timestamp, &request.body, secret)?;
    let expected = expected
        .split_once(',')
        .map_or("", |(_, signature)| signature)
        .as_bytes();
    let matched = listed
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == VERSION)
        .fold(false, |found, (_, signature)| {
            found | bool::from(signature.as_bytes().ct_eq(expected))
        });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn key(secret: &str) -> Result<Webhook, SignatureError> {
    Webhook::new(secret).map_err(from_crate)
}

fn from_crate(e: WebhookError) -> SignatureError {
    match e {
        WebhookError::InvalidSecret(e) => SignatureError::InvalidSecret(e.to_string()),
        WebhookError::InvalidPayload => SignatureError::MalformedHeader {
            name: "body",
            reason: "not UTF-8".into(),
        },
        other => SignatureError::InvalidSecret(other.to_string()),
    }
}
