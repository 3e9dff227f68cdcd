//! `onramp_telnyx::webhook::parse` takes untrusted bytes (after a valid signature, but still):
//! it never panics; an event it accepts has a non-empty id and type; and it reports a delivery
//! exactly for `verify.sent`, `verify.delivered` and `verify.failed`, always with a Telnyx
//! verification id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::ProviderId;
use onramp_telnyx::webhook::{self, WebhookRequest};

fuzz_target!(|body: &[u8]| {
    let request = WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/telnyx".into(),
        headers: Default::default(),
        body: body.to_vec().into(),
    };
    if let Ok(event) = webhook::parse(&request) {
        assert!(!event.event_id.trim().is_empty(), "an event without an id");
        assert!(!event.event_type.trim().is_empty(), "an event without a type");
        let about_delivery = matches!(
            event.event_type.as_str(),
            "verify.sent" | "verify.delivered" | "verify.failed"
        );
        assert_eq!(event.report.is_some(), about_delivery, "{}", event.event_type);
        if let Some(report) = event.report {
            assert_eq!(report.provider, ProviderId::Telnyx);
            assert!(!report.provider_ref.trim().is_empty(), "a report without a verification id");
        }
    }
});
