//! Conversation API callbacks about WhatsApp: MESSAGE_INBOUND (a user wrote to the app) and
//! MESSAGE_DELIVERY (`message_delivery_report`, a status of a message sent earlier).
//!
//! Both carry the envelope `{"app_id", "accepted_time", "event_time", "project_id",
//! "message_metadata", "correlation_id"}` beside their one payload field (sinch/sinch-sdk-dotnet
//! `tests/Sinch.Tests/Resources/Conversation/SinchEvents/MessageInboundEvent.json` and
//! `Hooks/MessageDeliveryReceiptEvent.json`), and name the channel in
//! `channel_identity.channel`: only `WHATSAPP` ones become a [`WhatsAppReport`].

use onramp_domain::ports::{MessageStatus, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::events::{required, text};

/// Event type given to MESSAGE_INBOUND callbacks (the trigger's name in lower case).
pub const MESSAGE_INBOUND: &str = "message_inbound";

/// The payload field of a MESSAGE_INBOUND callback.
pub(super) const MESSAGE: &str = "message";

/// The Conversation API's name of the WhatsApp channel.
const WHATSAPP: &str = "WHATSAPP";

fn object<'a>(value: &'a Value, of: &str) -> Result<&'a Map<String, Value>, PayloadError> {
    value
        .as_object()
        .ok_or_else(|| PayloadError(format!("{of} is not an object")))
}

fn child<'a>(parent: &'a Map<String, Value>, field: &str) -> Option<&'a Map<String, Value>> {
    parent.get(field).and_then(Value::as_object)
}

/// True when `payload.channel_identity.channel` is `WHATSAPP`.
fn on_whatsapp(payload: &Map<String, Value>) -> bool {
    child(payload, "channel_identity").and_then(|i| text(i, "channel")) == Some(WHATSAPP)
}

/// The first of `candidates` (RFC 3339 times such as `2020-11-17T16:05:51.724083Z`) that
/// parses, in Unix seconds.
fn first_time(candidates: &[Option<&str>]) -> Option<i64> {
    candidates
        .iter()
        .flatten()
        .find_map(|t| OffsetDateTime::parse(t.trim(), &Rfc3339).ok())
        .map(OffsetDateTime::unix_timestamp)
}

/// Parses a MESSAGE_INBOUND callback: event id the message `id`, event type
/// [`MESSAGE_INBOUND`]. On the `WHATSAPP` channel it reports [`WhatsAppReport::Inbound`]:
///
/// - `from`: `channel_identity.identity` (the user's number, digits) with a leading `+`;
/// - `to`: the envelope's `app_id` (else `channel_identity.app_id`);
/// - `message_id`: `message.id`;
/// - `text`: `message.contact_message.text_message.text`, empty for any other content (media,
///   location, choice responses, which carry no title);
/// - `profile_name`: None (the callback has no profile name);
/// - `at`: the envelope's `accepted_time`, else `message.accept_time`, else `event_time`.
///
/// # Errors
/// [`PayloadError`] for a message without `id`, and for a WhatsApp one without a numeric
/// identity, an app id or a time that parses.
pub(super) fn message_inbound(
    envelope: &Map<String, Value>,
    message: &Value,
) -> Result<ParsedWebhook, PayloadError> {
    let of = MESSAGE_INBOUND;
    let message = object(message, MESSAGE)?;
    let message_id = required(message, "id", of)?;
    let whatsapp = if on_whatsapp(message) {
        Some(inbound(envelope, message, message_id)?)
    } else {
        None
    };
    Ok(ParsedWebhook {
        event_id: message_id.to_string(),
        event_type: of.to_string(),
        report: None,
        payment: None,
        whatsapp,
    })
}

fn inbound(
    envelope: &Map<String, Value>,
    message: &Map<String, Value>,
    message_id: &str,
) -> Result<WhatsAppReport, PayloadError> {
    let of = MESSAGE_INBOUND;
    let identity = child(message, "channel_identity")
        .ok_or_else(|| PayloadError(format!("{of} without \"channel_identity\"")))?;
    let number = required(identity, "identity", of)?.trim();
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PayloadError(format!(
            "{of} on WhatsApp from {number:?}, which is not a phone number"
        )));
    }
    let app_id = text(envelope, "app_id")
        .or_else(|| text(identity, "app_id"))
        .ok_or_else(|| PayloadError(format!("{of} without \"app_id\"")))?;
    let at = first_time(&[
        text(envelope, "accepted_time"),
        text(message, "accept_time"),
        text(envelope, "event_time"),
    ])
    .ok_or_else(|| PayloadError(format!("{of} without a time that parses")))?;
    let body = child(message, "contact_message")
        .and_then(|c| child(c, "text_message"))
        .and_then(|t| t.get("text"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(WhatsAppReport::Inbound {
        from: format!("+{digits}"),
        to: app_id.to_string(),
        message_id: message_id.to_string(),
        text: body.to_string(),
        profile_name: None,
        at,
    })
}

/// The [`WhatsAppReport::Status`] of a `message_delivery_report` on the `WHATSAPP` channel:
/// `QUEUED_ON_CHANNEL` is [`MessageStatus::Sent`], `DELIVERED` [`MessageStatus::Delivered`],
/// `READ` [`MessageStatus::Read`], `FAILED` [`MessageStatus::Failed`] with `"<reason.code>:
/// <reason.description>"` (`DeliveryStatus` and `Reason` of sinch-sdk-java); `at` is the
/// envelope's `event_time`, else its `accepted_time`. None for other channels and other
/// statuses (`SWITCHING_CHANNEL`, ...).
///
/// # Errors
/// [`PayloadError`] for a WhatsApp report without a time that parses.
pub(super) fn whatsapp_status(
    envelope: &Map<String, Value>,
    report: &Map<String, Value>,
    message_id: &str,
    status: &str,
) -> Result<Option<WhatsAppReport>, PayloadError> {
    if !on_whatsapp(report) {
        return Ok(None);
    }
    let status = match status {
        "QUEUED_ON_CHANNEL" => MessageStatus::Sent,
        "DELIVERED" => MessageStatus::Delivered,
        "READ" => MessageStatus::Read,
        "FAILED" => MessageStatus::Failed,
        _ => return Ok(None),
    };
    let error = (status == MessageStatus::Failed).then(|| {
        let reason = child(report, "reason");
        let code = reason.and_then(|r| text(r, "code"));
        let description = reason.and_then(|r| text(r, "description"));
        match (code, description) {
            (Some(c), Some(d)) => format!("{c}: {d}"),
            (Some(one), None) | (None, Some(one)) => one.to_string(),
            (None, None) => "FAILED".to_string(),
        }
    });
    let at = first_time(&[
        text(envelope, "event_time"),
        text(envelope, "accepted_time"),
    ])
    .ok_or_else(|| PayloadError("message_delivery_report without a time that parses".into()))?;
    Ok(Some(WhatsAppReport::Status {
        message_id: message_id.to_string(),
        status,
        error,
        at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_unix_seconds_from_the_first_that_parses() {
        assert_eq!(
            first_time(&[None, Some("yesterday"), Some("2020-11-17T16:05:51.724083Z")]),
            Some(1_605_629_151)
        );
        assert_eq!(
            first_time(&[Some("2020-11-17T16:05:45Z")]),
            Some(1_605_629_145)
        );
        assert_eq!(first_time(&[None, Some("")]), None);
    }
}
