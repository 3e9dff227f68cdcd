//! `onramp_sinch::webhook::parse` takes untrusted bodies: it never panics, and what it accepts
//! has a non-empty event id and type, a report only for Sinch with a non-empty reference, and
//! WhatsApp reports that are well formed (an inbound message from `+` and digits to a non-empty
//! app, named by the event id; a status and a sender state naming their message or sender).
//! Besides raw bytes, the fuzzer builds Verification events, Conversation delivery reports and
//! MESSAGE_INBOUND callbacks (on WhatsApp or not), and Provisioning sender callbacks with
//! arbitrary fields, so it reaches every mapping.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::{ProviderId, SenderState, WhatsAppReport};
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

const CHANNELS: [&str; 3] = ["WHATSAPP", "SMS", "MESSENGER"];
const SENDER_EVENTS: [&str; 4] = [
    "WHATSAPP_SENDER_ACTIVE",
    "WHATSAPP_SENDER_ERROR",
    "WHATSAPP_SENDER_COMMENT_ADDED",
    "WHATSAPP_SENDER_DELETED",
];
const SENDER_STATES: [&str; 7] = [
    "ACTIVE",
    "IN_PROGRESS",
    "INACTIVE",
    "PENDING_VERIFICATION",
    "SUSPENDED",
    "ERROR",
    "UNRECOGNIZED",
];
const CHANGE_STATUSES: [&str; 5] = ["DRAFT", "IN_PROGRESS", "REJECTED", "ERROR", "OTHER"];
const TIMES: [&str; 3] = [
    "2020-11-17T16:05:51.724083Z",
    "2024-01-15T10:30:00Z",
    "soon",
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
        channel: u8,
        time: u8,
    },
    Inbound {
        id: Option<String>,
        channel: u8,
        free_channel: Option<String>,
        identity: Option<String>,
        app_id: Option<String>,
        identity_app_id: Option<String>,
        text: Option<String>,
        time: u8,
        free_time: Option<String>,
    },
    SenderEvent {
        kind: u8,
        id: Option<String>,
        state: Option<u8>,
        free_state: Option<String>,
        change_status: Option<u8>,
        error_reason: Option<String>,
        comment: Option<String>,
        modified: Option<String>,
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
            channel,
            time,
        } => json!({
            "app_id": "app",
            "event_time": pick(&TIMES, time, None),
            "message_delivery_report": {
                "message_id": message_id,
                "status": pick(&STATUSES, status, free_status),
                "reason": {"code": reason_code},
                "channel_identity": {"channel": pick(&CHANNELS, channel, None)},
            },
        }),
        Input::Inbound {
            id,
            channel,
            free_channel,
            identity,
            app_id,
            identity_app_id,
            text,
            time,
            free_time,
        } => json!({
            "app_id": app_id,
            "accepted_time": pick(&TIMES, time, free_time),
            "message": {
                "id": id,
                "channel_identity": {
                    "channel": pick(&CHANNELS, channel, free_channel),
                    "identity": identity,
                    "app_id": identity_app_id,
                },
                "contact_message": {"text_message": {"text": text}},
            },
        }),
        Input::SenderEvent {
            kind,
            id,
            state,
            free_state,
            change_status,
            error_reason,
            comment,
            modified,
        } => json!({
            "type": SENDER_EVENTS[usize::from(kind) % SENDER_EVENTS.len()],
            "payload": {
                "id": id,
                "state": state.map(|s| pick(&SENDER_STATES, s, free_state)),
                "changes": change_status.map(|c| json!({
                    "status": pick(&CHANGE_STATUSES, c, None),
                    "errorReason": error_reason,
                })),
                "modified": modified,
            },
            "comment": comment,
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
            assert!(
                !report.provider_ref.trim().is_empty(),
                "empty provider reference"
            );
        }
        match parsed.whatsapp {
            None => {}
            Some(WhatsAppReport::Inbound {
                from,
                to,
                message_id,
                ..
            }) => {
                let digits = from.strip_prefix('+').expect("from starts with +");
                assert!(
                    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
                    "{from}"
                );
                assert!(!to.trim().is_empty(), "inbound to no app");
                assert_eq!(message_id, parsed.event_id);
            }
            Some(WhatsAppReport::Status { message_id, .. }) => {
                assert!(!message_id.trim().is_empty(), "status of no message");
            }
            Some(WhatsAppReport::SenderState { sender_id, state }) => {
                assert!(!sender_id.trim().is_empty(), "state of no sender");
                if let SenderState::Error { reason } | SenderState::Suspended { reason } = state {
                    assert!(!reason.trim().is_empty(), "state without reason");
                }
            }
            Some(other) => panic!("Sinch reported a Meta event: {other:?}"),
        }
    }
});
