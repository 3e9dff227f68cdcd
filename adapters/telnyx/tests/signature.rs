//! Telnyx webhook signatures: a pinned vector from the telnyx-java test key pair, then every way a
//! delivery must be refused, then sign -> verify round trips.
//!
//! No Telnyx SDK test holds a fixed (timestamp, signature) pair: they all sign with the current
//! time (PROVIDERS.md section 3). team-telnyx/telnyx-java's WebhookVerificationTest.kt
//! (package com.telnyx.sdk.lib) holds a fixed key pair, `testPrivateKeyB64` (a raw 32-byte
//! seed) and `testPublicKeyB64`; Ed25519 is deterministic (RFC 8032), so the signature of a
//! fixed message under it is fixed. [`PINNED_SIGNATURE`] was computed independently of this
//! crate, with Python's `cryptography` (OpenSSL):
//! `Ed25519PrivateKey.from_private_bytes(b64decode(SEED)).sign(b'1700000000|' + BODY)`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use onramp_telnyx::webhook::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// team-telnyx/telnyx-java: WebhookVerificationTest.kt, `testPrivateKeyB64`.
const SEED: &str = "i1xxSkIuQOY9H8laaRslIoYGTJ1NwBAFdjsQwiwJH04=";
/// team-telnyx/telnyx-java: WebhookVerificationTest.kt, `testPublicKeyB64`.
const PUBLIC_KEY: &str = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";
/// The payload of WebhookVerificationTest.kt's `verify succeeds with valid signature`.
const BODY: &str = r#"{"event_type":"test","id":"abc123"}"#;
const TIMESTAMP: i64 = 1_700_000_000;
/// Ed25519 of `"1700000000|" + BODY` under [`SEED`], base64.
const PINNED_SIGNATURE: &str =
    "7o3u2izfEtn5PFPE0nDvo9y8RErRmfHM5wIO04wRV6VTNaq6RiLj1ehc7uMJuIMihJobi2u3HYyB1Ie61c2XCQ==";
const URL: &str = "https://onramp.example/webhooks/telnyx";

fn request(headers: &[(&str, &str)], body: &str) -> WebhookRequest {
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    WebhookRequest {
        method: "POST".into(),
        url: URL.into(),
        headers: map,
        body: body.as_bytes().to_vec().into(),
    }
}

fn pinned(body: &str) -> WebhookRequest {
    request(
        &[
            (SIGNATURE_HEADER, PINNED_SIGNATURE),
            (TIMESTAMP_HEADER, "1700000000"),
        ],
        body,
    )
}

fn signed(body: &str, secret: &str, at: i64) -> WebhookRequest {
    let headers = webhook::sign(URL, body.as_bytes(), secret, at).unwrap();
    let borrowed: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    request(&borrowed, body)
}

/// A 32-byte seed other than [`SEED`] (bytes 0 to 31), base64.
const OTHER_SEED: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// The public key of [`OTHER_SEED`], computed with Python's `cryptography`.
const OTHER_PUBLIC_KEY: &str = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";

