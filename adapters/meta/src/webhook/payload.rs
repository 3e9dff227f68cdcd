//! WhatsApp Business Account webhook bodies and the reports they carry.
//!
//! Envelope (PROVIDERS.md section 6, "Webhooks"; doc
//! <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages.md>):
//! `{"object": "whatsapp_business_account", "entry": [{"id": "<WABA id>", "time"?: <unix
//! seconds>, "changes": [{"field": "<field>", "value": {...}}]}]}`. One delivery may batch
//! several entries, changes, messages and statuses, so one body gives a list of events.

use onramp_domain::ports::WhatsAppReport;
use onramp_domain::waba::QualityRating;
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::messages::messages_change;
use crate::wire::id_text;

/// The `object` of WhatsApp Business Account webhooks.
pub const OBJECT: &str = "whatsapp_business_account";

/// The envelope, once its `object` is checked.
#[derive(Debug, Deserialize)]
struct Envelope {
    entry: Vec<Entry>,
}

/// One `entry`: a WABA (or, for some fields, a business portfolio) and its changes.
#[derive(Debug, Deserialize)]
struct Entry {
    id: Value,
    #[serde(default)]
    time: Option<Value>,
    #[serde(default)]
    changes: Vec<Change>,
}

/// One `changes[]` item.
#[derive(Debug, Deserialize)]
pub(super) struct Change {
    pub(super) field: String,
    #[serde(default)]
    pub(super) value: Value,
}

/// `account_review_update` (doc …/webhooks/reference/account_review_update/).
#[derive(Debug, Deserialize)]
struct ReviewValue {
    decision: String,
}

/// `account_update` (doc …/webhooks/reference/account_update).
#[derive(Debug, Deserialize)]
struct AccountValue {
    event: String,
}

/// `phone_number_quality_update` (doc …/webhooks/reference/phone_number_quality_update.md).
#[derive(Debug, Deserialize)]
struct QualityValue {
    display_phone_number: String,
    event: String,
    #[serde(default)]
    current_limit: Option<String>,
    /// Replaces `current_limit`, which Meta removes in February 2026.
    #[serde(default)]
    max_daily_conversations_per_business: Option<String>,
}

/// `message_template_status_update` (doc …/webhooks/reference/message_template_status_update/):
/// `message_template_id` is an integer there.
#[derive(Debug, Deserialize)]
struct TemplateValue {
    event: String,
    message_template_id: Value,
    message_template_name: String,
    #[serde(default)]
    reason: Option<String>,
}

