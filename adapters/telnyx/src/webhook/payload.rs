//! The Telnyx v2 webhook envelope and the Verify delivery events it carries.
//!
//! Envelope (PROVIDERS.md section 3; doc
//! <https://developers.telnyx.com/docs/identity/verify/receiving-webhooks>):
//! `{"data": {"event_type", "id", "occurred_at", "payload": {...}, "record_type": "event"},
//! "meta": {"attempt", "delivered_to"}}`.
//!
//! `verify.sent`, `verify.delivered` and `verify.failed` carry the verification in `payload`:
//! `{"id", "phone_number", "profile_id", "status", "delivery_status", "type", "custom_code",
//! "failed_attempts", ...}`, with `delivery_status` one of `sent`, `delivered`,
//! `sending_failed`, `delivery_failed`, `delivery_unconfirmed` (same doc, "Delivery
//! statuses").

use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, WebhookRequest};
use serde::Deserialize;

/// `{"data": Event, "meta": ...}` (meta is not read).
#[derive(Debug, Deserialize)]
struct Envelope {
    data: Event,
}

#[derive(Debug, Deserialize)]
struct Event {
    event_type: String,
    id: String,
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

/// The verification inside a `verify.*` event's payload (the fields read).
#[derive(Debug, Deserialize)]
struct VerifyPayload {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    delivery_status: Option<String>,
}

/// Parses a Telnyx webhook body (after [`super::verify`]).
///
/// The event id is `data.id` (unique per Telnyx event; a retry of the same event carries the
/// same id and a higher `meta.attempt`), the event type `data.event_type`. `verify.sent`,
/// `verify.delivered` and `verify.failed` give a [`DeliveryReport`] for the verification
/// `data.payload.id` (the [`DeliveryReceipt::provider_ref`](onramp_domain::ports::DeliveryReceipt)
/// of the send): [`ReportedStatus::Sent`], [`ReportedStatus::Delivered`] and
/// [`ReportedStatus::Failed`] whose reason is `payload.delivery_status` (e.g. `delivery_failed`),
/// else `payload.status`, else `failed`. Every other event type parses with `report: None`.
///
/// # Errors
/// [`PayloadError`] when the body is not JSON of that envelope, `data.id` or `data.event_type`
/// is empty, or a `verify.*` event has no verification id in its payload.
pub fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    let envelope: Envelope = serde_json::from_slice(&request.body)
        .map_err(|e| PayloadError(format!("not a Telnyx v2 event envelope: {e}")))?;
    let event = envelope.data;
    if event.id.trim().is_empty() {
        return Err(PayloadError("data.id is empty".into()));
    }
    if event.event_type.trim().is_empty() {
        return Err(PayloadError("data.event_type is empty".into()));
    }
    let report = match event.event_type.as_str() {
        "verify.sent" | "verify.delivered" | "verify.failed" => {
            Some(verify_report(&event.event_type, event.payload)?)
        }
        _ => None,
    };
    Ok(ParsedWebhook {
        payment: None,
        whatsapp: None,
        event_id: event.id,
        event_type: event.event_type,
        report,
    })
}

fn verify_report(
    event_type: &str,
    payload: Option<serde_json::Value>,
) -> Result<DeliveryReport, PayloadError> {
    let payload = payload.ok_or_else(|| PayloadError(format!("{event_type} without a payload")))?;
    let verification: VerifyPayload = serde_json::from_value(payload)
        .map_err(|e| PayloadError(format!("{event_type} payload is not a verification: {e}")))?;
    if verification.id.trim().is_empty() {
        return Err(PayloadError(format!("{event_type} payload.id is empty")));
    }
    let status = match event_type {
        "verify.sent" => ReportedStatus::Sent,
        "verify.delivered" => ReportedStatus::Delivered,
        _ => ReportedStatus::Failed {
            reason: [verification.delivery_status, verification.status]
                .into_iter()
                .flatten()
                .find(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "failed".to_string()),
        },
    };
    Ok(DeliveryReport {
        provider: ProviderId::Telnyx,
        provider_ref: verification.id,
        status,
    })
}
