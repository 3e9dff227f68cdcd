//! `onramp_twilio::webhook::verify` takes an untrusted URL, headers and body: it never panics
//! whatever they are, and what `webhook::sign` produces for the same URL and body always
//! verifies under the same auth token.
//!
//! The body may also be an inbound WhatsApp message built from arbitrary field values (the
//! form Twilio posts to `/webhooks/twilio`), so the round trip covers real form bodies with
//! `whatsapp:` addresses, and the verified request is then parsed: it never panics, and an
//! accepted one has a non-empty event id.
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
    whatsapp: Option<Inbound<'a>>,
}

/// An inbound WhatsApp message's parameters (doc:
/// <https://www.twilio.com/docs/messaging/guides/webhook-request>).
#[derive(Debug, Arbitrary)]
struct Inbound<'a> {
    message_sid: &'a str,
    from: &'a str,
    to: &'a str,
    text: &'a str,
    profile_name: &'a str,
    wa_id: &'a str,
}

impl Inbound<'_> {
    fn body(&self) -> Vec<u8> {
        let from = format!("whatsapp:{}", self.from);
        let to = format!("whatsapp:{}", self.to);
        let pairs = [
            ("MessageSid", self.message_sid),
            ("SmsSid", self.message_sid),
            ("From", from.as_str()),
            ("To", to.as_str()),
            ("Body", self.text),
            ("NumMedia", "0"),
            ("ProfileName", self.profile_name),
            ("WaId", self.wa_id),
            ("SmsStatus", "received"),
            ("ApiVersion", "2010-04-01"),
        ];
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{}={}", percent(name), percent(value)))
            .collect();
        encoded.join("&").into_bytes()
    }
}

/// `application/x-www-form-urlencoded` escaping of every byte but ASCII letters and digits
/// (the fuzz crate has no `url` dependency).
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fuzz_target!(|input: Input<'_>| {
    let body = match &input.whatsapp {
        Some(inbound) => inbound.body(),
        None => input.body.to_vec(),
    };
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: input.url.to_string(),
        headers: Default::default(),
        body: body.clone().into(),
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

    if let Ok(headers) = webhook::sign(input.url, &body, input.secret, input.now) {
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
                input.url, body
            );
        }
        if let Ok(parsed) = webhook::parse(&signed) {
            assert!(!parsed.event_id.is_empty(), "empty event id for {body:?}");
        }
    }
});
