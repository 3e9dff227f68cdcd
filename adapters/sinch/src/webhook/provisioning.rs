//! Provisioning API callbacks about WhatsApp senders: `{"type": "WHATSAPP_SENDER_<EVENT>",
//! "payload": <the sender at the time of the callback>, "comment"?}`, signed with the HMAC
//! scheme (Provisioning API OpenAPI 1.2.117, the callbacks of `POST` and `PATCH
//! /v1/projects/{projectId}/whatsapp/senders[/{senderId}]`: `WHATSAPP_SENDER_ACTIVE`,
//! `..._ERROR`, `..._COMMENT_ADDED`, `..._QUALITY_RATING_CHANGED`, `..._DELETED`, ...).

use onramp_domain::ports::{SenderState, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::events::{required, text};
use crate::provisioning::wire::SenderDto;

/// The `type` prefix of the sender callbacks.
pub(super) const SENDER_EVENT_PREFIX: &str = "WHATSAPP_SENDER_";

/// Parses a sender callback of type `kind`:
///
/// - event id `{payload.id}:{kind}:{payload.modified}` (the sender's last modification time;
///   `sha256:<hex of the body>` in its place when absent), so Sinch's retries of one callback
///   are recognised and successive changes are not;
/// - [`WhatsAppReport::SenderState`] with the payload's state as [`SenderDto::state`] reads
///   it, an `Error` reason completed by the callback's `comment` when the payload has no
///   `errorReason`; no report when the payload has no state (`WHATSAPP_SENDER_DELETED`).
///
/// # Errors
/// [`PayloadError`] for a payload that is not a sender or has no `id`.
pub(super) fn sender_event(
    kind: &str,
    callback: &Map<String, Value>,
    body: &[u8],
) -> Result<ParsedWebhook, PayloadError> {
    let payload = callback
        .get("payload")
        .and_then(Value::as_object)
        .ok_or_else(|| PayloadError(format!("{kind} without a payload object")))?;
    let sender_id = required(payload, "id", kind)?;
    let sender: SenderDto = serde_json::from_value(Value::Object(payload.clone()))
        .map_err(|e| PayloadError(format!("{kind} payload is not a sender: {e}")))?;
    let has_reason = sender
        .changes
        .as_ref()
        .and_then(|c| c.error_reason.as_deref())
        .is_some_and(|r| !r.trim().is_empty());
    let state = sender
        .state()
        .map(|state| match (state, text(callback, "comment")) {
            (SenderState::Error { reason }, Some(comment)) if !has_reason => SenderState::Error {
                reason: format!("{reason}: {comment}"),
            },
            (state, _) => state,
        });
    let version = text(payload, "modified").map_or_else(
        || format!("sha256:{}", hex::encode(Sha256::digest(body))),
        str::to_string,
    );
    Ok(ParsedWebhook {
        event_id: format!("{sender_id}:{kind}:{version}"),
        event_type: kind.to_string(),
        report: None,
        payment: None,
        whatsapp: state.map(|state| WhatsAppReport::SenderState {
            sender_id: sender_id.to_string(),
            state,
        }),
    })
}
