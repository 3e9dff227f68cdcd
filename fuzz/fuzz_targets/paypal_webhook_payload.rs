//! `onramp_paypal::webhook::parse` takes untrusted bytes (after a valid signature, but still):
//! it never panics; an event it accepts has a non-empty id and type and no delivery report;
//! and it reports an order event exactly for `CHECKOUT.ORDER.APPROVED` and the five
//! `PAYMENT.CAPTURE.*` types it maps, the event matching the type, always with a non-empty
//! reference and capture id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::{OrderEvent, PaymentReport};
use onramp_paypal::webhook::{self, WebhookRequest};

fuzz_target!(|body: &[u8]| {
    let request = WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/paypal".into(),
        headers: Default::default(),
        body: body.to_vec().into(),
    };
    if let Ok(event) = webhook::parse(&request) {
        assert!(!event.event_id.trim().is_empty(), "an event without an id");
        assert!(
            !event.event_type.trim().is_empty(),
            "an event without a type"
        );
        assert!(
            event.report.is_none(),
            "a PayPal event reports a code delivery"
        );
        let kind = event.event_type.as_str();
        let Some(payment) = event.payment else {
            let mapped = matches!(
                kind,
                "CHECKOUT.ORDER.APPROVED"
                    | "PAYMENT.CAPTURE.COMPLETED"
                    | "PAYMENT.CAPTURE.PENDING"
                    | "PAYMENT.CAPTURE.DENIED"
                    | "PAYMENT.CAPTURE.DECLINED"
                    | "PAYMENT.CAPTURE.REFUNDED"
            );
            assert!(!mapped, "{kind} without a payment report");
            return;
        };
        let PaymentReport::Order {
            reference, event, ..
        } = payment
        else {
            panic!("{kind} reported {payment:?}");
        };
        assert!(!reference.trim().is_empty(), "a report without a reference");
        let capture_id = match (kind, &event) {
            ("CHECKOUT.ORDER.APPROVED", OrderEvent::Approved) => None,
            ("PAYMENT.CAPTURE.COMPLETED", OrderEvent::CaptureCompleted { capture }) => {
                Some(&capture.capture_id)
            }
            ("PAYMENT.CAPTURE.PENDING", OrderEvent::CapturePending { capture_id })
            | (
                "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.DECLINED",
                OrderEvent::CaptureDenied { capture_id },
            )
            | ("PAYMENT.CAPTURE.REFUNDED", OrderEvent::CaptureRefunded { capture_id }) => {
                Some(capture_id)
            }
            _ => panic!("{kind} reported {event:?}"),
        };
        if let Some(capture_id) = capture_id {
            assert!(!capture_id.trim().is_empty(), "{kind} without a capture id");
        }
    }
});
