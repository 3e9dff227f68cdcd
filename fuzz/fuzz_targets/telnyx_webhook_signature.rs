//! `onramp_telnyx::webhook::verify` takes untrusted headers and bytes: it never panics, whatever
//! the headers, body, key or clock; a request it accepts carries a timestamp within 300 s of
//! now; and what `sign` produces with the telnyx-java test seed verifies under its public key.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_telnyx::webhook::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOLERANCE_SECONDS, WebhookRequest};

/// team-telnyx/telnyx-java: WebhookVerificationTest.kt, `testPrivateKeyB64` / `testPublicKeyB64`.
const SEED: &str = "i1xxSkIuQOY9H8laaRslIoYGTJ1NwBAFdjsQwiwJH04=";
const PUBLIC_KEY: &str = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";

#[derive(Debug, Arbitrary)]
struct Input {
    /// `telnyx-signature-ed25519`, absent when None (skipped when not a valid header value).
    signature: Option<String>,
    /// `telnyx-timestamp`, likewise.
    timestamp: Option<String>,
    body: Vec<u8>,
    /// The key to verify with: the test public key when None.
    secret: Option<String>,
    now: i64,
    /// Sign the body with the test seed at `now` first (and check that it verifies), then
    /// overwrite the headers the fuzzer chose.
    sign_first: bool,
}

fn request(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/telnyx".into(),
        headers: Default::default(),
        body: body.to_vec().into(),
    }
}

fuzz_target!(|input: Input| {
    let mut request = request(&input.body);
    if input.sign_first {
        let headers = webhook::sign(&request.url, &input.body, SEED, input.now)
            .expect("the test seed is 32 bytes");
        for (name, value) in headers {
            let name = if name == SIGNATURE_HEADER { SIGNATURE_HEADER } else { TIMESTAMP_HEADER };
            request.headers.insert(name, value.parse().expect("base64 and digits are header-safe"));
        }
        assert_eq!(
            webhook::verify(&request, PUBLIC_KEY, input.now),
            Ok(()),
            "a signed request does not verify"
        );
    }
    for (name, text) in [(SIGNATURE_HEADER, &input.signature), (TIMESTAMP_HEADER, &input.timestamp)] {
        if let Some(text) = text {
            if let Ok(value) = text.parse() {
                request.headers.insert(name, value);
            }
        }
    }
    let secret = input.secret.as_deref().unwrap_or(PUBLIC_KEY);
    if webhook::verify(&request, secret, input.now).is_ok() {
        let timestamp: i64 = request
            .headers
            .get(TIMESTAMP_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.parse().ok())
            .expect("an accepted request has a numeric timestamp");
        assert!(
            timestamp.abs_diff(input.now) <= TOLERANCE_SECONDS,
            "accepted a timestamp {timestamp} at {}",
            input.now
        );
    }
});
