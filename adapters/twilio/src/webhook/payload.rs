//! Twilio callback bodies, read after the signature is verified.
//!
//! Form-encoded status callbacks (doc: <https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks>,
//! <https://www.twilio.com/docs/voice/api/call-resource#statuscallback>):
//! - message: `MessageSid` (alias `SmsSid`), `MessageStatus` (alias `SmsStatus`), `ErrorCode`
//!   when it failed; event type `message.<status>`;
//! - call: `CallSid`, `CallStatus`; event type `call.<status>`;
//! - with Verify, `VerificationSid` when present is the provider reference (the receipt's `VE…`
//!   sid), else the message or call sid.
//!
//! Event Streams webhooks (doc: <https://www.twilio.com/docs/events/webhook-quickstart>): a JSON
//! array of CloudEvents `{specversion, type, source, id, dataschema, datacontenttype, data}`:
//! - `com.twilio.accountsecurity.verify.message.<status>`: `data.verification_sid`,
//!   `data.message_status`, `data.error_code` (doc: <https://www.twilio.com/docs/verify/message-status>);
//! - `com.twilio.accountsecurity.verify.attempt-dlr.<status>` (restricted, older):
//!   `data.verification_sid`, `data.dlr_status`, `data.error_code`
//!   (doc: <https://www.twilio.com/docs/events/event-types/verify/verification-attempt-dlr>);
//! - `com.twilio.accountsecurity.verify.verification.<status>`: `data.verification_sid`,
//!   `data.verification_status`, reported as [`ReportedStatus::Other`]
//!   (doc: <https://www.twilio.com/docs/events/event-types/verify/verification-status>);
//! - `com.twilio.messaging.message.<status>`: `data.messageSid`, `data.messageStatus`,
//!   `data.errorCode` (doc: <https://www.twilio.com/docs/events/event-types/messaging/outbound-message>);
//! - other types: no report.
//!
//! A batch of several events yields one [`ParsedWebhook`] (the port's shape): the event with
//! the most decisive report (failed, then delivered, then sent, then other) stands for the
//! batch, and the event id names the whole batch.
//!
//! Form callbacks of WhatsApp messages (a `whatsapp:` `From` or `To`) are read first by
//! `whatsapp.rs` into a [`WhatsAppReport`](onramp_domain::ports::WhatsAppReport); what it does
//! not read (other status words, Verify's callbacks) gets the reading below.
//!
//! Status words are those of `message_enum_status` and `call_enum_status` in
//! `../shared/provider-specs/twilio.json`, plus the call progress event `initiated`.
//! Mapping (case-insensitive, `_` read as `-`): `delivered`, `read`, `completed` (a call
//! answered to its end) are Delivered; `queued`, `accepted`, `scheduled`, `sending`, `sent`,
//! `initiated`, `ringing`, `in-progress` are Sent; `undelivered`, `failed`, `no-answer`, `busy`,
//! `canceled` are Failed with the reason `<status>` or `<status> (<ErrorCode>)`; anything else
//! is Other.

use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, WebhookRequest};
use serde::Deserialize;
use serde_json::Value;

use super::{IDEMPOTENCY_HEADER, signature, urls, whatsapp};

const VERIFY_MESSAGE: &str = "com.twilio.accountsecurity.verify.message.";
const VERIFY_ATTEMPT_DLR: &str = "com.twilio.accountsecurity.verify.attempt-dlr.";
const VERIFY_VERIFICATION: &str = "com.twilio.accountsecurity.verify.verification.";
const MESSAGING_MESSAGE: &str = "com.twilio.messaging.message.";

/// True when the first non-blank byte opens a JSON object or array.
pub(crate) fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

pub(crate) fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    let body = &request.body[..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError("empty body".into()));
    }
    let token = idempotency_token(request);
    let json = is_json_content_type(request)
        || urls::body_sha256_param(&request.url).is_some()
        || looks_like_json(body);
    if json {
        parse_cloud_events(body, token)
    } else {
        parse_form(body, token)
    }
}

