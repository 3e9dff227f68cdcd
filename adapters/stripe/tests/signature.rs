//! Stripe webhook signatures: the official vector of stripe/stripe-dotnet, then every way a
//! delivery must be refused, then sign -> verify round trips.
//!
//! The vector (PROVIDERS.md section 1, "Webhooks"): stripe/stripe-dotnet
//! src/StripeTests/Services/Events/EventUtilityTest.cs signs the body file
//! src/StripeTests/Resources/event_test_signature.json (stored here byte for byte as
//! `tests/fixtures/event_test_signature.json`, 484 bytes, LF line ends, final newline) with the
//! secret `webhook_secret` at t=1533204620; its header is
//! `t=1533204620,v1=2220f87e…c3c7,v0=63f3a723…7eef`. The test file documents how to reproduce
//! it: `(echo -n "1533204620." && cat event_test_signature.json) | openssl sha256 -hmac
//! "webhook_secret"`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use onramp_stripe::webhook::{self, SIGNATURE_HEADER, SignatureError, WebhookRequest};

const BODY: &[u8] = include_bytes!("fixtures/event_test_signature.json");
const SECRET: &str = "webhook_secret";
const T: i64 = 1_533_204_620;
const V1: &str = "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7";
const V0: &str = "63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";
/// The whole header of EventUtilityTest.cs.
const DOTNET_HEADER: &str = "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";

fn request(signature: Option<&str>, body: &[u8]) -> WebhookRequest {
    let mut headers = http::HeaderMap::new();
    if let Some(signature) = signature {
        headers.insert(
            SIGNATURE_HEADER,
            http::HeaderValue::from_str(signature).unwrap(),
        );
    }
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/stripe".into(),
        headers,
        body: body.to_vec().into(),
    }
}

#[test]
fn the_fixture_is_the_dotnet_file_byte_for_byte() {
    assert_eq!(BODY.len(), 484);
    assert!(BODY.starts_with(b"{\n  \"id\": \"evt_123\",\n"));
    assert!(BODY.ends_with(b"  \"type\": \"customer.created\"\n}\n"));
    assert!(!BODY.contains(&b'\r'));
}

#[test]
fn the_dotnet_vector_verifies_at_its_timestamp() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert_eq!(webhook::verify(&r, SECRET, T), Ok(()));
}

#[test]
fn the_dotnet_vector_verifies_100_seconds_later_as_its_test_does() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert_eq!(webhook::verify(&r, SECRET, T + 100), Ok(()));
}

#[test]
fn signing_the_dotnet_body_gives_the_dotnet_v1() {
    assert_eq!(
        webhook::sign(BODY, SECRET, T),
        format!("t=1533204620,v1={V1}")
    );
}

#[test]
fn the_header_key_is_case_insensitive() {
    let mut r = request(None, BODY);
    r.headers.insert(
        http::HeaderName::from_bytes(b"Stripe-Signature").unwrap(),
        DOTNET_HEADER.parse().unwrap(),
    );
    assert_eq!(webhook::verify(&r, SECRET, T), Ok(()));
    assert_eq!(SIGNATURE_HEADER, "stripe-signature");
}

