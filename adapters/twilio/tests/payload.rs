//! Parsing of real-shaped Twilio status callbacks (form-encoded), event ids, and parse never
//! panicking.
//!
//! Form bodies use the parameters of Twilio's status callbacks (doc:
//! <https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks> and
//! <https://www.twilio.com/docs/voice/api/call-resource#statuscallback>; status words from
//! `message_enum_status` and `call_enum_status` of `../shared/provider-specs/twilio.json`).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::hooks::*;
use onramp_domain::ports::ReportedStatus;
use onramp_provider_kit::webhook::ParsedWebhook;
use onramp_twilio::webhook::parse;
use sha2::{Digest, Sha256};

const MESSAGE_SID: &str = "SM1f0e8ae6ade43cb3c0ce4525424e404f";
const CALL_SID: &str = "CAfe5a2b8f1e3b4f69b3c6f28b9f6a6f00";
const VERIFICATION_SID: &str = "VE0000000000000000000000000000001";

fn message_callback(status: &str, error_code: Option<&str>) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        (
            "AccountSid",
            "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".to_string(),
        ),
        ("ApiVersion", "2010-04-01".to_string()),
        ("From", "+15017122661".to_string()),
        ("MessageSid", MESSAGE_SID.to_string()),
        ("MessageStatus", status.to_string()),
        ("SmsSid", MESSAGE_SID.to_string()),
        ("SmsStatus", status.to_string()),
        ("To", "+15558675310".to_string()),
    ];
    if let Some(code) = error_code {
        pairs.push(("ErrorCode", code.to_string()));
    }
    pairs
}

fn parse_pairs(pairs: &[(&'static str, String)]) -> ParsedWebhook {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    parse(&form_request(&refs)).unwrap()
}

#[test]
fn a_delivered_message_is_delivered() {
    let parsed = parse_pairs(&message_callback("delivered", None));
    assert_eq!(parsed.event_type, "message.delivered");
    assert_eq!(
        parsed.report,
        report(MESSAGE_SID, ReportedStatus::Delivered)
    );
}

#[test]
fn an_undelivered_message_fails_with_its_error_code() {
    let parsed = parse_pairs(&message_callback("undelivered", Some("30003")));
    assert_eq!(parsed.event_type, "message.undelivered");
    assert_eq!(
        parsed.report,
        report(
            MESSAGE_SID,
            ReportedStatus::Failed {
                reason: "undelivered (30003)".into()
            }
        )
    );
}

#[test]
fn a_failed_message_fails() {
    let parsed = parse_pairs(&message_callback("failed", Some("30008")));
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "failed (30008)".into()
        }
    );
}

#[test]
fn sent_and_queued_messages_are_sent() {
    for status in ["sent", "queued", "sending", "accepted"] {
        let parsed = parse_pairs(&message_callback(status, None));
        assert_eq!(
            parsed.report.unwrap().status,
            ReportedStatus::Sent,
            "{status}"
        );
    }
}

#[test]
fn a_status_twilio_adds_later_is_other() {
    let parsed = parse_pairs(&message_callback("partially_delivered", None));
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Other {
            status: "partially-delivered".into()
        }
    );
}

#[test]
fn the_legacy_sms_fields_are_enough() {
    let parsed = parse(&form_request(&[
        ("SmsSid", MESSAGE_SID),
        ("SmsStatus", "delivered"),
    ]))
    .unwrap();
    assert_eq!(
        parsed.report,
        report(MESSAGE_SID, ReportedStatus::Delivered)
    );
}

fn call_callback(status: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "AccountSid",
            "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".to_string(),
        ),
        ("ApiVersion", "2010-04-01".to_string()),
        ("CallSid", CALL_SID.to_string()),
        ("CallStatus", status.to_string()),
        ("CallbackSource", "call-progress-events".to_string()),
        ("Called", "+15558675310".to_string()),
        ("Caller", "+15017122661".to_string()),
        ("Direction", "outbound-api".to_string()),
        ("From", "+15017122661".to_string()),
        ("SequenceNumber", "2".to_string()),
        ("Timestamp", "Tue, 01 Jul 2025 10:00:00 +0000".to_string()),
        ("To", "+15558675310".to_string()),
    ]
}

