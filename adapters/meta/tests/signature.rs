//! `X-Hub-Signature-256` against Meta's published vector (PROVIDERS.md section 6:
//! WhatsApp/WhatsApp-Nodejs-SDK src/__tests__/utils.test.ts, app secret `TEST_APP_SECRET` of
//! its jest.config.ts, body `test`), the refusals, and the subscription handshake.
#![allow(clippy::unwrap_used)]

use onramp_meta::webhook::{
    self, HandshakeError, MAX_CHALLENGE_BYTES, SIGNATURE_HEADER, SignatureError, WebhookRequest,
};

const APP_SECRET: &str = "TEST_APP_SECRET";
const BODY: &[u8] = b"test";
const DIGEST: &str = "0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";

fn request(signature: Option<&str>, body: &[u8]) -> WebhookRequest {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = signature {
        headers.insert(
            http::HeaderName::from_static("x-hub-signature-256"),
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/meta".into(),
        headers,
        body: body.to_vec().into(),
    }
}

fn malformed(result: Result<(), SignatureError>) -> String {
    match result {
        Err(SignatureError::MalformedHeader { name, reason }) => {
            assert_eq!(name, SIGNATURE_HEADER);
            reason
        }
        other => panic!("not malformed: {other:?}"),
    }
}

#[test]
fn the_published_vector_verifies() {
    let header = format!("sha256={DIGEST}");
    assert_eq!(
        webhook::verify(&request(Some(&header), BODY), APP_SECRET),
        Ok(())
    );
}

#[test]
fn sign_reproduces_the_published_vector() {
    assert_eq!(webhook::sign(BODY, APP_SECRET), format!("sha256={DIGEST}"));
}

#[test]
fn a_header_name_in_metas_case_is_found() {
    let mut r = request(None, BODY);
    r.headers.insert(
        http::HeaderName::from_bytes(b"X-Hub-Signature-256").unwrap(),
        format!("sha256={DIGEST}").parse().unwrap(),
    );
    assert_eq!(webhook::verify(&r, APP_SECRET), Ok(()));
}

#[test]
fn a_forged_signature_or_another_secret_is_a_mismatch() {
    let forged = format!("sha256={}", "0".repeat(64));
    assert_eq!(
        webhook::verify(&request(Some(&forged), BODY), APP_SECRET),
        Err(SignatureError::Mismatch)
    );
    let header = format!("sha256={DIGEST}");
    assert_eq!(
        webhook::verify(&request(Some(&header), BODY), "TEST_APP_SECRET2"),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_tampered_body_is_a_mismatch() {
    let header = format!("sha256={DIGEST}");
    for body in [&b"test "[..], b"Test", b"", b"tes"] {
        assert_eq!(
            webhook::verify(&request(Some(&header), body), APP_SECRET),
            Err(SignatureError::Mismatch),
            "{body:?}"
        );
    }
}

#[test]
fn a_digest_without_the_sha256_prefix_is_malformed() {
    let reason = malformed(webhook::verify(&request(Some(DIGEST), BODY), APP_SECRET));
    assert!(reason.contains("prefix"), "{reason}");
    let sha1 = format!("sha1={DIGEST}");
    assert!(malformed(webhook::verify(&request(Some(&sha1), BODY), APP_SECRET)).contains("prefix"));
}

#[test]
fn upper_case_is_refused_in_the_prefix_and_in_the_digits() {
    let prefix = format!("SHA256={DIGEST}");
    assert!(
        malformed(webhook::verify(&request(Some(&prefix), BODY), APP_SECRET)).contains("prefix")
    );
    let digits = format!("sha256={}", DIGEST.to_ascii_uppercase());
    assert!(
        malformed(webhook::verify(&request(Some(&digits), BODY), APP_SECRET))
            .contains("lower-case hex")
    );
}

#[test]
fn an_empty_or_missing_header_is_refused() {
    assert!(malformed(webhook::verify(&request(Some(""), BODY), APP_SECRET)).contains("empty"));
    assert_eq!(
        webhook::verify(&request(None, BODY), APP_SECRET),
        Err(SignatureError::MissingHeader(SIGNATURE_HEADER))
    );
    let bare = "sha256=";
    assert!(malformed(webhook::verify(&request(Some(bare), BODY), APP_SECRET)).contains("64"));
}

#[test]
fn a_header_with_spaces_or_non_ascii_is_malformed() {
    let padded = format!("sha256= {DIGEST}");
    malformed(webhook::verify(&request(Some(&padded), BODY), APP_SECRET));
    let r = request(Some("sha256=\u{e9}"), BODY);
    malformed(webhook::verify(&r, APP_SECRET));
}

#[test]
fn an_empty_app_secret_is_an_invalid_secret() {
    let header = format!("sha256={DIGEST}");
    assert!(matches!(
        webhook::verify(&request(Some(&header), BODY), ""),
        Err(SignatureError::InvalidSecret(_))
    ));
}

// --- handshake -------------------------------------------------------------------------------

const VERIFY_TOKEN: &str = "onramp-verify-7f3a";

#[test]
fn a_subscribe_with_the_right_token_echoes_the_challenge_verbatim() {
    for challenge in ["1158201444", "challenge with spaces & symbols ?=", "é"] {
        assert_eq!(
            webhook::handshake("subscribe", VERIFY_TOKEN, challenge, VERIFY_TOKEN),
            Ok(challenge.to_string())
        );
    }
}

#[test]
fn another_mode_is_refused() {
    for mode in ["unsubscribe", "Subscribe", ""] {
        assert_eq!(
            webhook::handshake(mode, VERIFY_TOKEN, "1", VERIFY_TOKEN),
            Err(HandshakeError::WrongMode(mode.into()))
        );
    }
    let long = "m".repeat(500);
    match webhook::handshake(&long, VERIFY_TOKEN, "1", VERIFY_TOKEN) {
        Err(HandshakeError::WrongMode(shown)) => assert_eq!(shown.len(), 64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_token_is_refused_whatever_its_length() {
    for token in [
        "",
        "onramp-verify-7f3",
        "onramp-verify-7f3a ",
        "ONRAMP-VERIFY-7F3A",
    ] {
        assert_eq!(
            webhook::handshake("subscribe", token, "1", VERIFY_TOKEN),
            Err(HandshakeError::TokenMismatch),
            "{token:?}"
        );
    }
}

#[test]
fn without_a_configured_token_no_handshake_succeeds() {
    assert_eq!(
        webhook::handshake("subscribe", "", "1", ""),
        Err(HandshakeError::NotConfigured)
    );
}

#[test]
fn an_empty_long_or_controlled_challenge_is_refused() {
    let at_limit = "7".repeat(MAX_CHALLENGE_BYTES);
    assert_eq!(
        webhook::handshake("subscribe", VERIFY_TOKEN, &at_limit, VERIFY_TOKEN),
        Ok(at_limit.clone())
    );
    let over = format!("{at_limit}7");
    assert_eq!(
        webhook::handshake("subscribe", VERIFY_TOKEN, &over, VERIFY_TOKEN),
        Err(HandshakeError::ChallengeTooLong(MAX_CHALLENGE_BYTES + 1))
    );
    assert_eq!(
        webhook::handshake("subscribe", VERIFY_TOKEN, "", VERIFY_TOKEN),
        Err(HandshakeError::MissingChallenge)
    );
    for controlled in ["12\r\nSet-Cookie: x=1", "12\0", "\u{7f}", "a\u{85}b"] {
        assert_eq!(
            webhook::handshake("subscribe", VERIFY_TOKEN, controlled, VERIFY_TOKEN),
            Err(HandshakeError::ChallengeControlCharacters),
            "{controlled:?}"
        );
    }
}