/// Parses a Meta webhook body (after [`super::verify`]) into one event per inbound message, per
/// message status, and per other change of a known field.
///
/// - `messages`: each `messages[]` item is `messages.inbound` with event id its `id`
///   (`wamid.…`) and [`WhatsAppReport::Inbound`] (`from` is the user's `wa_id` with a `+`, `to`
///   is `metadata.phone_number_id`, `text` is the text's body, an interactive button or list
///   reply's title or a template button's text, and empty for media and everything else,
///   `profile_name` is the name of the matching contact, `at` the message's `timestamp`); each
///   `statuses[]` item is `messages.status.<status>` with event id `<wamid>:<status>` and
///   [`WhatsAppReport::Status`] for `sent`, `delivered`, `read` and `failed` (`error` is the
///   first error's `<code>: <title>` for `failed`), no report for other statuses; a change with
///   neither (Meta's system `errors`) is one `messages.errors` (or `messages`) event without a
///   report;
/// - `account_review_update`, `account_update`, `phone_number_quality_update`,
///   `message_template_status_update`: one event typed as the field, with the report the port
///   documents (the entry's `id` is the WABA; a quality update's `at` is the entry's `time`; its
///   `current_limit` falls back to `max_daily_conversations_per_business`) and the event id
///   `<field>:<entry id>:<entry time or ->:<first 16 hex digits of the SHA-256 of the value as
///   canonical JSON (keys sorted, no white space)>`, the same for every redelivery;
/// - every other field (`account_alerts`, `calls`, `flows`, ...) is skipped.
///
/// `report` (code delivery) and `payment` are always None.
///
/// # Errors
/// [`PayloadError`] when the body is not JSON, its `object` is not
/// `whatsapp_business_account`, it has no `entry` list, or a change of a known field lacks what
/// its report needs (an inbound message without `from`, `id` or `timestamp`, a status without
/// `id` or `status`, a decision, an event, a quality update without the entry's `time`, ...).
pub fn parse(body: &[u8]) -> Result<Vec<ParsedWebhook>, PayloadError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError(format!("not JSON: {e}")))?;
    match value.get("object").and_then(Value::as_str) {
        Some(OBJECT) => {}
        Some(other) => {
            return Err(PayloadError(format!(
                "object is {:?}, not {OBJECT}",
                other.chars().take(64).collect::<String>()
            )));
        }
        None => return Err(PayloadError("no object".into())),
    }
    let envelope: Envelope =
        serde_json::from_value(value).map_err(|e| PayloadError(format!("envelope: {e}")))?;
    let mut events = Vec::new();
    for entry in envelope.entry {
        let waba_id =
            id_text(&entry.id).ok_or_else(|| PayloadError("an entry without an id".into()))?;
        let time = entry.time.as_ref().map(unix_seconds).transpose()?;
        for change in entry.changes {
            if change.field == "messages" {
                events.extend(messages_change(&waba_id, time, &change)?);
            } else if let Some(report) = account_report(&waba_id, time, &change)? {
                events.push(ParsedWebhook {
                    event_id: change_id(&change, &waba_id, time),
                    event_type: change.field.clone(),
                    report: None,
                    payment: None,
                    whatsapp: Some(report),
                });
            }
        }
    }
    Ok(events)
}

/// The report of a change of one of the four account fields, None for an unknown field.
fn account_report(
    waba_id: &str,
    time: Option<i64>,
    change: &Change,
) -> Result<Option<WhatsAppReport>, PayloadError> {
    let waba_id = waba_id.to_string();
    Ok(Some(match change.field.as_str() {
        "account_review_update" => {
            let value: ReviewValue = value_of(change)?;
            WhatsAppReport::AccountReview {
                waba_id,
                decision: value.decision,
            }
        }
        "account_update" => {
            let value: AccountValue = value_of(change)?;
            WhatsAppReport::AccountUpdate {
                waba_id,
                event: value.event,
            }
        }
        "phone_number_quality_update" => {
            let value: QualityValue = value_of(change)?;
            let at = time.ok_or_else(|| {
                PayloadError("phone_number_quality_update: the entry has no time".into())
            })?;
            WhatsAppReport::Quality {
                waba_id,
                display_phone_number: value.display_phone_number,
                rating: rating(&value.event),
                event: value.event,
                current_limit: value
                    .current_limit
                    .or(value.max_daily_conversations_per_business),
                at,
            }
        }
        "message_template_status_update" => {
            let value: TemplateValue = value_of(change)?;
            WhatsAppReport::TemplateStatus {
                waba_id,
                template_id: id_text(&value.message_template_id).ok_or_else(|| {
                    PayloadError("message_template_status_update: no message_template_id".into())
                })?,
                name: value.message_template_name,
                event: value.event,
                // Meta sends `"NONE"` when there is no reason.
                reason: value
                    .reason
                    .filter(|r| !r.trim().is_empty() && !r.trim().eq_ignore_ascii_case("NONE")),
            }
        }
        _ => return Ok(None),
    }))
}