#[test]
fn an_unanswered_call_fails() {
    for status in ["no-answer", "busy", "failed", "canceled"] {
        let parsed = parse_pairs(&call_callback(status));
        assert_eq!(parsed.event_type, format!("call.{status}"));
        assert_eq!(
            parsed.report,
            report(
                CALL_SID,
                ReportedStatus::Failed {
                    reason: status.into()
                }
            )
        );
    }
}

#[test]
fn a_completed_call_is_delivered() {
    let parsed = parse_pairs(&call_callback("completed"));
    assert_eq!(parsed.report, report(CALL_SID, ReportedStatus::Delivered));
}

#[test]
fn a_ringing_call_is_sent() {
    for status in ["initiated", "ringing", "in-progress"] {
        let parsed = parse_pairs(&call_callback(status));
        assert_eq!(
            parsed.report.unwrap().status,
            ReportedStatus::Sent,
            "{status}"
        );
    }
}

#[test]
fn a_verification_sid_is_the_provider_reference() {
    let mut pairs = message_callback("delivered", None);
    pairs.push(("VerificationSid", VERIFICATION_SID.to_string()));
    let parsed = parse_pairs(&pairs);
    assert_eq!(
        parsed.report,
        report(VERIFICATION_SID, ReportedStatus::Delivered)
    );
}

#[test]
fn the_idempotency_token_is_the_event_id() {
    let body = form(&[("MessageSid", MESSAGE_SID), ("MessageStatus", "sent")]);
    let parsed = parse(&callback(
        &body,
        "application/x-www-form-urlencoded",
        Some("ACxx-SMxx-1720000000000"),
    ))
    .unwrap();
    assert_eq!(parsed.event_id, "ACxx-SMxx-1720000000000");
}

#[test]
fn without_a_token_the_event_id_is_the_body_hash() {
    let body = form(&[("MessageSid", MESSAGE_SID), ("MessageStatus", "sent")]);
    let parsed = parse(&callback(&body, "application/x-www-form-urlencoded", None)).unwrap();
    assert_eq!(parsed.event_id, hex::encode(Sha256::digest(&body)));
    let delivered = parse(&form_request(&[
        ("MessageSid", MESSAGE_SID),
        ("MessageStatus", "delivered"),
    ]))
    .unwrap();
    assert_ne!(
        parsed.event_id, delivered.event_id,
        "another status, another id"
    );
}

#[test]
fn a_callback_without_a_status_has_no_report() {
    let parsed = parse(&form_request(&[
        ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("Body", "hello"),
    ]))
    .unwrap();
    assert_eq!(
        (parsed.event_type.as_str(), parsed.report),
        ("callback", None)
    );
}

#[test]
fn a_status_without_its_sid_is_refused() {
    let e = parse(&form_request(&[("MessageStatus", "delivered")])).unwrap_err();
    assert!(e.0.contains("MessageSid"), "{e}");
}

#[test]
fn a_form_that_is_not_a_twilio_callback_is_refused() {
    assert!(parse(&form_request(&[("hello", "world")])).is_err());
}

#[test]
fn an_empty_body_is_refused() {
    assert!(parse(&callback(b"", "application/x-www-form-urlencoded", None)).is_err());
    assert!(parse(&callback(b"  \n", "application/json", None)).is_err());
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_bodies(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
        json_type in proptest::bool::ANY,
    ) {
        let content_type = if json_type { "application/json" } else { "application/x-www-form-urlencoded" };
        if let Ok(parsed) = parse(&callback(&body, content_type, None)) {
            proptest::prop_assert!(!parsed.event_id.is_empty());
            proptest::prop_assert!(!parsed.event_type.is_empty());
        }
    }

    #[test]
    fn parse_never_panics_on_form_like_bodies(
        text in "([A-Za-z]{1,14}=[ -~]{0,12}&){0,6}",
    ) {
        let _ = parse(&callback(text.as_bytes(), "application/x-www-form-urlencoded", None));
    }
}
