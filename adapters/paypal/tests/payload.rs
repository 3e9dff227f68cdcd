//! Parsing of PayPal webhook bodies into payment reports, on real deliveries and PayPal's
//! samples (`tests/fixtures/events/`, sources in `tests/fixtures/SOURCES.md`), and refusals of
//! bodies that cannot be PayPal's.
#![allow(clippy::unwrap_used)]

use onramp_domain::money::Money;
use onramp_domain::ports::{CaptureInfo, CaptureStatus, OrderEvent, PaymentReport};
use onramp_paypal::webhook::{self, ParsedWebhook, PayloadError, WebhookRequest};
use serde_json::{Value, json};

const APPROVED: &str = include_str!("fixtures/events/checkout_order_approved.json");
const COMPLETED: &str = include_str!("fixtures/events/payment_capture_completed.json");
const COMPLETED_2019: &str = include_str!("fixtures/events/payment_capture_completed_2019.json");
const REFUNDED: &str = include_str!("fixtures/events/payment_capture_refunded.json");

fn parse(body: &str) -> Result<ParsedWebhook, PayloadError> {
    webhook::parse(&WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/paypal".into(),
        headers: http::HeaderMap::new(),
        body: body.as_bytes().to_vec().into(),
    })
}

/// The capture-completed sample as another capture event: `event_type` and the resource's
/// `status` changed, everything else as PayPal sends it.
fn capture_event(event_type: &str, status: &str) -> String {
    let mut event: Value = serde_json::from_str(COMPLETED).unwrap();
    event["event_type"] = json!(event_type);
    event["resource"]["status"] = json!(status);
    event.to_string()
}

fn order_report(parsed: &ParsedWebhook) -> (&str, &OrderEvent, i64) {
    match parsed.payment.as_ref().unwrap() {
        PaymentReport::Order {
            reference,
            event,
            created,
        } => (reference.as_str(), event, *created),
        other => panic!("expected an order report, got {other:?}"),
    }
}

#[test]
fn an_approved_order_is_reported_by_its_id_at_the_events_create_time() {
    let parsed = parse(APPROVED).unwrap();
    assert_eq!(parsed.event_id, "WH-0P278929J6773033B-7AG62714UP6094215");
    assert_eq!(parsed.event_type, "CHECKOUT.ORDER.APPROVED");
    assert!(parsed.report.is_none());
    let (reference, event, created) = order_report(&parsed);
    assert_eq!(reference, "2TB29565DT436623J");
    assert_eq!(event, &OrderEvent::Approved);
    assert_eq!(created, 1_587_268_260); // 2020-04-19T03:51:00.377Z, fraction dropped
}

#[test]
fn a_completed_capture_is_reported_against_its_order_with_the_capture() {
    let parsed = parse(COMPLETED).unwrap();
    let (reference, event, created) = order_report(&parsed);
    assert_eq!(reference, "1AB234567A1234567");
    assert_eq!(created, 1_550_181_007); // 2019-02-14T21:50:07.940Z
    assert_eq!(
        event,
        &OrderEvent::CaptureCompleted {
            capture: CaptureInfo {
                capture_id: "12A34567BC123456S".into(),
                status: CaptureStatus::Completed,
                amount: Money::new(3000, "USD").unwrap(),
                payer_email: None,
            }
        }
    );
}

#[test]
fn a_capture_without_supplementary_data_finds_its_order_in_the_up_link() {
    let parsed = parse(COMPLETED_2019).unwrap();
    let (reference, event, _) = order_report(&parsed);
    assert_eq!(reference, "5VP80671WW592730F");
    assert!(
        matches!(event, OrderEvent::CaptureCompleted { capture }
            if capture.capture_id == "2SL91519719136804" && capture.amount == Money::new(1, "EUR").unwrap()),
        "{event:?}"
    );
}

#[test]
fn a_capture_naming_no_order_is_reported_by_its_own_id() {
    let mut event: Value = serde_json::from_str(COMPLETED).unwrap();
    let resource = event["resource"].as_object_mut().unwrap();
    resource.remove("supplementary_data");
    resource.remove("links");
    let parsed = parse(&event.to_string()).unwrap();
    assert_eq!(order_report(&parsed).0, "12A34567BC123456S");
}

#[test]
fn a_pending_capture_is_reported_pending() {
    let parsed = parse(&capture_event("PAYMENT.CAPTURE.PENDING", "PENDING")).unwrap();
    let (reference, event, _) = order_report(&parsed);
    assert_eq!(reference, "1AB234567A1234567");
    assert_eq!(
        event,
        &OrderEvent::CapturePending {
            capture_id: "12A34567BC123456S".into()
        }
    );
}

