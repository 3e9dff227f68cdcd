//! Stripe v1 events into payment reports.
//!
//! The fixtures in `tests/fixtures/events/` follow Stripe's event envelope (stripe/stripe-dotnet:
//! src/StripeTests/Resources/event_test_signature.json) and objects as Stripe sends them (the
//! API reference's Subscription, Invoice and SetupIntent examples; the event payloads of
//! pay-rails/pay: test/support/fixtures/stripe/subscription.trial_will_end.json and
//! invoice.payment_failed.json). Invoices come in both shapes: `subscription` at the top level
//! (API versions before 2025-03-31.basil) and `parent.subscription_details.subscription`
//! (2025-03-31.basil and later).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::path::PathBuf;

use onramp_domain::ports::{PaymentReport, SubscriptionStatus};
use onramp_stripe::webhook::{self, ParsedWebhook, PayloadError, WebhookRequest};
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "sub_1MowQVLkdIwHu7ixeRlqHVzs";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::read(path.join(name)).unwrap()
}

fn event(name: &str) -> Value {
    serde_json::from_slice(&fixture(&format!("events/{name}.json"))).unwrap()
}

fn request(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/stripe".into(),
        headers: http::HeaderMap::new(),
        body: body.to_vec().into(),
    }
}

fn parse_value(value: &Value) -> Result<ParsedWebhook, PayloadError> {
    webhook::parse(&request(&serde_json::to_vec(value).unwrap()))
}

fn parse_fixture(name: &str) -> ParsedWebhook {
    let parsed = webhook::parse(&request(&fixture(&format!("events/{name}.json")))).unwrap();
    assert_eq!(parsed.report, None, "{name}: no delivery report");
    parsed
}

fn subscription_report(
    status: Option<SubscriptionStatus>,
    trial_will_end: bool,
    created: i64,
) -> Option<PaymentReport> {
    Some(PaymentReport::Subscription {
        subscription: SUBSCRIPTION.into(),
        status,
        trial_will_end,
        created,
    })
}

#[test]
fn a_created_subscription_reports_its_trial() {
    let parsed = parse_fixture("customer.subscription.created");
    assert_eq!(parsed.event_id, "evt_1MowQWLkdIwHu7ixhq5GWb5W");
    assert_eq!(parsed.event_type, "customer.subscription.created");
    assert_eq!(
        parsed.payment,
        subscription_report(Some(SubscriptionStatus::Trialing), false, 1_680_800_505)
    );
}

#[test]
fn trial_will_end_is_flagged() {
    let parsed = parse_fixture("customer.subscription.trial_will_end");
    assert_eq!(
        parsed.payment,
        subscription_report(Some(SubscriptionStatus::Trialing), true, 1_681_146_104)
    );
}

#[test]
fn an_updated_subscription_reports_its_new_status_not_the_previous_one() {
    let parsed = parse_fixture("customer.subscription.updated");
    assert_eq!(
        parsed.payment,
        subscription_report(Some(SubscriptionStatus::Active), false, 1_681_405_306)
    );
}

#[test]
fn paused_resumed_and_deleted_subscriptions_report_their_status() {
    for (name, status, created) in [
        (
            "customer.subscription.paused",
            SubscriptionStatus::Paused,
            1_681_405_307,
        ),
        (
            "customer.subscription.resumed",
            SubscriptionStatus::Active,
            1_681_490_000,
        ),
        (
            "customer.subscription.deleted",
            SubscriptionStatus::Canceled,
            1_681_405_308,
        ),
    ] {
        let parsed = parse_fixture(name);
        assert_eq!(parsed.event_type, name);
        assert_eq!(
            parsed.payment,
            subscription_report(Some(status), false, created),
            "{name}"
        );
    }
}

#[test]
fn the_zero_first_invoice_of_a_trial_changes_nothing() {
    let parsed = parse_fixture("invoice.paid.subscription_create");
    assert_eq!(
        parsed.payment,
        subscription_report(None, false, 1_680_800_506)
    );
}

#[test]
fn a_paid_renewal_invoice_in_the_newer_shape_makes_the_subscription_active() {
    let parsed = parse_fixture("invoice.paid.subscription_cycle");
    assert_eq!(parsed.event_type, "invoice.paid");
    assert_eq!(
        parsed.payment,
        subscription_report(Some(SubscriptionStatus::Active), false, 1_681_405_309)
    );
}

#[test]
fn a_paid_renewal_invoice_in_the_older_shape_makes_the_subscription_active() {
    let mut value = event("invoice.paid.subscription_cycle");
    let object = value["data"]["object"].as_object_mut().unwrap();
    object.remove("parent");
    object.insert("subscription".into(), json!(SUBSCRIPTION));
    assert_eq!(
        parse_value(&value).unwrap().payment,
        subscription_report(Some(SubscriptionStatus::Active), false, 1_681_405_309)
    );
}

