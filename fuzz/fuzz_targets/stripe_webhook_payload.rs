//! `onramp_stripe::webhook::parse` takes untrusted bytes (after a valid signature, but still):
//! it never panics; an event it accepts has a non-empty id and type and no delivery report;
//! and it reports a payment exactly for the subscription and SetupIntent events (and, when the
//! invoice names a subscription, the three invoice events), always with a non-empty reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::PaymentReport;
use onramp_stripe::webhook::{self, WebhookRequest};

const SUBSCRIPTION_EVENTS: [&str; 6] = [
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
];
const INVOICE_EVENTS: [&str; 3] = [
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
];

fuzz_target!(|body: &[u8]| {
    let request = WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/stripe".into(),
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
            "a Stripe event reports a code delivery"
        );
        let kind = event.event_type.as_str();
        match &event.payment {
            Some(PaymentReport::Subscription {
                subscription,
                status,
                trial_will_end,
                ..
            }) => {
                let subscription_event = SUBSCRIPTION_EVENTS.contains(&kind);
                assert!(
                    subscription_event || INVOICE_EVENTS.contains(&kind),
                    "{kind}"
                );
                assert!(
                    !subscription.trim().is_empty(),
                    "a report without a subscription id"
                );
                assert_eq!(
                    *trial_will_end,
                    kind == "customer.subscription.trial_will_end"
                );
                if subscription_event {
                    assert!(status.is_some(), "{kind} without a status");
                }
            }
            Some(PaymentReport::SetupIntent { setup_intent, .. }) => {
                assert!(kind.starts_with("setup_intent."), "{kind}");
                assert!(
                    !setup_intent.trim().is_empty(),
                    "a report without a SetupIntent id"
                );
            }
            Some(other) => panic!("{kind} reported {other:?}"),
            None => {
                let always =
                    SUBSCRIPTION_EVENTS.contains(&kind) || kind.starts_with("setup_intent.");
                assert!(!always, "{kind} without a payment report");
            }
        }
    }
});
