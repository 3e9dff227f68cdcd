//! `onramp_sinch::webhook::verify` takes untrusted headers and bodies: it never panics whatever
//! the method, URL, headers (every name the verifiers read, with arbitrary values), body,
//! secret and clock; a request made by `webhook::sign` verifies at the time it was signed
//! (both schemes: a secret without `:` is a webhook secret, `key:base64` an application key),
//! and the same request with one body byte changed does not. A verified body (a WhatsApp
//! MESSAGE_INBOUND or sender callback among them) then goes through `webhook::parse`, which
//! must not panic either.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_sinch::webhook::{self, WebhookRequest};

/// The header names the verifiers read, so the fuzzer reaches past "missing header".
const NAMES: [&str; 7] = [
    "x-sinch-webhook-signature",
    "x-sinch-webhook-signature-nonce",
    "x-sinch-webhook-signature-timestamp",
    "x-sinch-webhook-signature-algorithm",
    "authorization",
    "x-timestamp",
    "content-type",
];

/// Latest `now` of the round trip: 2100-01-01, within what ISO-8601 timestamps can say.
const LATEST: i64 = 4_102_444_800;

#[derive(Debug, Arbitrary)]
struct Input {
    method: String,
    url: String,
    /// Header names (index modulo [`NAMES`]) with arbitrary values (skipped when not valid
    /// header values).
    headers: Vec<(u8, String)>,
    body: Vec<u8>,
    secret: String,
    now: i64,
    /// Also check a request made by `sign` (and its tampered copy).
    round_trip: bool,
    /// Which body byte the tampered copy changes (modulo the body length).
    tamper_at: u16,
}

fuzz_target!(|input: Input| {
    let mut request = WebhookRequest {
        method: input.method.clone(),
        url: input.url.clone(),
        headers: Default::default(),
        body: input.body.clone().into(),
    };
    for (index, value) in &input.headers {
        if let Ok(value) = value.parse() {
            request
                .headers
                .append(NAMES[usize::from(*index) % NAMES.len()], value);
        }
    }
    let _ = webhook::verify(&request, &input.secret, input.now);

    if !input.round_trip {
        return;
    }
    let now = input.now.rem_euclid(LATEST);
    let Ok(signed) = webhook::sign(&input.url, &input.body, &input.secret, now) else {
        return;
    };
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: input.url.clone(),
        headers: Default::default(),
        body: input.body.clone().into(),
    };
    for (name, value) in &signed {
        let name = NAMES
            .iter()
            .find(|known| **known == name.as_str())
            .unwrap_or_else(|| panic!("sign gave an unknown header {name}"));
        let value = value.parse().expect("sign gives valid header values");
        request.headers.append(*name, value);
    }
    if let Err(e) = webhook::verify(&request, &input.secret, now) {
        panic!("a signed request does not verify: {e} ({signed:?})");
    }
    let _ = webhook::parse(&request);
    if !input.body.is_empty() {
        let mut body = input.body.clone();
        let at = usize::from(input.tamper_at) % body.len();
        body[at] ^= 0x01;
        request.body = body.into();
        assert!(
            webhook::verify(&request, &input.secret, now).is_err(),
            "a tampered body verifies"
        );
    }
});