fn idempotency_token(request: &WebhookRequest) -> Option<String> {
    let value = request
        .headers
        .get(IDEMPOTENCY_HEADER)?
        .to_str()
        .ok()?
        .trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn is_json_content_type(request: &WebhookRequest) -> bool {
    request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// The value of the first `name` parameter, trimmed; an empty value counts as absent.
pub(super) fn field<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn parse_form(body: &[u8], token: Option<String>) -> Result<ParsedWebhook, PayloadError> {
    let params = signature::form_params(body);
    if let Some(whatsapp) = whatsapp::parse(&params) {
        return whatsapp;
    }
    let get = |name: &str| field(&params, name);
    let event_id = token.unwrap_or_else(|| signature::body_sha256(body));
    let verification_sid = get("VerificationSid");
    let (kind, status, sid_name, sid) =
        if let Some(status) = get("MessageStatus").or_else(|| get("SmsStatus")) {
            let sid = get("MessageSid").or_else(|| get("SmsSid"));
            ("message", status, "MessageSid", sid)
        } else if let Some(status) = get("CallStatus") {
            ("call", status, "CallSid", get("CallSid"))
        } else if get("AccountSid").is_some() || verification_sid.is_some() {
            return Ok(ParsedWebhook {
                payment: None,
                whatsapp: None,
                event_id,
                event_type: "callback".into(),
                report: None,
            });
        } else {
            return Err(PayloadError(
                "not a Twilio callback: no MessageStatus, CallStatus, AccountSid or VerificationSid"
                    .into(),
            ));
        };
    let provider_ref = verification_sid
        .or(sid)
        .ok_or_else(|| PayloadError(format!("{kind} status callback without {sid_name}")))?;
    let status_word = status.to_ascii_lowercase();
    Ok(ParsedWebhook {
        payment: None,
        whatsapp: None,
        event_id,
        event_type: format!("{kind}.{status_word}"),
        report: Some(DeliveryReport {
            provider: ProviderId::Twilio,
            provider_ref: provider_ref.to_string(),
            status: reported_status(status, get("ErrorCode")),
        }),
    })
}

/// Maps a Twilio message, call or delivery status word (see the module docs).
pub(crate) fn reported_status(status: &str, error_code: Option<&str>) -> ReportedStatus {
    let word = status.trim().to_ascii_lowercase().replace('_', "-");
    match word.as_str() {
        "delivered" | "read" | "completed" => ReportedStatus::Delivered,
        "queued" | "accepted" | "scheduled" | "sending" | "sent" | "initiated" | "ringing"
        | "in-progress" => ReportedStatus::Sent,
        "undelivered" | "failed" | "no-answer" | "busy" | "canceled" => {
            let reason = match error_code
                .map(str::trim)
                .filter(|c| !c.is_empty() && *c != "0")
            {
                Some(code) => format!("{word} ({code})"),
                None => word,
            };
            ReportedStatus::Failed { reason }
        }
        _ => ReportedStatus::Other { status: word },
    }
}

#[derive(Debug, Deserialize)]
struct CloudEvent {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

fn parse_cloud_events(body: &[u8], token: Option<String>) -> Result<ParsedWebhook, PayloadError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError(format!("not JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        _ => {
            return Err(PayloadError(
                "JSON body is neither a CloudEvent nor an array of CloudEvents".into(),
            ));
        }
    };
    let events = items
        .into_iter()
        .map(serde_json::from_value::<CloudEvent>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PayloadError(format!("not a CloudEvent: {e}")))?;
    if events.iter().any(|e| e.kind.trim().is_empty()) {
        return Err(PayloadError("a CloudEvent with an empty type".into()));
    }
    let reports = events
        .iter()
        .map(event_report)
        .collect::<Result<Vec<_>, _>>()?;
    let mut chosen: Option<usize> = None;
    for (i, report) in reports.iter().enumerate() {
        if chosen.is_none_or(|c| rank(report) > rank(&reports[c])) {
            chosen = Some(i);
        }
    }
    let Some(chosen) = chosen else {
        return Err(PayloadError("an empty array of events".into()));
    };
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|e| e.id.as_deref().map(str::trim).filter(|id| !id.is_empty()))
        .collect();
    let event_id = token
        .or_else(|| (ids.len() == events.len()).then(|| ids.join(",")))
        .unwrap_or_else(|| signature::body_sha256(body));
    Ok(ParsedWebhook {
        payment: None,
        whatsapp: None,
        event_id,
        event_type: events[chosen].kind.clone(),
        report: reports[chosen].clone(),
    })
}

fn rank(report: &Option<DeliveryReport>) -> u8 {
    match report.as_ref().map(|r| &r.status) {
        None => 0,
        Some(ReportedStatus::Other { .. }) => 1,
        Some(ReportedStatus::Sent) => 2,
        Some(ReportedStatus::Delivered) => 3,
        Some(ReportedStatus::Failed { .. }) => 4,
    }
}

fn event_report(event: &CloudEvent) -> Result<Option<DeliveryReport>, PayloadError> {
    let kind = event.kind.as_str();
    let (suffix, sid_field, status_field, error_field) =
        if let Some(s) = kind.strip_prefix(VERIFY_MESSAGE) {
            (s, "verification_sid", "message_status", Some("error_code"))
        } else if let Some(s) = kind.strip_prefix(VERIFY_ATTEMPT_DLR) {
            (s, "verification_sid", "dlr_status", Some("error_code"))
        } else if let Some(s) = kind.strip_prefix(VERIFY_VERIFICATION) {
            (s, "verification_sid", "verification_status", None)
        } else if let Some(s) = kind.strip_prefix(MESSAGING_MESSAGE) {
            (s, "messageSid", "messageStatus", Some("errorCode"))
        } else {
            return Ok(None);
        };
    let sid = text(&event.data, sid_field)
        .ok_or_else(|| PayloadError(format!("{kind} without data.{sid_field}")))?;
    let status = text(&event.data, status_field).unwrap_or_else(|| suffix.to_string());
    let status = match error_field {
        // A verification's own lifecycle, not a delivery: audit trail only.
        None => ReportedStatus::Other {
            status: status.to_ascii_lowercase(),
        },
        Some(field) => reported_status(&status, text(&event.data, field).as_deref()),
    };
    Ok(Some(DeliveryReport {
        provider: ProviderId::Twilio,
        provider_ref: sid,
        status,
    }))
}

/// A string or number field of `data` as text; empty counts as absent.
fn text(data: &Value, field: &str) -> Option<String> {
    let value = match data.get(field)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!value.is_empty()).then_some(value)
}