#[test]
fn a_tampered_body_is_a_mismatch() {
    let mut tampered = BODY.to_vec();
    tampered.extend_from_slice(b"this_changes_the_json");
    let r = request(Some(DOTNET_HEADER), &tampered);
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::Mismatch)
    );
    let flipped = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replace("evt_123", "evt_124");
    let r = request(Some(DOTNET_HEADER), flipped.as_bytes());
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_tampered_timestamp_is_a_mismatch() {
    let header = DOTNET_HEADER.replace("t=1533204620", "t=1533204621");
    let r = request(Some(&header), BODY);
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn the_wrong_secret_is_a_mismatch() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert_eq!(
        webhook::verify(&r, "whsec_webhook_secret", T),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify(&r, "webhook_secreT", T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_signature_older_than_300_seconds_is_stale() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert_eq!(webhook::verify(&r, SECRET, T + 300), Ok(()));
    assert_eq!(
        webhook::verify(&r, SECRET, T + 301),
        Err(SignatureError::Stale { age_seconds: -301 })
    );
    // EventUtilityTest `RejectOutdatedTimestamp`: tolerance + 100.
    assert_eq!(
        webhook::verify(&r, SECRET, T + 400),
        Err(SignatureError::Stale { age_seconds: -400 })
    );
}

#[test]
fn a_signature_more_than_300_seconds_in_the_future_is_stale_by_onramps_rule() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert_eq!(webhook::verify(&r, SECRET, T - 300), Ok(()));
    assert_eq!(
        webhook::verify(&r, SECRET, T - 301),
        Err(SignatureError::Stale { age_seconds: 301 })
    );
}

#[test]
fn a_missing_header_is_refused() {
    let r = request(None, BODY);
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::MissingHeader(SIGNATURE_HEADER))
    );
}

#[test]
fn malformed_headers_are_refused() {
    // EventUtilityTest `ValidateSignatureHandlesIncorrectHeaderValues`.
    for header in [
        format!("t=,v1={V1},v0={V0}"),
        "t,v1=,v0=".to_string(),
        "t,v1=,v0".to_string(),
        "t,v1=,".to_string(),
        "t,,".to_string(),
        ",,".to_string(),
        "t".to_string(),
        format!("v1={V1}"),
        format!("t=yesterday,v1={V1}"),
        String::new(),
    ] {
        let r = request(Some(&header), BODY);
        let result = webhook::verify(&r, SECRET, T);
        assert!(
            matches!(result, Err(SignatureError::MalformedHeader { name, .. }) if name == SIGNATURE_HEADER),
            "{header:?}: {result:?}"
        );
    }
}

#[test]
fn a_header_with_only_v0_entries_is_a_mismatch() {
    // EventUtilityTest `ValidateSignature_NoV1Signatures_ShouldThrow`: v0 is not trusted, even
    // when it holds the right v1 value.
    for header in [format!("t={T},v0={V0}"), format!("t={T},v0={V1}")] {
        let r = request(Some(&header), BODY);
        assert_eq!(
            webhook::verify(&r, SECRET, T),
            Err(SignatureError::Mismatch),
            "{header}"
        );
    }
}

#[test]
fn one_matching_v1_among_several_is_enough() {
    // Secret rotation: Stripe signs with every active secret.
    let other = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    for header in [
        format!("t={T},v1={other},v1={V1}"),
        format!("t={T},v1={V1},v1={other}"),
        format!("t={T},v1=not-hex,v1={V1},v0={V0}"),
        format!("t={T}, v1={V1}, scheme=unknown"),
    ] {
        let r = request(Some(&header), BODY);
        assert_eq!(webhook::verify(&r, SECRET, T), Ok(()), "{header}");
    }
    let r = request(Some(&format!("t={T},v1={other},v1={other}")), BODY);
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_v1_that_is_cut_short_is_a_mismatch() {
    let header = format!("t={T},v1={}", &V1[..62]);
    let r = request(Some(&header), BODY);
    assert_eq!(
        webhook::verify(&r, SECRET, T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn an_empty_secret_is_refused() {
    let r = request(Some(DOTNET_HEADER), BODY);
    assert!(matches!(
        webhook::verify(&r, "", T),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn sign_then_verify_round_trips_with_a_whsec_secret() {
    let secret = "whsec_test_secret_0123456789";
    let body = br#"{"id":"evt_1","object":"event"}"#;
    let header = webhook::sign(body, secret, 1_760_000_000);
    assert!(header.starts_with("t=1760000000,v1="), "{header}");
    let hex = header.rsplit_once("v1=").unwrap().1;
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let r = request(Some(&header), body);
    assert_eq!(webhook::verify(&r, secret, 1_760_000_000), Ok(()));
    assert_eq!(
        webhook::verify(&r, "whsec_other", 1_760_000_000),
        Err(SignatureError::Mismatch)
    );
}
