//! `X-Twilio-Signature` beyond the SDK vectors: refusals (tampered body, wrong secret, missing
//! and malformed headers; there is no timestamp to be stale), `sign`'s headers, and sign ->
//! verify round trips, also as properties.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::hooks::*;
use onramp_provider_kit::webhook::SignatureError;
use onramp_twilio::webhook::{self, sign, url_with_body_sha256, verify};
use proptest::prelude::*;

// ---- refusals ----

#[test]
fn a_tampered_body_is_refused() {
    let mut tampered = params();
    tampered[1] = ("Digits", "9999");
    assert_eq!(
        verifies(URL, &form(&tampered), EXPECTED),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_tampered_json_body_is_refused() {
    let url = format!("{URL}&bodySHA256={BODY_HASH}");
    let tampered = BODY.replace("true", "false");
    assert_eq!(
        verifies(&url, tampered.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4="),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_wrong_secret_is_refused() {
    let r = request(URL, &form(&params()), Some(EXPECTED));
    assert_eq!(verify(&r, "54321", NOW), Err(SignatureError::Mismatch));
}

#[test]
fn an_empty_secret_is_invalid() {
    let r = request(URL, &form(&params()), Some(EXPECTED));
    assert!(matches!(
        verify(&r, "", NOW),
        Err(SignatureError::InvalidSecret(_))
    ));
    assert!(matches!(
        sign(URL, b"", "", NOW),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn there_is_no_timestamp_so_any_time_verifies() {
    // The scheme has no timestamp: the same delivery verifies at any `now`.
    let r = request(URL, &form(&params()), Some(EXPECTED));
    for now in [0, NOW, i64::MAX, i64::MIN] {
        assert_eq!(verify(&r, TOKEN, now), Ok(()));
    }
}

#[test]
fn a_signature_of_the_wrong_length_is_malformed() {
    // Base64 of 19 bytes.
    let short = "AAAAAAAAAAAAAAAAAAAAAAAAAA==";
    assert!(matches!(
        verifies(URL, &form(&params()), short),
        Err(SignatureError::MalformedHeader {
            name: "x-twilio-signature",
            ..
        })
    ));
}

#[test]
fn a_signature_that_is_not_base64_is_malformed() {
    assert!(matches!(
        verifies(URL, &form(&params()), "!!not base64!!"),
        Err(SignatureError::MalformedHeader { .. })
    ));
}

#[test]
fn a_signature_header_that_is_not_ascii_is_malformed() {
    let mut r = request(URL, &form(&params()), None);
    r.headers.insert(
        "x-twilio-signature",
        http::HeaderValue::from_bytes(b"\xffabc").unwrap(),
    );
    assert!(matches!(
        verify(&r, TOKEN, NOW),
        Err(SignatureError::MalformedHeader { .. })
    ));
}

#[test]
fn the_header_name_is_case_insensitive() {
    let mut r = request(URL, &form(&params()), None);
    r.headers
        .insert("x-twilio-signature", EXPECTED.parse().unwrap());
    assert_eq!(verify(&r, TOKEN, NOW), Ok(()));
}

#[test]
fn a_signature_for_another_url_is_refused() {
    assert_eq!(
        verifies(
            "https://mycompany.com/other.php?foo=1&bar=2",
            &form(&params()),
            EXPECTED
        ),
        Err(SignatureError::Mismatch)
    );
}

// ---- sign ----

#[test]
fn sign_gives_the_headers_of_a_form_delivery() {
    let headers = sign(URL, &form(&params()), TOKEN, NOW).unwrap();
    assert_eq!(
        headers,
        [
            ("X-Twilio-Signature".to_string(), EXPECTED.to_string()),
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string()
            ),
        ]
    );
}

#[test]
fn sign_gives_the_headers_of_a_json_delivery() {
    let url = url_with_body_sha256(URL, BODY.as_bytes());
    let headers = sign(&url, BODY.as_bytes(), TOKEN, NOW).unwrap();
    assert_eq!(signature_of(&headers), "a9nBmqA0ju/hNViExpshrM61xv4=");
    assert!(headers.contains(&("Content-Type".into(), "application/json".into())));
}

#[test]
fn sign_refuses_a_json_body_without_its_hash_in_the_url() {
    assert!(matches!(
        sign(URL, BODY.as_bytes(), TOKEN, NOW),
        Err(SignatureError::MalformedHeader {
            name: "bodySHA256",
            ..
        })
    ));
    let other = url_with_body_sha256(URL, b"{}");
    assert!(matches!(
        sign(&other, BODY.as_bytes(), TOKEN, NOW),
        Err(SignatureError::MalformedHeader {
            name: "bodySHA256",
            ..
        })
    ));
}

#[test]
fn url_with_body_sha256_replaces_an_earlier_hash() {
    let once = url_with_body_sha256(URL, b"{}");
    assert_eq!(
        url_with_body_sha256(&once, BODY.as_bytes()),
        format!("{URL}&bodySHA256={BODY_HASH}")
    );
    assert_eq!(
        url_with_body_sha256("https://h/p", BODY.as_bytes()),
        format!("https://h/p?bodySHA256={BODY_HASH}")
    );
}

#[test]
fn a_signed_get_without_a_body_verifies() {
    let url = "https://example.com/cb?CallSid=CA1&CallStatus=completed";
    let headers = sign(url, b"", TOKEN, NOW).unwrap();
    assert_eq!(verifies(url, b"", signature_of(&headers)), Ok(()));
}

#[test]
fn a_signed_form_verifies_behind_a_default_port() {
    let body = form(&params());
    let headers = sign(URL, &body, TOKEN, NOW).unwrap();
    let with_port = URL.replace(".com", ".com:443");
    assert_eq!(verifies(&with_port, &body, signature_of(&headers)), Ok(()));
}

#[test]
fn the_exported_names_are_the_twilio_ones() {
    assert_eq!(webhook::SIGNATURE_HEADER, "x-twilio-signature");
    assert_eq!(webhook::IDEMPOTENCY_HEADER, "i-twilio-idempotency-token");
    assert_eq!(webhook::BODY_SHA256_PARAM, "bodySHA256");
}

proptest! {
    #[test]
    fn any_signed_form_verifies_and_a_changed_value_does_not(
        pairs in proptest::collection::vec(("[A-Za-z]{1,8}", "\\PC{0,12}"), 0..6),
        path in "[a-z]{0,8}",
        secret in "[ -~]{1,40}",
    ) {
        let url = format!("https://example.com/{path}?x=1");
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let body = form(&refs);
        let headers = sign(&url, &body, &secret, NOW).unwrap();
        let signed = request(&url, &body, Some(signature_of(&headers)));
        prop_assert_eq!(verify(&signed, &secret, NOW), Ok(()));

        let mut changed = refs.clone();
        changed.push(("Extra-", "value"));
        let tampered = request(&url, &form(&changed), Some(signature_of(&headers)));
        prop_assert_eq!(verify(&tampered, &secret, NOW), Err(SignatureError::Mismatch));
    }

    #[test]
    fn any_signed_json_body_verifies_and_a_changed_body_does_not(
        text in "\\PC{0,40}",
        secret in "[ -~]{1,40}",
    ) {
        let body = serde_json::json!({ "text": text }).to_string();
        let url = url_with_body_sha256("https://example.com/events", body.as_bytes());
        let headers = sign(&url, body.as_bytes(), &secret, NOW).unwrap();
        let signed = request(&url, body.as_bytes(), Some(signature_of(&headers)));
        prop_assert_eq!(verify(&signed, &secret, NOW), Ok(()));
        let tampered = request(&url, format!("{body} ").as_bytes(), Some(signature_of(&headers)));
        prop_assert_eq!(verify(&tampered, &secret, NOW), Err(SignatureError::Mismatch));
    }
}

proptest! {
    #[test]
    fn verify_never_panics_on_arbitrary_requests(
        url in "\\PC{0,60}",
        header in "[ -~]{0,40}",
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..128),
        secret in "\\PC{0,20}",
    ) {
        let _ = verify(&request(&url, &body, Some(&header)), &secret, NOW);
        let _ = sign(&url, &body, &secret, NOW);
    }

    #[test]
    fn verify_never_panics_on_url_like_text(
        url in "(https?|ftp)://([a-z]{1,5}(:[a-z]{0,3})?@)?(\\[[0-9a-f:]{0,8}\\]|[a-z.]{1,10})(:[0-9a-z]{0,6})?(/[a-z%.]{0,6}){0,3}(\\?[a-zA-Z0-9=&%+']{0,20})?(#[a-z]{0,4})?",
    ) {
        let body = form(&params());
        // sign refuses only a URL that happens to spell a wrong bodySHA256.
        if let Ok(headers) = sign(&url, &body, TOKEN, NOW) {
            prop_assert_eq!(verifies(&url, &body, signature_of(&headers)), Ok(()));
        }
    }
}