#[test]
fn an_expanded_invoice_subscription_is_read_by_its_id() {
    let mut value = event("invoice.payment_failed");
    value["data"]["object"]["subscription"] = json!({"id": SUBSCRIPTION, "object": "subscription"});
    assert_eq!(
        parse_value(&value).unwrap().payment,
        subscription_report(Some(SubscriptionStatus::PastDue), false, 1_681_405_310)
    );
}

#[test]
fn a_paid_update_invoice_is_active_only_when_money_was_paid() {
    let parsed = parse_fixture("invoice.payment_succeeded.subscription_update");
    assert_eq!(parsed.event_type, "invoice.payment_succeeded");
    assert_eq!(
        parsed.payment,
        subscription_report(Some(SubscriptionStatus::Active), false, 1_681_407_000)
    );
    let mut free = event("invoice.payment_succeeded.subscription_update");
    free["data"]["object"]["amount_paid"] = json!(0);
    assert_eq!(
        parse_value(&free).unwrap().payment,
        subscription_report(None, false, 1_681_407_000)
    );
}

#[test]
fn a_subscription_create_invoice_is_never_reported_active() {
    let mut value = event("invoice.paid.subscription_create");
    value["data"]["object"]["amount_paid"] = json!(1000);
    assert_eq!(
        parse_value(&value).unwrap().payment,
        subscription_report(None, false, 1_680_800_506)
    );
}

#[test]
fn a_failed_invoice_payment_makes_the_subscription_past_due_in_both_shapes() {
    for (name, created) in [
        ("invoice.payment_failed", 1_681_405_310),
        ("invoice.payment_failed.basil", 1_681_405_311),
    ] {
        let parsed = parse_fixture(name);
        assert_eq!(parsed.event_type, "invoice.payment_failed");
        assert_eq!(
            parsed.payment,
            subscription_report(Some(SubscriptionStatus::PastDue), false, created),
            "{name}"
        );
    }
}

#[test]
fn an_invoice_of_no_subscription_reports_nothing() {
    let mut value = event("invoice.paid.subscription_cycle");
    value["data"]["object"]["parent"] = Value::Null;
    let parsed = parse_value(&value).unwrap();
    assert_eq!(parsed.event_type, "invoice.paid");
    assert_eq!(parsed.payment, None);
}

#[test]
fn a_setup_intent_event_is_kept_with_its_status() {
    let parsed = parse_fixture("setup_intent.succeeded");
    assert_eq!(
        parsed.payment,
        Some(PaymentReport::SetupIntent {
            setup_intent: "seti_1Mm8s8LkdIwHu7ix0OXBfTRG".into(),
            status: "succeeded".into(),
            created: 1_678_942_625,
        })
    );
}

#[test]
fn other_event_types_parse_without_a_report() {
    let parsed = parse_fixture("payment_intent.amount_capturable_updated");
    assert_eq!(parsed.event_id, "evt_3MtwBxLkdIwHu7ix0c2H5wF1");
    assert_eq!(parsed.payment, None);
    // stripe-dotnet's signed fixture, a customer.created event.
    let parsed = webhook::parse(&request(&fixture("event_test_signature.json"))).unwrap();
    assert_eq!(parsed.event_id, "evt_123");
    assert_eq!(parsed.event_type, "customer.created");
    assert_eq!(parsed.payment, None);
}

#[test]
fn a_thin_event_is_refused() {
    // stripe-dotnet EventUtilityTest `RejectV2PayloadInParseEvent`.
    let thin = br#"{
        "id": "evt_234",
        "object": "v2.core.event",
        "type": "v1.billing.meter.error_report_triggered",
        "created": "2022-02-15T00:27:45.330Z",
        "livemode": true
    }"#;
    let e = webhook::parse(&request(thin)).unwrap_err();
    assert!(e.0.contains("v2.core.event"), "{e}");
}

#[test]
fn garbage_is_refused() {
    for body in [
        &b"this is not valid json"[..],
        b"",
        b"[]",
        b"{}",
        br#"{"id":"evt_1","object":"customer"}"#,
        br#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#,
        br#"{"id":"","object":"event","type":"invoice.paid","created":1,"data":{"object":{}}}"#,
        br#"{"id":"evt_1","object":"event","type":"","created":1,"data":{"object":{}}}"#,
    ] {
        let result = webhook::parse(&request(body));
        assert!(
            result.is_err(),
            "{:?}: {result:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn a_subscription_event_without_what_it_is_read_for_is_refused() {
    let mut no_status = event("customer.subscription.updated");
    no_status["data"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    assert!(parse_value(&no_status).is_err());

    let mut unknown_status = event("customer.subscription.updated");
    unknown_status["data"]["object"]["status"] = json!("frozen");
    let e = parse_value(&unknown_status).unwrap_err();
    assert!(e.0.contains("frozen"), "{e}");

    let mut empty_id = event("customer.subscription.deleted");
    empty_id["data"]["object"]["id"] = json!("");
    assert!(parse_value(&empty_id).is_err());

    let mut no_seti_id = event("setup_intent.succeeded");
    no_seti_id["data"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    assert!(parse_value(&no_seti_id).is_err());
}
