//! The JSON of the Provisioning API's WhatsApp sender calls, shaped as Sinch's Provisioning API
//! OpenAPI description (version 1.2.117, the `WhatsApp Senders` tag; a copy is kept in
//! api-evangelist/sinch `openapi/_original/sinch-provisioning-api-openapi.yaml`).

use onramp_domain::ports::{SenderInfo, SenderState};
use serde::{Deserialize, Serialize};

pub use super::details::SenderDetails;

/// Path below `/v1/projects/{projectId}` of the sender collection (`POST` creates, `GET`
/// lists); one sender is `.../senders/{senderId}`.
pub const SENDERS_PATH: &str = "/whatsapp/senders";

/// Path below a sender of its comments (`POST` adds one).
pub const COMMENTS_PATH: &str = "/comments";

/// The number's provider for a sender on the business's own number
/// (`WhatsappSenderInputNumberProviderTypeEnum`: `CUSTOMER` or `SINCH`).
pub const CUSTOMER_NUMBER: &str = "CUSTOMER";

/// Create request for a sender on the business's own number,
/// `WhatsappInputSenderPartnerInitiatedDto`: `{"phoneNumberProvider": "CUSTOMER", "details":
/// {"displayName", "vertical", "countryCode", "phoneNumber", "description"?, "email"?,
/// "address"?, "websiteOne"?, "websiteTwo"?, "about"?, "photoUrl"?}}` (the
/// `partnerInitiated` example of `POST /v1/projects/{projectId}/whatsapp/senders`). `status`
/// is left out (it defaults to `SUBMIT`: the sender goes to review at once), and so are `region`
/// and `metaLocalStorage` (the WhatsApp account's values are used).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSenderRequest {
    /// Always [`CUSTOMER_NUMBER`].
    pub phone_number_provider: &'static str,
    /// Display name, category, number and business profile.
    pub details: SenderDetails,
}

/// `{"comment": "..."}` (`WhatsappCommentInputDto`, at least one character).
#[derive(Debug, Serialize)]
pub struct CommentRequest<'a> {
    /// The comment for Sinch's reviewers.
    pub comment: &'a str,
}

/// The part of `WhatsappSenderDto` the adapter reads: `{"id", "state"?, "changes"?: {"status",
/// "errorReason"?, "details"}, ...}`. A sender under its first review has no `state` yet, only
/// `changes.status` (`IN_PROGRESS`, then `ERROR` with `errorReason` when refused; see the
/// `WHATSAPP_SENDER_ERROR` callback example).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderDto {
    /// The sender id (a UUID).
    #[serde(default)]
    pub id: Option<String>,
    /// `ACTIVE`, `IN_PROGRESS`, `INACTIVE`, `PENDING_VERIFICATION`, `SUSPENDED` or `ERROR`
    /// (`WhatsappSenderStatesEnum`).
    #[serde(default)]
    pub state: Option<String>,
    /// Pending changes, including those of a sender not yet active.
    #[serde(default)]
    pub changes: Option<SenderChangesDto>,
}

/// `WhatsappSenderChangesDto`, the fields read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderChangesDto {
    /// `DRAFT`, `IN_PROGRESS`, `REJECTED` or `ERROR` (the `filterStatuses` values).
    #[serde(default)]
    pub status: Option<String>,
    /// Why the changes were refused, e.g. `Reach out to support at support@sinch.com`.
    #[serde(default)]
    pub error_reason: Option<String>,
}

