//! `onramp_provider_kit::standard_webhooks::verify` (Onramp's own webhooks, as tenants and
//! `onramp webhook verify` check them) takes untrusted headers and bytes: it never panics,
//! whatever the headers, body, secret or clock; a request it accepts carries a timestamp within
//! 300 s of now; and what `headers` signs with the published test secret verifies under it.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_provider_kit::standard_webhooks::{TOLERANCE_SECONDS, headers, verify};
use onramp_provider_kit::webhook::WebhookRequest;

/// standard-webhooks/standard-webhooks: libraries/rust/src/lib.rs, `test_sign`.
const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[derive(Debug, Arbitrary)]
struct Input {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`, each absent when None (skipped
    /// when not a valid header value).
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
    /// The secret to verify with: the test secret when None.
    secret: Option<String>,
    now: i64,
    /// Sign the body with the test secret at `now` first (and check that it verifies, when the
    /// body is UTF-8), then overwrite the headers the fuzzer chose.
    sign_first: bool,
}

fuzz_target!(|input: Input| {
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: "https://tenant.example/hooks".into(),
        headers: Default::default(),
        body: input.body.clone().into(),
    };
    if input.sign_first {
        if let Ok(signed) = headers("msg_fuzz", input.now, &input.body, &[SECRET]) {
            for (name, value) in signed {
                request
                    .headers
                    .insert(name, value.parse().expect("ids, digits and base64 are header-safe"));
            }
            assert_eq!(
                verify(&request, SECRET, input.now),
                Ok(()),
                "a signed request does not verify"
            );
        }
    }
    for (name, text) in [
        ("webhook-id", &input.id),
        ("webhook-timestamp", &input.timestamp),
        ("webhook-signature", &input.signature),
    ] {
        if let Some(value) = text.as_deref().and_then(|t| t.parse().ok()) {
            request.headers.insert(name, value);
        }
    }
    let secret = input.secret.as_deref().unwrap_or(SECRET);
    if verify(&request, secret, input.now).is_ok() {
        let timestamp: i64 = request
            .headers
            .get("webhook-timestamp")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.trim().parse().ok())
            .expect("an accepted request has a numeric webhook-timestamp");
        assert!(
            timestamp.abs_diff(input.now) <= TOLERANCE_SECONDS.unsigned_abs(),
            "accepted a timestamp {timestamp} at {}",
            input.now
        );
    }
});
