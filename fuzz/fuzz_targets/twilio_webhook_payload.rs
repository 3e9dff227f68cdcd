//! `onramp_twilio::webhook::parse` takes an untrusted body (after the signature check, which a
//! leaked auth token defeats): it never panics, and what it accepts has a non-empty event id
//! and type, and a report, when there is one, about a non-empty Twilio reference.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::ProviderId;
use onramp_provider_kit::webhook::WebhookRequest;
use onramp_twilio::webhook;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    url: &'a str,
    content_type: Option<&'a [u8]>,
    idempotency_token: Option<&'a [u8]>,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: input.url.to_string(),
        headers: Default::default(),
        body: input.body.to_vec().into(),
    };
    let optional = [
        ("content-type", input.content_type),
        (webhook::IDEMPOTENCY_HEADER, input.idempotency_token),
    ];
    for (name, value) in optional {
        if let Some(value) = value.and_then(|v| v.try_into().ok()) {
            request.headers.insert(name, value);
        }
    }
    if let Ok(parsed) = webhook::parse(&request) {
        assert!(
            !parsed.event_id.is_empty(),
            "empty event id for {:?}",
            input.body
        );
        assert!(
            !parsed.event_type.is_empty(),
            "empty event type for {:?}",
            input.body
        );
        if let Some(report) = parsed.report {
            assert_eq!(report.provider, ProviderId::Twilio);
            assert!(
                !report.provider_ref.trim().is_empty(),
                "empty provider reference for {:?}",
                input.body
            );
        }
    }
});