#[test]
fn the_java_test_seed_derives_the_java_test_public_key() {
    // Signing with the seed and verifying with the public key only succeeds when the seed's
    // public half is PUBLIC_KEY (the telnyx-php pair fails exactly this, PROVIDERS.md section 3).
    let request = signed(BODY, SEED, TIMESTAMP);
    assert_eq!(webhook::verify(&request, PUBLIC_KEY, TIMESTAMP), Ok(()));
    let other = signed(BODY, OTHER_SEED, TIMESTAMP);
    assert_eq!(
        webhook::verify(&other, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn signing_the_fixed_message_gives_the_pinned_signature() {
    let headers = webhook::sign(URL, BODY.as_bytes(), SEED, TIMESTAMP).unwrap();
    assert_eq!(
        headers,
        vec![
            (SIGNATURE_HEADER.to_string(), PINNED_SIGNATURE.to_string()),
            (TIMESTAMP_HEADER.to_string(), "1700000000".to_string()),
        ]
    );
}

#[test]
fn the_pinned_vector_verifies() {
    assert_eq!(
        webhook::verify(&pinned(BODY), PUBLIC_KEY, TIMESTAMP),
        Ok(())
    );
}

#[test]
fn header_names_are_case_insensitive() {
    let request = request(
        &[
            ("Telnyx-Signature-Ed25519", PINNED_SIGNATURE),
            ("TELNYX-TIMESTAMP", "1700000000"),
        ],
        BODY,
    );
    assert_eq!(webhook::verify(&request, PUBLIC_KEY, TIMESTAMP), Ok(()));
}

#[test]
fn a_tampered_body_is_refused() {
    let tampered = BODY.replace("abc123", "abc124");
    assert_eq!(
        webhook::verify(&pinned(&tampered), PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_body_with_extra_white_space_is_refused() {
    // The signature is over bytes, never over re-serialised JSON (CRATES.md pitfall 10).
    let spaced = BODY.replace(',', ", ");
    assert_eq!(
        webhook::verify(&pinned(&spaced), PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_changed_timestamp_is_refused() {
    let request = request(
        &[
            (SIGNATURE_HEADER, PINNED_SIGNATURE),
            (TIMESTAMP_HEADER, "1700000001"),
        ],
        BODY,
    );
    assert_eq!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_wrong_public_key_is_refused() {
    assert_eq!(
        webhook::verify(&pinned(BODY), OTHER_PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
    // ... while that key does verify what its own seed signs.
    let other = signed(BODY, OTHER_SEED, TIMESTAMP);
    assert_eq!(webhook::verify(&other, OTHER_PUBLIC_KEY, TIMESTAMP), Ok(()));
}

#[test]
fn a_secret_that_is_not_a_32_byte_key_is_an_invalid_secret() {
    for secret in ["dGVzdA==", "not-valid-base64!!!", ""] {
        assert!(
            matches!(
                webhook::verify(&pinned(BODY), secret, TIMESTAMP),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{secret:?}"
        );
    }
}

#[test]
fn a_timestamp_older_than_five_minutes_is_stale() {
    assert_eq!(
        webhook::verify(&pinned(BODY), PUBLIC_KEY, TIMESTAMP + 301),
        Err(SignatureError::Stale { age_seconds: -301 })
    );
    assert_eq!(
        webhook::verify(&pinned(BODY), PUBLIC_KEY, TIMESTAMP + 300),
        Ok(())
    );
}

#[test]
fn a_timestamp_more_than_five_minutes_ahead_is_stale() {
    assert_eq!(
        webhook::verify(&pinned(BODY), PUBLIC_KEY, TIMESTAMP - 301),
        Err(SignatureError::Stale { age_seconds: 301 })
    );
    assert_eq!(
        webhook::verify(&pinned(BODY), PUBLIC_KEY, TIMESTAMP - 300),
        Ok(())
    );
}

#[test]
fn an_extreme_timestamp_is_stale_without_overflow() {
    let request = request(
        &[
            (SIGNATURE_HEADER, PINNED_SIGNATURE),
            (TIMESTAMP_HEADER, "-9223372036854775808"),
        ],
        BODY,
    );
    assert!(matches!(
        webhook::verify(&request, PUBLIC_KEY, i64::MAX),
        Err(SignatureError::Stale { .. })
    ));
}

#[test]
fn a_missing_signature_header_is_named() {
    let request = request(&[(TIMESTAMP_HEADER, "1700000000")], BODY);
    assert_eq!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MissingHeader(SIGNATURE_HEADER))
    );
}

#[test]
fn a_missing_timestamp_header_is_named() {
    let request = request(&[(SIGNATURE_HEADER, PINNED_SIGNATURE)], BODY);
    assert_eq!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MissingHeader(TIMESTAMP_HEADER))
    );
}

#[test]
fn a_timestamp_that_is_not_a_number_is_malformed() {
    let request = request(
        &[
            (SIGNATURE_HEADER, PINNED_SIGNATURE),
            (TIMESTAMP_HEADER, "not-a-number"),
        ],
        BODY,
    );
    assert!(matches!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MalformedHeader {
            name: TIMESTAMP_HEADER,
            ..
        })
    ));
}

#[test]
fn a_signature_that_is_not_base64_is_malformed() {
    let request = request(
        &[
            (SIGNATURE_HEADER, "%%%not base64%%%"),
            (TIMESTAMP_HEADER, "1700000000"),
        ],
        BODY,
    );
    assert!(matches!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            ..
        })
    ));
}

#[test]
fn a_signature_of_the_wrong_length_is_malformed() {
    // "dGVzdA==" is 4 bytes (telnyx-java's `verify throws when signature is invalid size`).
    let request = request(
        &[
            (SIGNATURE_HEADER, "dGVzdA=="),
            (TIMESTAMP_HEADER, "1700000000"),
        ],
        BODY,
    );
    assert!(matches!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            ..
        })
    ));
}

#[test]
fn a_signature_of_zeros_is_refused() {
    // telnyx-java's `verify throws when signature does not match payload`: 64 zero bytes.
    let zeros =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    let request = request(
        &[(SIGNATURE_HEADER, zeros), (TIMESTAMP_HEADER, "1700000000")],
        BODY,
    );
    assert_eq!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_header_that_is_not_visible_ascii_is_malformed() {
    let mut request = pinned(BODY);
    request.headers.insert(
        TIMESTAMP_HEADER,
        http::HeaderValue::from_bytes(b"17000\xff0000").unwrap(),
    );
    assert!(matches!(
        webhook::verify(&request, PUBLIC_KEY, TIMESTAMP),
        Err(SignatureError::MalformedHeader {
            name: TIMESTAMP_HEADER,
            ..
        })
    ));
}

#[test]
fn what_sign_produces_verifies_at_any_time_within_the_window() {
    for at in [0, 1, TIMESTAMP, 4_102_444_800] {
        let request = signed(BODY, SEED, at);
        assert_eq!(webhook::verify(&request, PUBLIC_KEY, at), Ok(()), "{at}");
        assert_eq!(webhook::verify(&request, PUBLIC_KEY, at - 299), Ok(()));
        assert_eq!(webhook::verify(&request, PUBLIC_KEY, at + 299), Ok(()));
    }
}

#[test]
fn an_empty_body_round_trips() {
    let request = signed("", SEED, TIMESTAMP);
    assert_eq!(webhook::verify(&request, PUBLIC_KEY, TIMESTAMP), Ok(()));
}

#[test]
fn sign_refuses_a_seed_that_is_not_32_bytes() {
    for secret in [PUBLIC_KEY.trim_end_matches('='), "dGVzdA==", "!!"] {
        assert!(
            matches!(
                webhook::sign(URL, b"{}", secret, TIMESTAMP),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{secret:?}"
        );
    }
}