/// The quality rating a `phone_number_quality_update` event implies (the port's
/// [`WhatsAppReport::Quality`]): `FLAGGED` red, `DOWNGRADE` yellow, `UNFLAGGED` and `UPGRADE`
/// green, None otherwise (`ONBOARDING`, `THROUGHPUT_UPGRADE`, ...).
pub(super) fn rating(event: &str) -> Option<QualityRating> {
    match event {
        "FLAGGED" => Some(QualityRating::Red),
        "DOWNGRADE" => Some(QualityRating::Yellow),
        "UNFLAGGED" | "UPGRADE" => Some(QualityRating::Green),
        _ => None,
    }
}

/// The change's value as `T`.
pub(super) fn value_of<T: DeserializeOwned>(change: &Change) -> Result<T, PayloadError> {
    T::deserialize(&change.value).map_err(|e| PayloadError(format!("{}: {e}", change.field)))
}

/// Unix seconds from an integer or a string of digits.
pub(super) fn unix_seconds(value: &Value) -> Result<i64, PayloadError> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| PayloadError(format!("{value} is not unix seconds")))
}

/// `<field>:<entry id>:<entry time or ->:<16 hex digits of SHA-256(canonical value)>`.
pub(super) fn change_id(change: &Change, waba_id: &str, time: Option<i64>) -> String {
    let mut canonical_value = String::new();
    canonical(&change.value, &mut canonical_value);
    let digest = hex::encode(Sha256::digest(canonical_value.as_bytes()));
    let time = time.map_or_else(|| "-".to_string(), |t| t.to_string());
    format!("{}:{waba_id}:{time}:{}", change.field, &digest[..16])
}

/// `value` as JSON with every object's keys sorted and no white space, whatever order the
/// body had them in (and whether or not serde_json keeps insertion order in this build).
pub(super) fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_and_drops_white_space() {
        let a: Value = serde_json::from_str(
            r#"{"b": 1, "a": {"d": [1, {"z": "é\n", "y": null}], "c": true}}"#,
        )
        .unwrap();
        let mut out = String::new();
        canonical(&a, &mut out);
        assert_eq!(
            out,
            r#"{"a":{"c":true,"d":[1,{"y":null,"z":"é\n"}]},"b":1}"#
        );
    }

    #[test]
    fn change_ids_do_not_depend_on_key_order_but_on_every_value() {
        let change = |v: &str| Change {
            field: "account_update".into(),
            value: serde_json::from_str(v).unwrap(),
        };
        let one = change_id(&change(r#"{"event":"PARTNER_ADDED","x":1}"#), "1", Some(2));
        let two = change_id(&change(r#"{"x":1,"event":"PARTNER_ADDED"}"#), "1", Some(2));
        assert_eq!(one, two);
        assert!(
            one.starts_with("account_update:1:2:") && one.len() == "account_update:1:2:".len() + 16
        );
        assert_ne!(
            one,
            change_id(
                &change(r#"{"event":"PARTNER_REMOVED","x":1}"#),
                "1",
                Some(2)
            )
        );
        assert!(change_id(&change("{}"), "1", None).starts_with("account_update:1:-:"));
    }

    #[test]
    fn quality_events_map_to_ratings() {
        assert_eq!(rating("FLAGGED"), Some(QualityRating::Red));
        assert_eq!(rating("DOWNGRADE"), Some(QualityRating::Yellow));
        assert_eq!(rating("UNFLAGGED"), Some(QualityRating::Green));
        assert_eq!(rating("UPGRADE"), Some(QualityRating::Green));
        assert_eq!(rating("THROUGHPUT_UPGRADE"), None);
        assert_eq!(rating("flagged"), None);
    }

    #[test]
    fn times_are_integers_or_digit_strings() {
        assert_eq!(
            unix_seconds(&serde_json::json!(1739321024)).unwrap(),
            1_739_321_024
        );
        assert_eq!(
            unix_seconds(&serde_json::json!("1749416383")).unwrap(),
            1_749_416_383
        );
        assert!(unix_seconds(&serde_json::json!("soon")).is_err());
        assert!(unix_seconds(&serde_json::json!(1.5)).is_err());
    }
}