#[test]
fn denied_and_declined_captures_are_reported_denied() {
    for (event_type, status) in [
        ("PAYMENT.CAPTURE.DENIED", "DECLINED"),
        ("PAYMENT.CAPTURE.DECLINED", "DECLINED"),
    ] {
        let parsed = parse(&capture_event(event_type, status)).unwrap();
        let (reference, event, _) = order_report(&parsed);
        assert_eq!(reference, "1AB234567A1234567");
        assert_eq!(
            event,
            &OrderEvent::CaptureDenied {
                capture_id: "12A34567BC123456S".into()
            },
            "{event_type}"
        );
    }
}

#[test]
fn a_refund_naming_only_its_capture_is_reported_by_the_capture() {
    let parsed = parse(REFUNDED).unwrap();
    let (reference, event, created) = order_report(&parsed);
    assert_eq!(reference, "0JF852973C016714D");
    assert_eq!(
        event,
        &OrderEvent::CaptureRefunded {
            capture_id: "0JF852973C016714D".into()
        }
    );
    assert_eq!(created, 1_534_360_444); // 2018-08-15T19:14:04.543Z
}

#[test]
fn a_refund_naming_its_order_is_reported_by_the_order() {
    let mut event: Value = serde_json::from_str(REFUNDED).unwrap();
    event["resource"]["supplementary_data"] = json!({"related_ids": {"order_id": "5O190127TN364715T", "capture_id": "3C679366HH908993F"}});
    let parsed = parse(&event.to_string()).unwrap();
    let (reference, event, _) = order_report(&parsed);
    assert_eq!(reference, "5O190127TN364715T");
    assert_eq!(
        event,
        &OrderEvent::CaptureRefunded {
            capture_id: "3C679366HH908993F".into()
        }
    );
}

#[test]
fn a_refund_naming_no_capture_is_refused() {
    let mut event: Value = serde_json::from_str(REFUNDED).unwrap();
    event["resource"]["links"] = json!([]);
    let e = parse(&event.to_string()).unwrap_err();
    assert!(e.0.contains("names no capture"), "{e}");
}

#[test]
fn other_event_types_parse_without_a_payment() {
    let java = include_str!("fixtures/java_sdk_event.json");
    let parsed = parse(java).unwrap();
    assert_eq!(parsed.event_type, "PAYMENTS.PAYMENT.CREATED");
    assert!(parsed.payment.is_none() && parsed.report.is_none());
    let reversed = json!({"id": "WH-2", "event_type": "CHECKOUT.PAYMENT-APPROVAL.REVERSED",
        "create_time": "2024-01-01T00:00:00Z", "resource": {"order_id": "5O190127TN364715T"}});
    assert!(parse(&reversed.to_string()).unwrap().payment.is_none());
}

#[test]
fn garbage_and_empty_envelopes_are_refused() {
    for body in [
        "",
        "not json",
        "[]",
        r#"{"event_type":"CHECKOUT.ORDER.APPROVED"}"#,
        r#"{"id":"","event_type":"CHECKOUT.ORDER.APPROVED"}"#,
        r#"{"id":"WH-1","event_type":" "}"#,
    ] {
        assert!(parse(body).is_err(), "{body:?}");
    }
}

#[test]
fn a_payment_event_without_its_resource_or_time_is_refused() {
    let mut no_resource: Value = serde_json::from_str(APPROVED).unwrap();
    no_resource.as_object_mut().unwrap().remove("resource");
    assert!(
        parse(&no_resource.to_string())
            .unwrap_err()
            .0
            .contains("resource")
    );

    let mut no_time: Value = serde_json::from_str(APPROVED).unwrap();
    no_time.as_object_mut().unwrap().remove("create_time");
    assert!(
        parse(&no_time.to_string())
            .unwrap_err()
            .0
            .contains("create_time")
    );

    let mut bad_time: Value = serde_json::from_str(APPROVED).unwrap();
    bad_time["create_time"] = json!("19/04/2020");
    assert!(
        parse(&bad_time.to_string())
            .unwrap_err()
            .0
            .contains("RFC 3339")
    );
}

#[test]
fn a_completed_capture_with_an_unusable_amount_or_id_is_refused() {
    let mut bad_amount: Value = serde_json::from_str(COMPLETED).unwrap();
    bad_amount["resource"]["amount"]["value"] = json!("30.001");
    assert!(
        parse(&bad_amount.to_string())
            .unwrap_err()
            .0
            .contains("amount")
    );

    let mut no_id: Value = serde_json::from_str(COMPLETED).unwrap();
    no_id["resource"]["id"] = json!("");
    assert!(parse(&no_id.to_string()).is_err());

    let pending_without_id = capture_event("PAYMENT.CAPTURE.PENDING", "PENDING")
        .replace(r#""id":"12A34567BC123456S""#, r#""id":"""#);
    assert!(parse(&pending_without_id).is_err());
}
