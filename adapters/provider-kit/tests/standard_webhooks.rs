//! Onramp's Standard Webhooks scheme against the test vectors published with the
//! specification's Rust library (standard-webhooks/standard-webhooks,
//! `libraries/rust/src/lib.rs`: `test_sign`, `test_no_verify`,
//! `test_verify_with_multiple_signatures`, `test_no_verify_with_multiple_signatures`,
//! `test_verify_incorrect_timestamp`), checked at the vector's own time.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use onramp_provider_kit::standard_webhooks::{TOLERANCE_SECONDS, headers, sign, verify};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const TIMESTAMP: i64 = 1_649_367_553;
const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

fn delivery(signature: &str, timestamp: i64) -> WebhookRequest {
    let mut map = HeaderMap::new();
    map.insert("webhook-id", HeaderValue::from_static(ID));
    map.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
    map.insert("webhook-signature", signature.parse().unwrap());
    WebhookRequest {
        method: "POST".into(),
        url: "https://tenant.example/hooks".into(),
        headers: map,
        body: Bytes::from_static(BODY),
    }
}

#[test]
fn the_published_signature_is_reproduced_and_verifies() {
    assert_eq!(sign(ID, TIMESTAMP, BODY, SECRET).unwrap(), SIGNATURE);
    verify(&delivery(SIGNATURE, TIMESTAMP), SECRET, TIMESTAMP).unwrap();
    // Within the tolerance either way.
    verify(
        &delivery(SIGNATURE, TIMESTAMP),
        SECRET,
        TIMESTAMP + TOLERANCE_SECONDS,
    )
    .unwrap();
    verify(
        &delivery(SIGNATURE, TIMESTAMP),
        SECRET,
        TIMESTAMP - TOLERANCE_SECONDS,
    )
    .unwrap();
}

#[test]
fn a_wrong_signature_is_refused() {
    let wrong = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
    assert!(matches!(
        verify(&delivery(wrong, TIMESTAMP), SECRET, TIMESTAMP),
        Err(SignatureError::Mismatch)
    ));
    // A partial signature, and the right one under another version tag.
    for partial in [
        "v1,",
        &SIGNATURE[..8],
        "v1a,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    ] {
        assert!(verify(&delivery(partial, TIMESTAMP), SECRET, TIMESTAMP).is_err());
    }
}

#[test]
fn one_matching_signature_among_several_verifies_and_none_does_not() {
    let others = [
        "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
        "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
        "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
    ];
    let with = format!("{} {} {SIGNATURE} {}", others[0], others[1], others[2]);
    verify(&delivery(&with, TIMESTAMP), SECRET, TIMESTAMP).unwrap();
    let without = others.join(" ");
    assert!(matches!(
        verify(&delivery(&without, TIMESTAMP), SECRET, TIMESTAMP),
        Err(SignatureError::Mismatch)
    ));
}

#[test]
fn a_timestamp_outside_the_tolerance_is_refused_either_way() {
    for (now, age) in [
        (TIMESTAMP + TOLERANCE_SECONDS + 1, -(TOLERANCE_SECONDS + 1)),
        (TIMESTAMP - TOLERANCE_SECONDS - 1, TOLERANCE_SECONDS + 1),
    ] {
        assert!(matches!(
            verify(&delivery(SIGNATURE, TIMESTAMP), SECRET, now),
            Err(SignatureError::Stale { age_seconds }) if age_seconds == age
        ));
    }
}

#[test]
fn during_a_rotation_both_secrets_sign_and_either_verifies() {
    let new = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let sent = headers(ID, TIMESTAMP, BODY, &[new, SECRET]).unwrap();
    assert_eq!(sent[0], ("webhook-id", ID.to_string()));
    assert_eq!(sent[1], ("webhook-timestamp", TIMESTAMP.to_string()));
    let listed = &sent[2].1;
    assert!(listed.ends_with(SIGNATURE), "{listed}");
    for secret in [new, SECRET] {
        verify(&delivery(listed, TIMESTAMP), secret, TIMESTAMP).unwrap();
    }
    let stranger = "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==";
    assert!(verify(&delivery(listed, TIMESTAMP), stranger, TIMESTAMP).is_err());
}

#[test]
fn an_id_with_a_full_stop_or_a_secret_that_is_not_base64_is_refused() {
    assert!(sign("msg.1", TIMESTAMP, BODY, SECRET).is_err());
    assert!(matches!(
        sign(ID, TIMESTAMP, BODY, "whsec_not base64!"),
        Err(SignatureError::InvalidSecret(_))
    ));
}
