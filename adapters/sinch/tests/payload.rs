//! Parsing of real-shaped Sinch webhook bodies (SDK fixtures, see tests/fixtures/README.md).

use http::HeaderMap;
use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_sinch::webhook::{self, PayloadError, WebhookRequest};

fn post(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/sinch".into(),
        headers: HeaderMap::new(),
        body: body.to_vec().into(),
    }
}

fn report(provider_ref: &str, status: ReportedStatus) -> Option<DeliveryReport> {
    Some(DeliveryReport {
        provider: ProviderId::Sinch,
        provider_ref: provider_ref.into(),
        status,
    })
}

fn with_field(fixture: &[u8], field: &str, value: &str) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(fixture).expect("fixture is JSON");
    json[field] = serde_json::Value::String(value.into());
    serde_json::to_vec(&json).expect("JSON serializes")
}

const RESULT: &[u8] = include_bytes!("fixtures/verification_result_event.json");
const REQUEST: &[u8] = include_bytes!("fixtures/verification_request_event.json");
const SMS_DELIVERED: &[u8] = include_bytes!("fixtures/verification_sms_delivered_event.json");
const DELIVERY_RECEIPT: &[u8] = include_bytes!("fixtures/message_delivery_receipt_event.json");
const CONTACT_EVENT: &[u8] = include_bytes!("fixtures/conversation_webhooks_auth_validation.json");

#[test]
fn a_denied_result_is_not_a_delivery_failure() {
    let parsed = webhook::parse(&post(RESULT)).unwrap();
    assert_eq!(parsed.event_id, "1234567890:VerificationResultEvent:DENIED");
    assert_eq!(parsed.event_type, "VerificationResultEvent");
    assert_eq!(
        parsed.report,
        report(
            "1234567890",
            ReportedStatus::Other {
                status: "denied: Fraud".into()
            }
        )
    );
}

#[test]
fn a_result_saying_the_phone_was_unreachable_is_a_delivery_failure() {
    let mut json: serde_json::Value = serde_json::from_slice(RESULT).unwrap();
    json["status"] = "FAIL".into();
    json["reason"] = "Network error or number unreachable".into();
    let parsed = webhook::parse(&post(&serde_json::to_vec(&json).unwrap())).unwrap();
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "Network error or number unreachable".into()
        }
    );
}

#[test]
fn a_successful_result_is_kept_for_the_audit_trail() {
    let body = with_field(RESULT, "status", "SUCCESSFUL");
    let parsed = webhook::parse(&post(&body)).unwrap();
    assert_eq!(
        parsed.event_id,
        "1234567890:VerificationResultEvent:SUCCESSFUL"
    );
    assert_eq!(
        parsed.report,
        report(
            "1234567890",
            ReportedStatus::Other {
                status: "successful".into()
            }
        )
    );
}

#[test]
fn a_wrong_code_or_an_expiry_never_reads_as_a_delivery_failure() {
    for status in ["FAIL", "DENIED", "ABORTED", "ERROR"] {
        for reason in ["Invalid code", "Expired", "Fraud"] {
            let mut json: serde_json::Value = serde_json::from_slice(RESULT).unwrap();
            json["status"] = status.into();
            json["reason"] = reason.into();
            let parsed = webhook::parse(&post(&serde_json::to_vec(&json).unwrap())).unwrap();
            assert!(
                matches!(parsed.report.unwrap().status, ReportedStatus::Other { .. }),
                "{status} {reason}"
            );
        }
    }
}

#[test]
fn a_failure_without_reason_is_named_by_its_status() {
    let mut json: serde_json::Value = serde_json::from_slice(RESULT).unwrap();
    json["status"] = "ERROR".into();
    json.as_object_mut().unwrap().remove("reason");
    let parsed = webhook::parse(&post(&serde_json::to_vec(&json).unwrap())).unwrap();
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Other {
            status: "error".into()
        }
    );
}

#[test]
fn a_pending_result_is_another_status() {
    let body = with_field(RESULT, "status", "PENDING");
    let parsed = webhook::parse(&post(&body)).unwrap();
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Other {
            status: "pending".into()
        }
    );
}

#[test]
fn a_request_event_is_recorded_as_requested() {
    let parsed = webhook::parse(&post(REQUEST)).unwrap();
    assert_eq!(parsed.event_id, "1234567890:VerificationRequestEvent");
    assert_eq!(parsed.event_type, "VerificationRequestEvent");
    assert_eq!(
        parsed.report,
        report(
            "1234567890",
            ReportedStatus::Other {
                status: "requested".into()
            }
        )
    );
}

