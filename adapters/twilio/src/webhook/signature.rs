//! `X-Twilio-Signature`: base64 of HMAC-SHA1 keyed with the auth token over the URL followed
//! by the POST parameters, each name then its value, names sorted, a repeated name's values
//! sorted (twilio/twilio-python: twilio/request_validator.py `compute_signature`;
//! twilio/twilio-node: src/webhooks/webhooks.ts `getExpectedTwilioSignature`).

use hmac::{Hmac, KeyInit, Mac};
use onramp_provider_kit::webhook::SignatureError;
use sha1::Sha1;
use sha2::{Digest, Sha256};

type HmacSha1 = Hmac<Sha1>;

/// Length of an HMAC-SHA1 in bytes.
pub(crate) const MAC_LEN: usize = 20;

/// The form parameters of `body` (`application/x-www-form-urlencoded`, `+` is a space),
/// in body order.
pub(crate) fn form_params(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Which values of a repeated parameter name are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeats {
    /// Every value, sorted (twilio-python: `for value in sorted(values)`).
    All,
    /// Each distinct value once, sorted (twilio-node: `Array.from(new Set(paramValue)).sort()`).
    Distinct,
}

/// The signed text: `url`, then for each name in sorted order, `name + value` per value.
pub(crate) fn signed_text(url: &str, params: &[(String, String)], repeats: Repeats) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    if repeats == Repeats::Distinct {
        sorted.dedup();
    }
    let mut text = String::from(url);
    for (name, value) in sorted {
        text.push_str(name);
        text.push_str(value);
    }
    text
}

/// True when some parameter appears twice with the same value (only then do the two
/// [`Repeats`] rules sign different texts).
pub(crate) fn has_duplicate_pairs(params: &[(String, String)]) -> bool {
    params
        .iter()
        .enumerate()
        .any(|(i, pair)| params[i + 1..].contains(pair))
}

fn mac(secret: &str, text: &str) -> Result<HmacSha1, SignatureError> {
    let mut mac = HmacSha1::new_from_slice(secret.as_bytes())
        .map_err(|e| SignatureError::InvalidSecret(e.to_string()))?;
    mac.update(text.as_bytes());
    Ok(mac)
}

/// Base64 of HMAC-SHA1(`secret` as UTF-8, `text` as UTF-8).
///
/// # Errors
/// [`SignatureError::InvalidSecret`] if HMAC refuses the key (it takes any length).
pub(crate) fn compute(secret: &str, text: &str) -> Result<String, SignatureError> {
    use base64::Engine as _;
    let tag = mac(secret, text)?.finalize().into_bytes();
    Ok(base64::engine::general_purpose::STANDARD.encode(tag))
}

/// Compares the MAC of `text` with `expected` in constant time (`Mac::verify_slice`).
///
/// # Errors
/// As [`compute`].
pub(crate) fn matches(secret: &str, text: &str, expected: &[u8]) -> Result<bool, SignatureError> {
    Ok(mac(secret, text)?.verify_slice(expected).is_ok())
}

/// Lower-case hex SHA-256 of `body` (python `compute_hash`, node `getExpectedBodyHash`).
pub(crate) fn body_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_and_repeated_values_are_sorted() {
        let params = pairs(&[("b", "2"), ("a", "9"), ("b", "1")]);
        assert_eq!(signed_text("u", &params, Repeats::All), "ua9b1b2");
    }

    #[test]
    fn distinct_drops_identical_pairs_only() {
        let params = pairs(&[("d", "1"), ("d", "1"), ("d", "2")]);
        assert!(has_duplicate_pairs(&params));
        assert_eq!(signed_text("u", &params, Repeats::Distinct), "ud1d2");
        assert_eq!(signed_text("u", &params, Repeats::All), "ud1d1d2");
        assert!(!has_duplicate_pairs(&pairs(&[("d", "1"), ("d", "2")])));
    }

    #[test]
    fn the_hash_of_the_sdk_body_is_the_sdk_hash() {
        // twilio/twilio-python: tests/unit/test_request_validator.py (`bodyHash`).
        assert_eq!(
            body_sha256(br#"{"property": "value", "boolean": true}"#),
            "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        );
    }
}
