//! `onramp_twilio::webhook::verify` takes an untrusted URL, headers and body: it never panics
//! whatever they are, and what `webhook::sign` produces for the same URL and body always
//! verifies under the same auth token.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_provider_kit::webhook::WebhookRequest;
use onramp_twilio::webhook;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    url: &'a str,
    signature: Option<&'a [u8]>,
    idempotency_token: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    body: &'a [u8],
    secret: &'a str,
    now: i64,
}

fuzz_target!(|input: Input<'_>| {
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: input.url.to_string(),
        headers: Default::default(),
        body: input.body.to_vec().into(),
    };
    let optional = [
        (webhook::SIGNATURE_HEADER, input.signature),
        (webhook::IDEMPOTENCY_HEADER, input.idempotency_token),
        ("content-type", input.content_type),
    ];
    for (name, value) in optional {
        if let Some(value) = value.and_then(|v| v.try_into().ok()) {
            request.headers.insert(name, value);
        }
    }
    let _ = webhook::verify(&request, input.secret, input.now);

    if let Ok(headers) = webhook::sign(input.url, input.body, input.secret, input.now) {
        let mut signed = request.clone();
        signed.headers = Default::default();
        for (name, value) in &headers {
            if name.eq_ignore_ascii_case(webhook::SIGNATURE_HEADER) {
                let value = value
                    .as_str()
                    .try_into()
                    .expect("base64 is a valid header value");
                signed.headers.insert(webhook::SIGNATURE_HEADER, value);
            }
        }
        if let Err(e) = webhook::verify(&signed, input.secret, input.now) {
            panic!(
                "signed by sign but refused by verify ({e}): url {:?}, body {:?}",
                input.url, input.body
            );
        }
    }
});
