//! `onramp_meta::webhook::parse` takes untrusted bytes (after a valid signature, but still): it
//! never panics; every event it returns has a non-empty id and type and no delivery or payment
//! report; an inbound message's sender has its `+` and its event id is its message id; a
//! status's event id is `<message id>:<status>` and its type `messages.status.<status>`; the
//! account events' types are their field names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::WhatsAppReport;
use onramp_meta::webhook;

fuzz_target!(|body: &[u8]| {
    let Ok(events) = webhook::parse(body) else {
        return;
    };
    for event in events {
        assert!(!event.event_id.is_empty(), "an event without an id");
        assert!(!event.event_type.is_empty(), "an event without a type");
        assert!(event.report.is_none() && event.payment.is_none());
        let kind = event.event_type.as_str();
        match &event.whatsapp {
            Some(WhatsAppReport::Inbound {
                from, message_id, ..
            }) => {
                assert_eq!(kind, "messages.inbound");
                assert!(from.starts_with('+') && from.len() > 1, "{from}");
                assert_eq!(&event.event_id, message_id);
            }
            Some(WhatsAppReport::Status { message_id, .. }) => {
                let status = kind
                    .strip_prefix("messages.status.")
                    .expect("a status event's type");
                assert_eq!(event.event_id, format!("{message_id}:{status}"));
            }
            Some(WhatsAppReport::AccountReview { .. }) => assert_eq!(kind, "account_review_update"),
            Some(WhatsAppReport::AccountUpdate { .. }) => assert_eq!(kind, "account_update"),
            Some(WhatsAppReport::Quality { .. }) => assert_eq!(kind, "phone_number_quality_update"),
            Some(WhatsAppReport::TemplateStatus { .. }) => {
                assert_eq!(kind, "message_template_status_update")
            }
            Some(other) => panic!("{kind} reported {other:?}"),
            None => assert!(kind.starts_with("messages"), "{kind} without a report"),
        }
    }
});
