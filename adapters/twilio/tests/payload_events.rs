//! Parsing of Event Streams deliveries: a JSON array of CloudEvents, with the examples of
//! <https://www.twilio.com/docs/events/event-types/verify/message-status>,
//! <https://www.twilio.com/docs/events/event-types/verify/verification-attempt-dlr>,
//! <https://www.twilio.com/docs/events/event-types/verify/verification-status>,
//! <https://www.twilio.com/docs/events/event-types/messaging/outbound-message> and
//! <https://www.twilio.com/docs/events/webhook-quickstart> (the test event).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::hooks::*;
use onramp_domain::ports::ReportedStatus;
use onramp_twilio::webhook::parse;
use serde_json::json;

const VERIFICATION_SID: &str = "VE0000000000000000000000000000001";

fn verify_message_event(status: &str, error_code: &str) -> serde_json::Value {
    json!({
        "specversion": "1.0",
        "type": format!("com.twilio.accountsecurity.verify.message.{}", status.to_lowercase()),
        "source": "AB00000000000000000000000001",
        "id": "NO00000000000000000000000001",
        "dataschema": "https://events-schemas.twilio.com/AccountSecurity.MessageStatusEvent/2",
        "datacontenttype": "2025-10-08T07:17:02.363Z",
        "data": {
            "created_at": "2025-01-01T00:00:00.000Z",
            "account_sid": "AC0000000000000000000000000000001",
            "service_sid": "VA0000000000000000000000000000001",
            "verification_sid": VERIFICATION_SID,
            "attempt_sid": "VL0000000000000000000000000000001",
            "error_code": error_code,
            "channel": "SMS",
            "message_status": status,
            "has_fallback": false,
            "is_fallback": false,
            "mnc": "460",
            "mcc": "05",
            "to": "+919999999999",
            "number_segments": 2,
            "tags": { "custom_tag": "hello_world_of_tags" }
        }
    })
}

#[test]
fn a_verify_message_delivered_event_is_delivered() {
    let parsed = parse(&json_request(json!([verify_message_event(
        "DELIVERED",
        ""
    )])))
    .unwrap();
    assert_eq!(
        parsed.event_type,
        "com.twilio.accountsecurity.verify.message.delivered"
    );
    assert_eq!(parsed.event_id, "NO00000000000000000000000001");
    assert_eq!(
        parsed.report,
        report(VERIFICATION_SID, ReportedStatus::Delivered)
    );
}

#[test]
fn a_verify_message_undelivered_event_fails_with_its_code() {
    let parsed = parse(&json_request(json!([verify_message_event(
        "UNDELIVERED",
        "30003"
    )])))
    .unwrap();
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "undelivered (30003)".into()
        }
    );
}

#[test]
fn an_attempt_dlr_event_is_read() {
    let event = json!({
        "specversion": "1.0",
        "type": "com.twilio.accountsecurity.verify.attempt-dlr.delivered",
        "source": "AB00000000000000000000000001",
        "id": "NO00000000000000000000000002",
        "data": {
            "verification_sid": VERIFICATION_SID,
            "attempt_sid": "VL0000000000000000000000000000001",
            "error_code": "",
            "channel": "SMS",
            "dlr_status": "DELIVERED",
            "to": "+573145324545"
        }
    });
    let parsed = parse(&json_request(json!([event]))).unwrap();
    assert_eq!(
        parsed.report,
        report(VERIFICATION_SID, ReportedStatus::Delivered)
    );
}

#[test]
fn a_verification_status_event_is_other() {
    let event = json!({
        "specversion": "1.0",
        "type": "com.twilio.accountsecurity.verify.verification.canceled",
        "source": "AB00000000000000000000000001",
        "id": "NO00000000000000000000000003",
        "data": {
            "account_sid": "AC0000000000000000000000000000001",
            "service_sid": "VA0000000000000000000000000000001",
            "verification_sid": VERIFICATION_SID,
            "to": "+11234567890",
            "verification_status": "CANCELED"
        }
    });
    let parsed = parse(&json_request(json!([event]))).unwrap();
    assert_eq!(
        parsed.report,
        report(
            VERIFICATION_SID,
            ReportedStatus::Other {
                status: "canceled".into()
            }
        )
    );
}

#[test]
fn a_messaging_event_is_read() {
    let event = json!({
        "specversion": "1.0",
        "type": "com.twilio.messaging.message.undelivered",
        "source": "/2010-04-01/Accounts/AC0000000000000000000000000000001/Messages/SM0000000000000000000000000000001.json",
        "id": "EZ00000000000000000000000000000001",
        "data": {
            "messageSid": "SM0000000000000000000000000000001",
            "timestamp": "2025-01-01T00:00:00.000Z",
            "accountSid": "AC0000000000000000000000000000001",
            "messageStatus": "UNDELIVERED",
            "errorCode": 30005,
            "to": "+15558675310"
        }
    });
    let parsed = parse(&json_request(json!([event]))).unwrap();
    assert_eq!(
        parsed.report,
        report(
            "SM0000000000000000000000000000001",
            ReportedStatus::Failed {
                reason: "undelivered (30005)".into()
            }
        )
    );
}

#[test]
fn an_event_of_another_product_has_no_report() {
    let event = json!({
        "specversion": "1.0",
        "type": "com.twilio.eventstreams.test-event",
        "source": "Sink",
        "id": "AC11111111111111111111111111111111",
        "dataschema": "https://events-schemas.twilio.com/EventStreams.TestSink/1.json",
        "datacontenttype": "application/json",
        "time": "2026-06-10T06:02:54.377Z",
        "data": { "test_id": "cae2f9e2-c277-4612-8ad3-93c1a7a3ef88" }
    });
    let parsed = parse(&json_request(json!([event]))).unwrap();
    assert_eq!(parsed.event_type, "com.twilio.eventstreams.test-event");
    assert_eq!(parsed.report, None);
}

#[test]
fn a_batch_reports_its_most_decisive_event_under_a_batch_id() {
    let mut sent = verify_message_event("SENT", "");
    sent["id"] = json!("NO1");
    let mut failed = verify_message_event("FAILED", "30008");
    failed["id"] = json!("NO2");
    let parsed = parse(&json_request(json!([sent, failed]))).unwrap();
    assert_eq!(parsed.event_id, "NO1,NO2");
    assert_eq!(
        parsed.event_type,
        "com.twilio.accountsecurity.verify.message.failed"
    );
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "failed (30008)".into()
        }
    );
}

#[test]
fn a_known_event_without_its_sid_is_refused() {
    let mut event = verify_message_event("DELIVERED", "");
    event["data"]
        .as_object_mut()
        .unwrap()
        .remove("verification_sid");
    let e = parse(&json_request(json!([event]))).unwrap_err();
    assert!(e.0.contains("verification_sid"), "{e}");
}

#[test]
fn json_that_is_not_cloud_events_is_refused() {
    assert!(parse(&json_request(json!([{"no": "type"}]))).is_err());
    assert!(parse(&json_request(json!("text"))).is_err());
    assert!(parse(&json_request(json!([]))).is_err());
    assert!(parse(&callback(b"{not json", "application/json", None)).is_err());
}

#[test]
fn a_json_body_is_recognised_without_its_content_type() {
    let body = json!([verify_message_event("DELIVERED", "")]).to_string();
    let parsed = parse(&callback(body.as_bytes(), "text/plain", None)).unwrap();
    assert_eq!(
        parsed.report,
        report(VERIFICATION_SID, ReportedStatus::Delivered)
    );
}
