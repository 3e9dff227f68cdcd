//! `onramp_meta::webhook::verify` and `handshake` take untrusted headers, bytes and query
//! values: they never panic, whatever the header, body, secret or token; an accepted signature
//! is `sha256=` and 64 lower-case hex digits; what `sign` produces verifies under its secret;
//! a handshake succeeds only for `subscribe` with the expected token, echoing a challenge of at
//! most 1 KiB without control characters.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_meta::webhook::{self, MAX_CHALLENGE_BYTES, SIGNATURE_HEADER, WebhookRequest};

/// WhatsApp/WhatsApp-Nodejs-SDK: jest.config.ts, the app secret of its signature test.
const SECRET: &str = "TEST_APP_SECRET";

#[derive(Debug, Arbitrary)]
struct Input {
    /// `x-hub-signature-256`, absent when None (skipped when not a valid header value).
    signature: Option<String>,
    body: Vec<u8>,
    /// The app secret to verify with: the test secret when None.
    secret: Option<String>,
    /// Sign the body with the test secret first (and check that it verifies), then overwrite
    /// the header the fuzzer chose.
    sign_first: bool,
    mode: String,
    verify_token: String,
    challenge: String,
    expected_token: String,
}

fuzz_target!(|input: Input| {
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/meta".into(),
        headers: Default::default(),
        body: input.body.clone().into(),
    };
    if input.sign_first {
        let value = webhook::sign(&input.body, SECRET);
        request
            .headers
            .insert(SIGNATURE_HEADER, value.parse().expect("hex is header-safe"));
        assert_eq!(
            webhook::verify(&request, SECRET),
            Ok(()),
            "a signed body does not verify"
        );
    }
    if let Some(text) = &input.signature {
        if let Ok(value) = text.parse() {
            request.headers.insert(SIGNATURE_HEADER, value);
        }
    }
    let secret = input.secret.as_deref().unwrap_or(SECRET);
    if webhook::verify(&request, secret).is_ok() {
        let header = request
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .expect("an accepted request has the header");
        let digits = header.strip_prefix("sha256=").expect("the prefix");
        assert_eq!(digits.len(), 64);
        assert!(
            digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(header, webhook::sign(&input.body, secret));
    }
    if let Ok(echo) = webhook::handshake(
        &input.mode,
        &input.verify_token,
        &input.challenge,
        &input.expected_token,
    ) {
        assert_eq!(input.mode, "subscribe");
        assert!(!input.expected_token.is_empty());
        assert_eq!(input.verify_token, input.expected_token);
        assert_eq!(echo, input.challenge);
        assert!(!echo.is_empty() && echo.len() <= MAX_CHALLENGE_BYTES);
        assert!(!echo.chars().any(char::is_control));
    }
});
