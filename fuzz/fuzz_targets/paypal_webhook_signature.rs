//! `onramp_paypal::webhook::verify_offline` takes untrusted headers and bytes: it never panics,
//! whatever the five headers, body, webhook id or clock, against the PayPal adapter's test
//! certificate; a request it accepts names SHA256withRSA, a non-empty webhook id and a time
//! inside the certificate's validity; and what `sign` produces with the matching test key
//! verifies.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_paypal::webhook::{
    self, AUTH_ALGO, AUTH_ALGO_HEADER, CERT_URL_HEADER, TRANSMISSION_ID_HEADER,
    TRANSMISSION_SIG_HEADER, TRANSMISSION_TIME_HEADER, WebhookRequest,
};

/// adapters/paypal/tests/fixtures/SOURCES.md: a 2048-bit key pair generated for the tests, its
/// certificate issued to messageverificationcerts.sandbox.paypal.com.
const CERTIFICATE: &[u8] = include_bytes!("../../adapters/paypal/tests/fixtures/test_cert.pem");
const KEY: &[u8] = include_bytes!("../../adapters/paypal/tests/fixtures/test_key.pem");
/// The certificate's notBefore (2026-11-21T13:45:05Z) and notAfter (2046-11-16T13:45:05Z).
const NOT_BEFORE: i64 = 1_795_268_705;
const NOT_AFTER: i64 = 2_425_988_705;

const NAMES: [&str; 5] = [
    TRANSMISSION_ID_HEADER,
    TRANSMISSION_TIME_HEADER,
    TRANSMISSION_SIG_HEADER,
    CERT_URL_HEADER,
    AUTH_ALGO_HEADER,
];

#[derive(Debug, Arbitrary)]
struct Input {
    /// The five headers in [`NAMES`]' order, absent when None (skipped when not a valid
    /// header value).
    headers: [Option<String>; 5],
    body: Vec<u8>,
    webhook_id: String,
    now: i64,
    /// Sign the body with the test key at a time inside the certificate's validity first
    /// (and check that it verifies then), then overwrite the headers the fuzzer chose.
    sign_first: bool,
}

fn request(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/paypal".into(),
        headers: Default::default(),
        body: body.to_vec().into(),
    }
}

fuzz_target!(|input: Input| {
    let mut request = request(&input.body);
    if input.sign_first && !input.webhook_id.trim().is_empty() {
        let at = NOT_BEFORE + input.now.rem_euclid(NOT_AFTER - NOT_BEFORE + 1);
        let time = webhook::transmission_time(at).expect("the certificate's years are writable");
        let headers = webhook::sign(
            &input.body,
            &input.webhook_id,
            "5b1c0f3e-8a5e-4f6b-9c1d-2e3f4a5b6c7d",
            &time,
            KEY,
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-onramp-fuzz",
        )
        .expect("the test key signs");
        for (name, value) in headers {
            let name = NAMES
                .iter()
                .find(|known| **known == name.as_str())
                .unwrap_or_else(|| panic!("sign gave an unknown header {name}"));
            request.headers.insert(
                *name,
                value.parse().expect("sign gives valid header values"),
            );
        }
        assert_eq!(
            webhook::verify_offline(&request, &input.webhook_id, CERTIFICATE, at),
            Ok(()),
            "a signed request does not verify"
        );
    }
    for (name, text) in NAMES.iter().zip(&input.headers) {
        if let Some(text) = text {
            if let Ok(value) = text.parse() {
                request.headers.insert(*name, value);
            }
        }
    }
    if webhook::verify_offline(&request, &input.webhook_id, CERTIFICATE, input.now).is_ok() {
        assert!(
            !input.webhook_id.trim().is_empty(),
            "accepted an empty webhook id"
        );
        assert!(
            (NOT_BEFORE..=NOT_AFTER).contains(&input.now),
            "accepted at {}, outside the certificate's validity",
            input.now
        );
        let algorithm = request
            .headers
            .get(AUTH_ALGO_HEADER)
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            algorithm.map(str::trim),
            Some(AUTH_ALGO),
            "accepted another algorithm"
        );
    }
});
