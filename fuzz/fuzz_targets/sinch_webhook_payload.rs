//! `onramp_sinch::webhook::parse` takes untrusted bodies: it never panics, and what it accepts
//! has a non-empty event id and type, and a report only for Sinch with a non-empty reference.
//! Besides raw bytes, the fuzzer builds Verification events and Conversation delivery reports
//! with arbitrary fields, so it reaches every mapping.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::ProviderId;
use onramp_sinch::webhook::{self, WebhookRequest};
use serde_json::{Value, json};

const EVENTS: [&str; 4] = [
    "VerificationResultEvent",
    "VerificationRequestEvent",
    "VerificationSmsDeliveredEvent",
    "VerificationOtherEvent",
];
const STATUSES: [&str; 10] = [
    "SUCCESSFUL",
    "FAIL",
    "DENIED",
    "ABORTED",
    "ERROR",
    "PENDING",
    "QUEUED_ON_CHANNEL",
    "DELIVERED",
    "FAILED",
    "Successful",
];

#[derive(Debug, Arbitrary)]
enum Input {
    Raw(Vec<u8>),
    Verification {
        event: u8,
        id: Option<String>,
        status: u8,
        free_status: Option<String>,
        reason: Option<String>,
    },
    DeliveryReport {
        message_id: Option<String>,
        status: u8,
        free_status: Option<String>,
        reason_code: Option<String>,
    },
}

fn pick(list: &[&str], index: u8, free: Option<String>) -> String {
    free.unwrap_or_else(|| list[usize::from(index) % list.len()].to_string())
}

fn body(input: Input) -> Vec<u8> {
    let value: Value = match input {
        Input::Raw(bytes) => return bytes,
        Input::Verification {
            event,
            id,
            status,
            free_status,
            reason,
        } => {
            let status = pick(&STATUSES, status, free_status);
            json!({
                "id": id,
                "event": EVENTS[usize::from(event) % EVENTS.len()],
                "method": "sms",
                "status": status,
                "smsResult": status,
                "reason": reason,
            })
        }
        Input::DeliveryReport {
            message_id,
            status,
            free_status,
            reason_code,
        } => json!({
            "app_id": "app",
            "message_delivery_report": {
                "message_id": message_id,
                "status": pick(&STATUSES, status, free_status),
                "reason": {"code": reason_code},
            },
        }),
    };
    serde_json::to_vec(&value).expect("JSON serializes")
}

fuzz_target!(|input: Input| {
    let request = WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/sinch".into(),
        headers: Default::default(),
        body: body(input).into(),
    };
    if let Ok(parsed) = webhook::parse(&request) {
        assert!(!parsed.event_id.is_empty(), "empty event id");
        assert!(!parsed.event_type.is_empty(), "empty event type");
        if let Some(report) = parsed.report {
            assert_eq!(report.provider, ProviderId::Sinch);
            assert!(!report.provider_ref.trim().is_empty(), "empty provider reference");
        }
    }
});
