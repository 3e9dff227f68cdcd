//! WhatsApp in Twilio's form-encoded callbacks: inbound messages and the status callbacks of
//! messages sent with `whatsapp:` addresses, read into [`WhatsAppReport`]s.
//!
//! A callback is WhatsApp's when its `From` or `To` starts with `whatsapp:` (PROVIDERS.md
//! section 4) and it carries no `VerificationSid` (Verify's own callbacks keep their reading).
//!
//! - Inbound message (doc: <https://www.twilio.com/docs/messaging/guides/webhook-request>):
//!   `From=whatsapp:+…`, `MessageStatus`/`SmsStatus` `received` or absent (then a `Body` must
//!   be present), `MessageSid` (alias `SmsSid`), `To`, `Body` (empty for media), `ProfileName`,
//!   `WaId`. Event id: the `MessageSid`; event type `message.inbound`.
//! - Status callback (doc: <https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks>):
//!   `MessageSid`, `MessageStatus` (alias `SmsStatus`), `ErrorCode` and, for WhatsApp,
//!   `ChannelStatusMessage` (or `ErrorMessage`) on failure. Mapping (case-insensitive):
//!   `queued`, `accepted`, `scheduled`, `sending`, `sent` are Sent; `delivered` Delivered;
//!   `read` Read; `failed`, `undelivered`, `canceled` Failed. Event id
//!   `{MessageSid}:{status}` (one per status change of one message, the same on Twilio's
//!   retries); event type `message.<status>`. Any other status word (`receiving`,
//!   `partially_delivered`, ...) is left to the generic status reading.
//!
//! Neither form carries a timestamp: `at` is 0, meaning unknown; the app stamps the report
//! with the time it received it. Parsing stays pure (no clock).

use onramp_domain::ports::{MessageStatus, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError};

use super::payload::field;
use crate::wire;

/// What `at` reads when the provider sent no time: unknown (see the module docs).
const UNKNOWN_TIME: i64 = 0;

/// The WhatsApp reading of a form callback: `None` when it is not a WhatsApp message callback
/// this module reads (the caller then applies the generic reading), else the parsed webhook or
/// why it does not parse.
pub(super) fn parse(params: &[(String, String)]) -> Option<Result<ParsedWebhook, PayloadError>> {
    if field(params, "VerificationSid").is_some() {
        return None;
    }
    let from = field(params, "From").and_then(wire::strip_whatsapp);
    let to = field(params, "To").and_then(wire::strip_whatsapp);
    if from.is_none() && to.is_none() {
        return None;
    }
    let status = field(params, "MessageStatus")
        .or_else(|| field(params, "SmsStatus"))
        .map(str::to_ascii_lowercase);
    let sid = field(params, "MessageSid").or_else(|| field(params, "SmsSid"));
    let has_body = params.iter().any(|(k, _)| k == "Body");
    let inbound = match status.as_deref() {
        Some(word) => word == "received",
        None => has_body,
    };
    match (from, status) {
        (Some(from), _) if inbound => Some(inbound_message(params, from, sid)),
        (_, Some(status)) => status_callback(params, sid?, &status).map(Ok),
        _ => None,
    }
}

fn inbound_message(
    params: &[(String, String)],
    from: &str,
    sid: Option<&str>,
) -> Result<ParsedWebhook, PayloadError> {
    let message_id =
        sid.ok_or_else(|| PayloadError("inbound WhatsApp message without MessageSid".into()))?;
    let from = from.trim();
    if from.is_empty() {
        return Err(PayloadError(
            "inbound WhatsApp message from an empty address".into(),
        ));
    }
    let to = field(params, "To")
        .map(|to| wire::strip_whatsapp(to).unwrap_or(to).trim())
        .filter(|to| !to.is_empty())
        .ok_or_else(|| PayloadError("inbound WhatsApp message without To".into()))?;
    // The body is the user's text: kept as sent, spaces included.
    let text = params
        .iter()
        .find(|(k, _)| k == "Body")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Ok(ParsedWebhook {
        event_id: message_id.to_string(),
        event_type: "message.inbound".into(),
        report: None,
        payment: None,
        whatsapp: Some(WhatsAppReport::Inbound {
            from: with_plus(from),
            to: to.to_string(),
            message_id: message_id.to_string(),
            text,
            profile_name: field(params, "ProfileName").map(str::to_string),
            at: UNKNOWN_TIME,
        }),
    })
}

/// A number as E.164 with its `+`: Twilio sends `whatsapp:+…`, and a bare digit string
/// (as in `WaId`) is given its `+`.
fn with_plus(number: &str) -> String {
    if number.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{number}")
    } else {
        number.to_string()
    }
}

fn status_callback(params: &[(String, String)], sid: &str, status: &str) -> Option<ParsedWebhook> {
    let mapped = match status {
        "queued" | "accepted" | "scheduled" | "sending" | "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" | "undelivered" | "canceled" => MessageStatus::Failed,
        _ => return None,
    };
    let error = (mapped == MessageStatus::Failed)
        .then(|| failure(params))
        .flatten();
    Some(ParsedWebhook {
        event_id: format!("{sid}:{status}"),
        event_type: format!("message.{status}"),
        report: None,
        payment: None,
        whatsapp: Some(WhatsAppReport::Status {
            message_id: sid.to_string(),
            status: mapped,
            error,
            at: UNKNOWN_TIME,
        }),
    })
}

/// `<ErrorCode>` or `<ErrorCode>: <message>` of a failed message (`0` counts as no code);
/// `None` when Twilio gave neither.
fn failure(params: &[(String, String)]) -> Option<String> {
    let code = field(params, "ErrorCode").filter(|c| *c != "0");
    let message = field(params, "ChannelStatusMessage").or_else(|| field(params, "ErrorMessage"));
    match (code, message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(text), None) | (None, Some(text)) => Some(text.to_string()),
        (None, None) => None,
    }
}