#[test]
fn sms_delivery_events_report_the_delivery() {
    let failed = webhook::parse(&post(SMS_DELIVERED)).unwrap();
    assert_eq!(
        failed.event_id,
        "1234567890:VerificationSmsDeliveredEvent:Failed"
    );
    assert_eq!(
        failed.report,
        report(
            "1234567890",
            ReportedStatus::Failed {
                reason: "Failed".into()
            }
        )
    );
    let body = with_field(SMS_DELIVERED, "smsResult", "Successful");
    let delivered = webhook::parse(&post(&body)).unwrap();
    assert_eq!(
        delivered.report,
        report("1234567890", ReportedStatus::Delivered)
    );
}

#[test]
fn a_conversation_delivery_report_is_matched_by_message_id() {
    let parsed = webhook::parse(&post(DELIVERY_RECEIPT)).unwrap();
    assert_eq!(
        parsed.event_id,
        "message id:message_delivery_report:DELIVERED"
    );
    assert_eq!(parsed.event_type, "message_delivery_report");
    assert_eq!(
        parsed.report,
        report("message id", ReportedStatus::Delivered)
    );
}

#[test]
fn conversation_delivery_statuses_map_to_reported_statuses() {
    let cases = [
        ("QUEUED_ON_CHANNEL", ReportedStatus::Sent),
        ("READ", ReportedStatus::Delivered),
        (
            "FAILED",
            ReportedStatus::Failed {
                reason: "RECIPIENT_NOT_OPTED_IN".into(),
            },
        ),
        (
            "SWITCHING_CHANNEL",
            ReportedStatus::Other {
                status: "switching_channel".into(),
            },
        ),
    ];
    for (status, expected) in cases {
        let mut json: serde_json::Value = serde_json::from_slice(DELIVERY_RECEIPT).unwrap();
        json["message_delivery_report"]["status"] = status.into();
        let parsed = webhook::parse(&post(&serde_json::to_vec(&json).unwrap())).unwrap();
        assert_eq!(parsed.report.unwrap().status, expected, "{status}");
    }
}

#[test]
fn other_conversation_callbacks_carry_no_report() {
    let parsed = webhook::parse(&post(CONTACT_EVENT)).unwrap();
    assert_eq!(parsed.report, None);
    assert_eq!(parsed.event_type, "event");
    assert!(parsed.event_id.starts_with("sha256:"));
    assert_eq!(
        parsed.event_id,
        webhook::parse(&post(CONTACT_EVENT)).unwrap().event_id
    );
}

#[test]
fn a_conversation_notification_is_named_by_its_payload_field() {
    let body = br#"{"app_id":"","project_id":"p","contact_create_notification":{"contact":{"id":"c"}},"message_metadata":""}"#;
    let parsed = webhook::parse(&post(body)).unwrap();
    assert_eq!(parsed.event_type, "contact_create_notification");
    assert_eq!(parsed.report, None);
}

#[test]
fn an_unnamed_callback_is_of_unknown_type() {
    for body in [&br#"{"event": ""}"#[..], br#"{"": {}}"#, b"{}"] {
        let parsed = webhook::parse(&post(body)).unwrap();
        assert_eq!(
            parsed.event_type,
            "unknown",
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn bodies_that_are_not_json_objects_are_refused() {
    for body in [&b"not json"[..], b"[1,2]", b"\"text\"", b""] {
        assert!(webhook::parse(&post(body)).is_err(), "{body:?}");
    }
}

#[test]
fn verification_events_without_id_or_status_are_refused() {
    let no_id = br#"{"event": "VerificationResultEvent", "status": "FAIL"}"#;
    let no_status = br#"{"id": "1", "event": "VerificationResultEvent"}"#;
    let no_result = br#"{"id": "1", "event": "VerificationSmsDeliveredEvent"}"#;
    let no_message = br#"{"message_delivery_report": {"status": "FAILED"}}"#;
    for body in [&no_id[..], no_status, no_result, no_message] {
        assert!(
            matches!(webhook::parse(&post(body)), Err(PayloadError(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn unknown_verification_events_carry_no_report() {
    let body = br#"{"id": "1", "event": "VerificationSomethingNewEvent"}"#;
    let parsed = webhook::parse(&post(body)).unwrap();
    assert_eq!(parsed.event_id, "1:VerificationSomethingNewEvent");
    assert_eq!(parsed.report, None);
}
