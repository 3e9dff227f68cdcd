//! Parsing of Telnyx webhook bodies shaped like the real ones.
//!
//! [`DELIVERED`] is the example of doc https://developers.telnyx.com/docs/identity/verify/receiving-webhooks
//! ("Delivery status Payload"), byte for byte. The `verify.sent` and `verify.failed` bodies are
//! the same event with the event type and `delivery_status` the same page lists for them
//! (`sent`; `sending_failed`, `delivery_failed`); the page shows no example of those two.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_provider_kit::webhook::{PayloadError, WebhookRequest};
use onramp_telnyx::webhook;

const DELIVERED: &str = r#"{
  "data": {
    "event_type": "verify.delivered",
    "id": "3bb6321b-abd5-4d60-8cf8-1e6026bb1c41",
    "occurred_at": "2025-10-08T17:16:09.602+00:00",
    "payload": {
      "created_at": "2025-10-08T17:16:08.436941",
      "custom_code": "25565",
      "delivery_status": "delivered",
      "extension": null,
      "failed_attempts": 0,
      "id": "010d9dee-d86d-47d0-8d6c-20c0f95a79ec",
      "mccmnc": null,
      "phone_number": "+13125000000",
      "profile_id": "49000192-1bdb-c56f-3de7-e008ef6da16b",
      "record_type": "verification",
      "status": "pending",
      "timeout_secs": null,
      "type": "sms",
      "updated_at": "2025-10-08T17:16:09.592765"
    },
    "record_type": "event"
  },
  "meta": {
    "attempt": 1,
    "delivered_to": "https://webhook.site/af3a92e7-e150-442c-9fe6-61658ce26b1a"
  }
}"#;

/// A `message.finalized` event, shortened from doc
/// https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks.
const MESSAGE_FINALIZED: &str = r#"{
  "data": {
    "event_type": "message.finalized",
    "id": "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be",
    "occurred_at": "2019-12-09T21:32:14.148+00:00",
    "payload": {
      "completed_at": "2019-12-09T21:32:14.148+00:00",
      "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
      "to": [{"phone_number": "+13125000000", "status": "delivered"}],
      "type": "SMS"
    },
    "record_type": "event"
  },
  "meta": {"attempt": 1, "delivered_to": "https://example.com/webhooks"}
}"#;

const VERIFICATION_ID: &str = "010d9dee-d86d-47d0-8d6c-20c0f95a79ec";

fn request(body: &str) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/telnyx".into(),
        headers: http::HeaderMap::new(),
        body: body.as_bytes().to_vec().into(),
    }
}

fn variant(event_type: &str, delivery_status: &str) -> String {
    DELIVERED
        .replace("\"verify.delivered\"", &format!("\"{event_type}\""))
        .replace(
            "\"delivery_status\": \"delivered\"",
            &format!("\"delivery_status\": \"{delivery_status}\""),
        )
}

fn report(status: ReportedStatus) -> Option<DeliveryReport> {
    Some(DeliveryReport {
        provider: ProviderId::Telnyx,
        provider_ref: VERIFICATION_ID.into(),
        status,
    })
}

#[test]
fn the_documented_delivered_event_is_a_delivery_of_its_verification() {
    let parsed = webhook::parse(&request(DELIVERED)).unwrap();
    assert_eq!(parsed.event_id, "3bb6321b-abd5-4d60-8cf8-1e6026bb1c41");
    assert_eq!(parsed.event_type, "verify.delivered");
    assert_eq!(parsed.report, report(ReportedStatus::Delivered));
}

#[test]
fn a_sent_event_is_sent() {
    let parsed = webhook::parse(&request(&variant("verify.sent", "sent"))).unwrap();
    assert_eq!(parsed.event_type, "verify.sent");
    assert_eq!(parsed.report, report(ReportedStatus::Sent));
}

#[test]
fn a_failed_event_carries_its_delivery_status_as_the_reason() {
    for status in ["delivery_failed", "sending_failed", "delivery_unconfirmed"] {
        let parsed = webhook::parse(&request(&variant("verify.failed", status))).unwrap();
        assert_eq!(
            parsed.report,
            report(ReportedStatus::Failed {
                reason: status.into()
            }),
            "{status}"
        );
    }
}

#[test]
fn a_failed_event_without_a_delivery_status_falls_back_on_the_status() {
    let body = variant("verify.failed", "x").replace("\"delivery_status\": \"x\",", "");
    let body = body.replace("\"status\": \"pending\"", "\"status\": \"error\"");
    let parsed = webhook::parse(&request(&body)).unwrap();
    assert_eq!(
        parsed.report,
        report(ReportedStatus::Failed {
            reason: "error".into()
        })
    );
}

#[test]
fn a_failed_event_with_no_status_at_all_says_failed() {
    let body = r#"{"data":{"event_type":"verify.failed","id":"e1","payload":{"id":"v1","delivery_status":null}}}"#;
    let parsed = webhook::parse(&request(body)).unwrap();
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "failed".into()
        }
    );
}

#[test]
fn a_messaging_event_parses_without_a_report() {
    let parsed = webhook::parse(&request(MESSAGE_FINALIZED)).unwrap();
    assert_eq!(parsed.event_id, "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be");
    assert_eq!(parsed.event_type, "message.finalized");
    assert_eq!(parsed.report, None);
}

#[test]
fn an_event_without_a_payload_parses_without_a_report() {
    let body = r#"{"data":{"event_type":"call.hangup","id":"e2","record_type":"event"}}"#;
    let parsed = webhook::parse(&request(body)).unwrap();
    assert_eq!(
        (parsed.event_type.as_str(), parsed.report),
        ("call.hangup", None)
    );
}

#[test]
fn the_retry_of_an_event_keeps_its_id() {
    let retry = DELIVERED.replace("\"attempt\": 1", "\"attempt\": 2");
    assert_eq!(
        webhook::parse(&request(&retry)).unwrap().event_id,
        webhook::parse(&request(DELIVERED)).unwrap().event_id
    );
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    assert!(webhook::parse(&request("event_type=verify.sent")).is_err());
    assert!(webhook::parse(&request("")).is_err());
}

#[test]
fn a_body_without_data_is_refused() {
    let e = webhook::parse(&request(r#"{"event_type":"verify.sent","id":"x"}"#)).unwrap_err();
    assert!(e.0.contains("envelope"), "{e}");
}

#[test]
fn an_event_with_an_empty_id_is_refused() {
    let body = r#"{"data":{"event_type":"verify.sent","id":" ","payload":{"id":"v1"}}}"#;
    assert_eq!(
        webhook::parse(&request(body)),
        Err(PayloadError("data.id is empty".into()))
    );
}

#[test]
fn a_verify_event_without_a_verification_id_is_refused() {
    let body =
        r#"{"data":{"event_type":"verify.delivered","id":"e3","payload":{"status":"pending"}}}"#;
    assert!(webhook::parse(&request(body)).is_err());
    let body = r#"{"data":{"event_type":"verify.delivered","id":"e3"}}"#;
    assert!(webhook::parse(&request(body)).is_err());
    let body = r#"{"data":{"event_type":"verify.delivered","id":"e3","payload":{"id":""}}}"#;
    assert!(webhook::parse(&request(body)).is_err());
}
