//! The `messages` field: inbound messages and the statuses of messages sent (doc
//! <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages.md>,
//! …/messages/text/, …/messages/status/, …/messages/errors).

use onramp_domain::ports::{MessageStatus, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError};
use serde::Deserialize;
use serde_json::Value;

use super::payload::{Change, change_id, unix_seconds, value_of};

/// A `messages` change's value (the fields read).
#[derive(Debug, Deserialize)]
struct MessagesValue {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Inbound>,
    #[serde(default)]
    statuses: Vec<Status>,
    #[serde(default)]
    errors: Vec<Value>,
}

/// The business number the change is about.
#[derive(Debug, Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Debug, Deserialize)]
struct Contact {
    #[serde(default)]
    wa_id: Option<String>,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
}

/// One `messages[]` item.
#[derive(Debug, Deserialize)]
struct Inbound {
    from: String,
    id: String,
    timestamp: Value,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: Option<Body>,
    #[serde(default)]
    interactive: Option<Interactive>,
    #[serde(default)]
    button: Option<Button>,
}

#[derive(Debug, Deserialize)]
struct Body {
    #[serde(default)]
    body: String,
}

/// `interactive`: a reply to reply buttons or to a list.
#[derive(Debug, Deserialize)]
struct Interactive {
    #[serde(default)]
    button_reply: Option<Reply>,
    #[serde(default)]
    list_reply: Option<Reply>,
}

#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(default)]
    title: String,
}

/// `button`: a quick-reply button of a template.
#[derive(Debug, Deserialize)]
struct Button {
    #[serde(default)]
    text: String,
}

/// One `statuses[]` item.
#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    status: String,
    timestamp: Value,
    #[serde(default)]
    errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
struct StatusError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The events of one `messages` change (see [`super::parse`]).
pub(super) fn messages_change(
    waba_id: &str,
    time: Option<i64>,
    change: &Change,
) -> Result<Vec<ParsedWebhook>, PayloadError> {
    let value: MessagesValue = value_of(change)?;
    let mut events = Vec::new();
    for message in &value.messages {
        events.push(inbound(&value, message)?);
    }
    for status in &value.statuses {
        events.push(status_event(status)?);
    }
    if events.is_empty() {
        let event_type = if value.errors.is_empty() {
            "messages"
        } else {
            "messages.errors"
        };
        events.push(event(
            change_id(change, waba_id, time),
            event_type.into(),
            None,
        ));
    }
    Ok(events)
}

fn event(event_id: String, event_type: String, whatsapp: Option<WhatsAppReport>) -> ParsedWebhook {
    ParsedWebhook {
        event_id,
        event_type,
        report: None,
        payment: None,
        whatsapp,
    }
}

fn inbound(value: &MessagesValue, message: &Inbound) -> Result<ParsedWebhook, PayloadError> {
    if message.id.trim().is_empty() || message.from.trim().is_empty() {
        return Err(PayloadError("an inbound message without id or from".into()));
    }
    let to = value
        .metadata
        .as_ref()
        .map(|m| m.phone_number_id.clone())
        .ok_or_else(|| PayloadError("inbound messages without metadata.phone_number_id".into()))?;
    let text = match message.kind.as_str() {
        "text" => message.text.as_ref().map(|t| t.body.clone()),
        "interactive" => message.interactive.as_ref().and_then(|i| {
            i.button_reply
                .as_ref()
                .or(i.list_reply.as_ref())
                .map(|r| r.title.clone())
        }),
        "button" => message.button.as_ref().map(|b| b.text.clone()),
        _ => None,
    }
    .unwrap_or_default();
    let from = if message.from.starts_with('+') {
        message.from.clone()
    } else {
        format!("+{}", message.from)
    };
    let report = WhatsAppReport::Inbound {
        from,
        to,
        message_id: message.id.clone(),
        text,
        profile_name: profile_name(&value.contacts, &message.from),
        at: unix_seconds(&message.timestamp)?,
    };
    Ok(event(
        message.id.clone(),
        "messages.inbound".into(),
        Some(report),
    ))
}

/// The profile name of the contact whose `wa_id` is `from`, else of the only contact.
fn profile_name(contacts: &[Contact], from: &str) -> Option<String> {
    let name = |c: &Contact| c.profile.as_ref().and_then(|p| p.name.clone());
    match contacts.iter().find(|c| c.wa_id.as_deref() == Some(from)) {
        Some(contact) => name(contact),
        None if contacts.len() == 1 => name(&contacts[0]),
        None => None,
    }
}

fn status_event(status: &Status) -> Result<ParsedWebhook, PayloadError> {
    if status.id.trim().is_empty() || status.status.trim().is_empty() {
        return Err(PayloadError("a status without id or status".into()));
    }
    let known = match status.status.as_str() {
        "sent" => Some(MessageStatus::Sent),
        "delivered" => Some(MessageStatus::Delivered),
        "read" => Some(MessageStatus::Read),
        "failed" => Some(MessageStatus::Failed),
        _ => None,
    };
    let report = match known {
        Some(kind) => Some(WhatsAppReport::Status {
            message_id: status.id.clone(),
            status: kind,
            error: (kind == MessageStatus::Failed)
                .then(|| status.errors.first().map(describe))
                .flatten(),
            at: unix_seconds(&status.timestamp)?,
        }),
        None => None,
    };
    Ok(event(
        format!("{}:{}", status.id, status.status),
        format!("messages.status.{}", status.status),
        report,
    ))
}

/// `131026: Message undeliverable` (the title, else the message).
fn describe(error: &StatusError) -> String {
    let words = error
        .title
        .clone()
        .or_else(|| error.message.clone())
        .unwrap_or_default();
    match error.code {
        Some(code) if words.is_empty() => code.to_string(),
        Some(code) => format!("{code}: {words}"),
        None => words,
    }
}
