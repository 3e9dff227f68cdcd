//! `X-Twilio-Signature`: every case of the official SDK vector files, ported.
//!
//! Vectors copied from:
//! - twilio/twilio-python: tests/unit/test_request_validator.py (commit 30368b08ba58);
//! - twilio/twilio-node: spec/validation.spec.js (commit 005ea9cdbad2).
//!
//! Both use the auth token `12345`, the URL `https://mycompany.com/myapp.php?foo=1&bar=2` and
//! the same five call parameters (`common/hooks.rs`).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::hooks::*;
use onramp_provider_kit::webhook::SignatureError;
use onramp_twilio::webhook::{sign, url_with_body_sha256, verify};

// ---- twilio-python: tests/unit/test_request_validator.py ----

#[test]
fn python_compute_signature_gives_the_published_signature() {
    let headers = sign(URL, &form(&params()), TOKEN, NOW).unwrap();
    assert_eq!(signature_of(&headers), EXPECTED);
}

#[test]
fn python_compute_hash_gives_the_published_body_hash() {
    assert_eq!(
        url_with_body_sha256(URL, BODY.as_bytes()),
        format!("{URL}&bodySHA256={BODY_HASH}")
    );
}

#[test]
fn python_duplicate_parameters_give_the_published_signature() {
    // test_compute_signature_duplicate_multi_dict / _query_dict.
    let body = form(&[
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
    ]);
    let headers = sign(URL, &body, TOKEN, NOW).unwrap();
    assert_eq!(signature_of(&headers), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    assert_eq!(verifies(URL, &body, "IK+Dwps556ElfBT0I3Rgjkr1wJU="), Ok(()));
}

#[test]
fn python_validation_accepts_the_published_signature() {
    assert_eq!(verifies(URL, &form(&params()), EXPECTED), Ok(()));
}

#[test]
fn python_validation_removes_a_port_on_https() {
    let url = URL.replace(".com", ".com:1234");
    assert_eq!(verifies(&url, &form(&params()), EXPECTED), Ok(()));
}

#[test]
fn python_validation_keeps_a_port_on_http() {
    // "hash of http uri with port 1234"
    let url = URL.replace(".com", ".com:1234").replace("https", "http");
    assert_eq!(
        verifies(&url, &form(&params()), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        Ok(())
    );
}

#[test]
fn python_validation_adds_port_443_on_https() {
    assert_eq!(
        verifies(URL, &form(&params()), "kvajT1Ptam85bY51eRf/AJRuM3w="),
        Ok(())
    );
}

#[test]
fn python_validation_adds_port_80_on_http() {
    let url = URL.replace("https", "http");
    assert_eq!(
        verifies(&url, &form(&params()), "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        Ok(())
    );
}

#[test]
fn python_validation_of_a_json_body_succeeds() {
    let url = format!("{URL}&bodySHA256={BODY_HASH}");
    assert_eq!(
        verifies(&url, BODY.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4="),
        Ok(())
    );
}

// ---- twilio-node: spec/validation.spec.js ----

#[test]
fn node_a_wrong_signature_is_refused() {
    // "WRONG_SIGNATURE" is not even base64 of an HMAC-SHA1.
    assert!(matches!(
        verifies(URL, &form(&params()), "WRONG_SIGNATURE"),
        Err(SignatureError::MalformedHeader { .. })
    ));
    // A well-formed signature of something else.
    assert_eq!(
        verifies(URL, &form(&params()), "IK+Dwps556ElfBT0I3Rgjkr1wJU="),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn node_a_wrong_body_hash_is_refused() {
    // "should fail to validate with wrong sha": the URL is correctly signed, but the hash it
    // declares is not the body's.
    let url = format!("{URL}&bodySHA256=WRONG_HASH");
    assert_eq!(
        verifies(&url, BODY.as_bytes(), &hmac_b64(&url)),
        Err(SignatureError::Mismatch)
    );
    let right = format!("{URL}&bodySHA256={BODY_HASH}");
    assert_eq!(verifies(&right, BODY.as_bytes(), &hmac_b64(&right)), Ok(()));
}

#[test]
fn node_the_request_body_is_validated_when_given() {
    let url = format!("{URL}&bodySHA256={BODY_HASH}");
    assert_eq!(
        verifies(&url, BODY.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4="),
        Ok(())
    );
}

#[test]
fn node_an_empty_json_body_is_validated() {
    let url = format!(
        "{URL}&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
    assert_eq!(
        verifies(&url, b"{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc="),
        Ok(())
    );
}

#[test]
fn node_a_url_with_only_the_body_hash_is_validated() {
    let url = format!("https://mycompany.com/myapp.php?bodySHA256={BODY_HASH}");
    assert_eq!(
        verifies(&url, BODY.as_bytes(), "y77kIzt2vzLz71DgmJGsen2scGs="),
        Ok(())
    );
}

#[test]
fn node_a_json_body_without_the_body_hash_parameter_is_refused() {
    assert_eq!(
        verifies(URL, BODY.as_bytes(), EXPECTED),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn node_a_missing_signature_is_refused() {
    assert_eq!(
        verify(&request(URL, &form(&params()), None), TOKEN, NOW),
        Err(SignatureError::MissingHeader("x-twilio-signature"))
    );
}

#[test]
fn node_https_urls_with_ports_are_validated_by_stripping_them() {
    let url = URL.replace(".com", ".com:1234");
    assert_eq!(verifies(&url, &form(&params()), EXPECTED), Ok(()));
}

#[test]
fn node_http_urls_with_ports_are_validated() {
    let url = URL.replace(".com", ".com:1234").replace("https", "http");
    assert_eq!(
        verifies(&url, &form(&params()), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        Ok(())
    );
}

#[test]
fn node_https_urls_without_ports_are_validated_with_port_443() {
    assert_eq!(
        verifies(URL, &form(&params()), "kvajT1Ptam85bY51eRf/AJRuM3w="),
        Ok(())
    );
}

#[test]
fn node_http_urls_without_ports_are_validated_with_port_80() {
    let url = URL.replace("https", "http");
    assert_eq!(
        verifies(&url, &form(&params()), "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        Ok(())
    );
}

#[test]
fn node_urls_with_credentials_are_validated() {
    let url = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        verifies(url, &form(&params()), "CukzLTc1tT5dXEDIHm/tKBanW10="),
        Ok(())
    );
}

#[test]
fn node_urls_with_just_a_username_are_validated() {
    let url = "https://user@mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        verifies(url, &form(&params()), "2YRLlVAflCqxaNicjMpJcSTgzSs="),
        Ok(())
    );
}

#[test]
fn node_urls_with_credentials_are_validated_with_port_443() {
    let url = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        verifies(url, &form(&params()), "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="),
        Ok(())
    );
}

#[test]
fn node_urls_with_special_characters_are_validated() {
    let url = format!("{URL}&Body=It's+amazing");
    assert_eq!(
        verifies(&url, &form(&params()), "dsq4Ehbj6cs+KdTkpF5sSSplOWw="),
        Ok(())
    );
}

#[test]
fn node_an_array_parameter_is_validated_whatever_the_order_of_its_values() {
    for values in [
        ["+1325xxxxxxx", "+1415xxxxxxx"],
        ["+1415xxxxxxx", "+1325xxxxxxx"],
    ] {
        let body = form(&[
            ("MessagingBinding.Address", values[0]),
            ("MessagingBinding.Address", values[1]),
        ]);
        assert_eq!(verifies(URL, &body, "83O6e2vORAoJHUNzJjDWN1jz+BA="), Ok(()));
    }
}

#[test]
fn node_repeated_identical_values_are_validated() {
    // twilio-node signs each distinct value once: Digits 5678, 1234, 1234.
    let body = form(&[
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]);
    assert_eq!(verifies(URL, &body, "IK+Dwps556ElfBT0I3Rgjkr1wJU="), Ok(()));
}

#[test]
fn node_an_unexpected_query_parameter_is_refused() {
    // Middleware test "should send 403 for invalid signatures".
    let url = format!("{URL}&somethingUnexpected=true");
    assert_eq!(
        verifies(&url, &form(&params()), EXPECTED),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn node_a_truncated_body_hash_is_refused() {
    // Middleware test "should fail validation of post body with wrong hash".
    let url = format!("{URL}&bodySHA256={}", &BODY_HASH[..BODY_HASH.len() - 1]);
    assert_eq!(
        verifies(&url, BODY.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4="),
        Err(SignatureError::Mismatch)
    );
}
