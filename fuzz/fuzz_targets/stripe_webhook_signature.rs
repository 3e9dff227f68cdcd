//! `onramp_stripe::webhook::verify` takes untrusted headers and bytes: it never panics, whatever
//! the header, body, secret or clock; a request it accepts carries a timestamp within 300 s of
//! now; and what `sign` produces with stripe-dotnet's test secret verifies under that secret.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_stripe::webhook::{self, SIGNATURE_HEADER, TOLERANCE_SECONDS, WebhookRequest};

/// stripe/stripe-dotnet: src/StripeTests/Services/Events/EventUtilityTest.cs, `secret`.
const SECRET: &str = "webhook_secret";

#[derive(Debug, Arbitrary)]
struct Input {
    /// `stripe-signature`, absent when None (skipped when not a valid header value).
    signature: Option<String>,
    body: Vec<u8>,
    /// The secret to verify with: the test secret when None.
    secret: Option<String>,
    now: i64,
    /// Sign the body with the test secret at `now` first (and check that it verifies), then
    /// overwrite the header the fuzzer chose.
    sign_first: bool,
}

fn request(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/stripe".into(),
        headers: Default::default(),
        body: body.to_vec().into(),
    }
}

fuzz_target!(|input: Input| {
    let mut request = request(&input.body);
    if input.sign_first {
        let value = webhook::sign(&input.body, SECRET, input.now);
        request.headers.insert(
            SIGNATURE_HEADER,
            value.parse().expect("digits and hex are header-safe"),
        );
        assert_eq!(
            webhook::verify(&request, SECRET, input.now),
            Ok(()),
            "a signed request does not verify"
        );
    }
    if let Some(text) = &input.signature {
        if let Ok(value) = text.parse() {
            request.headers.insert(SIGNATURE_HEADER, value);
        }
    }
    let secret = input.secret.as_deref().unwrap_or(SECRET);
    if webhook::verify(&request, secret, input.now).is_ok() {
        // The last `t=` entry is the signed one, as in stripe-go's `parseSignatureHeader`.
        let timestamp: i64 = request
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|header| {
                header
                    .split(',')
                    .filter_map(|item| item.split_once('='))
                    .filter(|(key, _)| key.trim() == "t")
                    .last()
            })
            .and_then(|(_, t)| t.trim().parse().ok())
            .expect("an accepted request has a numeric t=");
        assert!(
            timestamp.abs_diff(input.now) <= TOLERANCE_SECONDS,
            "accepted a timestamp {timestamp} at {}",
            input.now
        );
    }
});
