//! Parsing of verified Sinch webhook bodies.

use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, WebhookRequest};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{conversation, provisioning};

/// Event type of Conversation API delivery reports.
pub const MESSAGE_DELIVERY_REPORT: &str = "message_delivery_report";

/// Fields every Conversation API callback carries beside its one payload field.
const CONVERSATION_ENVELOPE: [&str; 6] = [
    "app_id",
    "accepted_time",
    "event_time",
    "project_id",
    "message_metadata",
    "correlation_id",
];

/// Parses a verified Sinch webhook body (a JSON object).
///
/// - Verification callbacks (`"event": "Verification…"`; sinch/sinch-sdk-java
///   `openapi-contracts/src/test/resources/domains/verification/v1/sinchevents/*.json`), with
///   `provider_ref` = the verification `id`:
///   - `VerificationResultEvent`: event id `{id}:{event}:{status}`. A result reports how the
///     *verification* ended, which is a delivery failure only when Sinch's `reason` says the
///     code never reached the phone (`…unreachable…`, `…not answered…`, `…no answer…`,
///     `…network…`, `…blocked…`, `…invalid number…`): then `Failed { reason }`. Every other
///     result (`SUCCESSFUL`, a wrong code, `Expired`, `Fraud`, an `ABORTED` verification a newer
///     one replaced) → `Other { "<status>" or "<status>: <reason>" in lower case }`, so a user's
///     wrong code never moves the delivery to another provider;
///   - `VerificationRequestEvent` (Sinch asks whether to go on): event id `{id}:{event}`,
///     `Other { "requested" }`;
///   - `VerificationSmsDeliveredEvent`: event id `{id}:{event}:{smsResult}`; `smsResult`
///     `Successful` → `Delivered`, `Failed` → `Failed { "Failed" }`, others → `Other`;
///   - any other `Verification…` event: event id `{id}:{event}`, no report.
/// - Conversation API `message_delivery_report` (sinch/sinch-sdk-dotnet
///   `tests/Sinch.Tests/Resources/Conversation/Hooks/MessageDeliveryReceiptEvent.json`):
///   `provider_ref` = `message_id`, event id `{message_id}:message_delivery_report:{status}`;
///   `QUEUED_ON_CHANNEL` → `Sent`, `DELIVERED` and `READ` → `Delivered`, `FAILED` →
///   `Failed { reason.code }`, `SWITCHING_CHANNEL` and others → `Other` (DeliveryStatus.java of
///   sinch-sdk-java).
///   When the report's `channel_identity.channel` is `WHATSAPP`, it also carries a
///   [`WhatsAppReport::Status`](onramp_domain::ports::WhatsAppReport::Status):
///   `QUEUED_ON_CHANNEL` is `Sent`, `DELIVERED` `Delivered`, `READ` `Read`, `FAILED` `Failed`
///   with `"<reason.code>: <reason.description>"`, at the envelope's `event_time` (else
///   `accepted_time`); other statuses carry none.
/// - Conversation API MESSAGE_INBOUND (a `message` object; sinch/sinch-sdk-dotnet
///   `tests/Sinch.Tests/Resources/Conversation/SinchEvents/MessageInboundEvent.json`): event
///   type `message_inbound`, event id the message `id`, no delivery report; a
///   [`WhatsAppReport::Inbound`](onramp_domain::ports::WhatsAppReport::Inbound) when its channel
///   is `WHATSAPP`: from `+` and `channel_identity.identity`, to the envelope's `app_id`, the
///   text of `contact_message.text_message` (empty for other content), no profile name, at
///   `accepted_time` (else `message.accept_time`, else `event_time`).
/// - Provisioning API `WHATSAPP_SENDER_*` callbacks (`{"type", "payload": <sender>,
///   "comment"?}`): event type the `type`, event id `{payload.id}:{type}:{payload.modified}`,
///   a [`WhatsAppReport::SenderState`](onramp_domain::ports::WhatsAppReport::SenderState) with
///   the state [`SenderDto::state`](crate::provisioning::wire::SenderDto::state) reads (none
///   for a payload without state, such as `WHATSAPP_SENDER_DELETED`).
/// - Any other object: no report; the event type is its `event` or `type` string or its one
///   payload field (`contact_create_notification`, ...), the event id `sha256:<hex of the
///   body>`.
///
/// # Errors
/// [`PayloadError`] when the body is not a JSON object, or a recognised event lacks its id,
/// status, or (for a WhatsApp report) its number, app or time.
pub fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|e| PayloadError(format!("not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| PayloadError("not a JSON object".into()))?;
    if let Some(event) = object.get("event").and_then(Value::as_str)
        && event.starts_with("Verification")
    {
        return verification_event(object, event);
    }
    if let Some(report) = object.get(MESSAGE_DELIVERY_REPORT) {
        return message_delivery_report(object, report);
    }
    if let Some(message) = object.get(conversation::MESSAGE)
        && message.is_object()
    {
        return conversation::message_inbound(object, message);
    }
    if let Some(kind) = text(object, "type")
        && kind.starts_with(provisioning::SENDER_EVENT_PREFIX)
        && object.get("payload").is_some_and(Value::is_object)
    {
        return provisioning::sender_event(kind, object, &request.body);
    }
    let event_type = text(object, "event")
        .or_else(|| text(object, "type"))
        .map(str::to_string)
        .or_else(|| {
            object
                .iter()
                .find(|(k, v)| {
                    v.is_object()
                        && !k.trim().is_empty()
                        && !CONVERSATION_ENVELOPE.contains(&k.as_str())
                })
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_else(|| "unknown".into());
    Ok(ParsedWebhook {
        payment: None,
        whatsapp: None,
        event_id: format!("sha256:{}", hex::encode(Sha256::digest(&request.body))),
        event_type,
        report: None,
    })
}

/// The non-blank string at `field`.
pub(super) fn text<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The non-blank string at `field`, required in an event of type `of`.
pub(super) fn required<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    of: &str,
) -> Result<&'a str, PayloadError> {
    text(object, field).ok_or_else(|| PayloadError(format!("{of} without {field:?}")))
}

fn report(provider_ref: &str, status: ReportedStatus) -> Option<DeliveryReport> {
    Some(DeliveryReport {
        provider: ProviderId::Sinch,
        provider_ref: provider_ref.to_string(),
        status,
    })
}

/// True when a result's reason says the code never reached the phone.
fn not_delivered(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    [
        "unreachable",
        "not answered",
        "no answer",
        "network",
        "blocked",
        "invalid number",
    ]
    .iter()
    .any(|w| r.contains(w))
}

fn verification_event(
    object: &Map<String, Value>,
    event: &str,
) -> Result<ParsedWebhook, PayloadError> {
    let id = required(object, "id", event)?;
    let (event_id, status) = match event {
        "VerificationResultEvent" => {
            let status = required(object, "status", event)?;
            let reported = match status {
                "SUCCESSFUL" => ReportedStatus::Other {
                    status: "successful".into(),
                },
                "FAIL" | "DENIED" | "ABORTED" | "ERROR" => {
                    let reason = text(object, "reason");
                    match reason.filter(|r| not_delivered(r)) {
                        Some(r) => ReportedStatus::Failed {
                            reason: r.to_string(),
                        },
                        None => ReportedStatus::Other {
                            status: reason.map_or_else(
                                || status.to_ascii_lowercase(),
                                |r| format!("{}: {}", status.to_ascii_lowercase(), r),
                            ),
                        },
                    }
                }
                other => ReportedStatus::Other {
                    status: other.to_ascii_lowercase(),
                },
            };
            (format!("{id}:{event}:{status}"), Some(reported))
        }
        "VerificationRequestEvent" => (
            format!("{id}:{event}"),
            Some(ReportedStatus::Other {
                status: "requested".into(),
            }),
        ),
        "VerificationSmsDeliveredEvent" => {
            let result = required(object, "smsResult", event)?;
            let reported = match result {
                "Successful" => ReportedStatus::Delivered,
                "Failed" => ReportedStatus::Failed {
                    reason: result.to_string(),
                },
                other => ReportedStatus::Other {
                    status: other.to_ascii_lowercase(),
                },
            };
            (format!("{id}:{event}:{result}"), Some(reported))
        }
        _ => (format!("{id}:{event}"), None),
    };
    Ok(ParsedWebhook {
        payment: None,
        whatsapp: None,
        event_id,
        event_type: event.to_string(),
        report: status.and_then(|s| report(id, s)),
    })
}

fn message_delivery_report(
    envelope: &Map<String, Value>,
    value: &Value,
) -> Result<ParsedWebhook, PayloadError> {
    let of = MESSAGE_DELIVERY_REPORT;
    let object = value
        .as_object()
        .ok_or_else(|| PayloadError(format!("{of} is not an object")))?;
    let message_id = required(object, "message_id", of)?;
    let status = required(object, "status", of)?;
    let reported = match status {
        "QUEUED_ON_CHANNEL" => ReportedStatus::Sent,
        "DELIVERED" | "READ" => ReportedStatus::Delivered,
        "FAILED" => ReportedStatus::Failed {
            reason: object
                .get("reason")
                .and_then(Value::as_object)
                .and_then(|r| text(r, "code"))
                .unwrap_or(status)
                .to_string(),
        },
        other => ReportedStatus::Other {
            status: other.to_ascii_lowercase(),
        },
    };
    let whatsapp = conversation::whatsapp_status(envelope, object, message_id, status)?;
    Ok(ParsedWebhook {
        payment: None,
        whatsapp,
        event_id: format!("{message_id}:{of}:{status}"),
        event_type: of.to_string(),
        report: report(message_id, reported),
    })
}