impl SenderDto {
    /// The sender's state in the port's terms (PROVIDERS.md section 5: `IN_PROGRESS` ->
    /// `ACTIVE`, or `ERROR`, `SUSPENDED`, `INACTIVE`):
    ///
    /// - `state` `ACTIVE`: [`SenderState::Active`] (pending changes do not stop a live sender);
    /// - `SUSPENDED`, `INACTIVE`: [`SenderState::Suspended`] with the state word;
    /// - `ERROR`: [`SenderState::Error`] with `changes.errorReason`, else `ERROR`;
    /// - `IN_PROGRESS`, `PENDING_VERIFICATION` (waiting for the number's OTP) or no `state`: read
    ///   `changes.status`: `ERROR` or `REJECTED` is [`SenderState::Error`] with
    ///   `changes.errorReason` (else the status word), `IN_PROGRESS` is
    ///   [`SenderState::InProgress`], `DRAFT` is [`SenderState::Error`] (a draft is never
    ///   reviewed; Onramp always submits); no changes is [`SenderState::InProgress`] when a
    ///   `state` was given.
    ///
    /// None for any other word, or for neither `state` nor `changes.status`.
    pub fn state(&self) -> Option<SenderState> {
        let changes = self.changes.as_ref();
        let reason = |word: &str| {
            changes
                .and_then(|c| c.error_reason.as_deref())
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .unwrap_or(word)
                .to_string()
        };
        let state = self.state.as_deref().map(str::trim);
        match state {
            Some("ACTIVE") => Some(SenderState::Active),
            Some(word @ ("SUSPENDED" | "INACTIVE")) => Some(SenderState::Suspended {
                reason: word.to_string(),
            }),
            Some("ERROR") => Some(SenderState::Error {
                reason: reason("ERROR"),
            }),
            None | Some("IN_PROGRESS" | "PENDING_VERIFICATION") => {
                match changes.and_then(|c| c.status.as_deref()).map(str::trim) {
                    Some(word @ ("ERROR" | "REJECTED")) => Some(SenderState::Error {
                        reason: reason(word),
                    }),
                    Some("IN_PROGRESS") => Some(SenderState::InProgress),
                    Some("DRAFT") => Some(SenderState::Error {
                        reason: reason("DRAFT: saved without being submitted for review"),
                    }),
                    None if state.is_some() => Some(SenderState::InProgress),
                    _ => None,
                }
            }
            Some(_) => None,
        }
    }

    /// The sender as the port reports it: its non-empty `id` and [`Self::state`]; None when
    /// either is missing.
    pub fn info(&self) -> Option<SenderInfo> {
        let id = self
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())?;
        Some(SenderInfo {
            id: id.to_string(),
            state: self.state()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(value: serde_json::Value) -> Option<SenderState> {
        serde_json::from_value::<SenderDto>(value).unwrap().state()
    }

    #[test]
    fn sender_states_map_to_the_port() {
        assert_eq!(state(json!({"state": "ACTIVE"})), Some(SenderState::Active));
        assert_eq!(
            state(json!({"state": "ACTIVE", "changes": {"status": "ERROR"}})),
            Some(SenderState::Active)
        );
        assert_eq!(
            state(json!({"state": "SUSPENDED"})),
            Some(SenderState::Suspended {
                reason: "SUSPENDED".into()
            })
        );
        assert_eq!(
            state(json!({"state": "INACTIVE"})),
            Some(SenderState::Suspended {
                reason: "INACTIVE".into()
            })
        );
        assert_eq!(
            state(json!({"state": "IN_PROGRESS"})),
            Some(SenderState::InProgress)
        );
        assert_eq!(
            state(json!({"state": "PENDING_VERIFICATION"})),
            Some(SenderState::InProgress)
        );
        assert_eq!(
            state(json!({"changes": {"status": "IN_PROGRESS"}})),
            Some(SenderState::InProgress)
        );
    }

    #[test]
    fn a_refused_sender_carries_sinchs_reason() {
        // The WHATSAPP_SENDER_ERROR callback example: no state, changes.status ERROR.
        assert_eq!(
            state(
                json!({"changes": {"status": "ERROR", "errorReason": "Reach out to support at support@sinch.com"}})
            ),
            Some(SenderState::Error {
                reason: "Reach out to support at support@sinch.com".into()
            })
        );
        assert_eq!(
            state(json!({"state": "ERROR"})),
            Some(SenderState::Error {
                reason: "ERROR".into()
            })
        );
        assert_eq!(
            state(json!({"changes": {"status": "REJECTED", "errorReason": " "}})),
            Some(SenderState::Error {
                reason: "REJECTED".into()
            })
        );
        assert!(matches!(
            state(json!({"changes": {"status": "DRAFT"}})),
            Some(SenderState::Error { .. })
        ));
    }

    #[test]
    fn unknown_or_missing_states_are_none() {
        assert_eq!(state(json!({"state": "UNRECOGNIZED"})), None);
        assert_eq!(state(json!({"changes": {"status": "SOMETHING"}})), None);
        assert_eq!(state(json!({"id": "x"})), None);
        let dto: SenderDto = serde_json::from_value(json!({"id": " ", "state": "ACTIVE"})).unwrap();
        assert_eq!(dto.info(), None);
    }
}
