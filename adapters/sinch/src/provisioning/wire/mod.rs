//! The JSON of the Provisioning API's WhatsApp sender calls, shaped as Sinch's Provisioning API
//! OpenAPI description (version 1.2.117, the `WhatsApp Senders` tag; a copy is kept in
//! api-evangelist/sinch `openapi/_original/sinch-provisioning-api-openapi.yaml`), and for the
//! number's registration and verification as the API reference 1.2.91
//! (<https://developers.sinch.com/docs/provisioning-api/api-reference/provisioning-api-1/whatsapp-senders/senderscontroller_register_v1>
//! and `.../senderscontroller_verify_v1`).

use onramp_domain::ports::{NumberRegistration, NumberVerificationMethod, SenderInfo, SenderState};
use serde::{Deserialize, Serialize};

pub use super::details::SenderDetails;

/// Path below `/v1/projects/{projectId}` of the sender collection (`POST` creates, `GET`
/// lists); one sender is `.../senders/{senderId}`.
pub const SENDERS_PATH: &str = "/whatsapp/senders";

/// Path below a sender of its comments (`POST` adds one).
pub const COMMENTS_PATH: &str = "/comments";

/// Path below a sender of its number's registration (`POST` has a code sent to the number).
pub const REGISTER_PATH: &str = "/register";

/// Path below a sender of its number's verification (`POST` gives the code back).
pub const VERIFY_PATH: &str = "/verify";

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

/// `{"method": "SMS" | "VOICE"}`, the body of `POST .../senders/{senderId}/register`
/// (`method` required).
#[derive(Debug, Serialize)]
pub struct RegisterRequest {
    /// [`method_word`] of the port's method.
    pub method: &'static str,
}

impl RegisterRequest {
    /// The request that has the code sent by `method`.
    pub fn new(method: NumberVerificationMethod) -> Self {
        Self {
            method: method_word(method),
        }
    }
}

/// Sinch's word for a verification method: `SMS` or `VOICE`.
pub fn method_word(method: NumberVerificationMethod) -> &'static str {
    match method {
        NumberVerificationMethod::Sms => "SMS",
        NumberVerificationMethod::Voice => "VOICE",
    }
}

/// The answer to `POST .../senders/{senderId}/register` (200): `{"id": <sender id>, "method":
/// "SMS" | "VOICE" | "UNRECOGNIZED", "accepted": <ISO 8601 UTC date-time>,
/// "verificationCodeSent": bool}`, all required by the reference; every field is optional
/// here so that [`Self::registration`] decides what a missing one means.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationDto {
    /// The sender id.
    #[serde(default)]
    pub id: Option<String>,
    /// The method Sinch used.
    #[serde(default)]
    pub method: Option<String>,
    /// When Sinch accepted the registration (ISO 8601, UTC).
    #[serde(default)]
    pub accepted: Option<String>,
    /// Whether the code went out (false when Meta already verified the number).
    #[serde(default)]
    pub verification_code_sent: Option<bool>,
}

impl RegistrationDto {
    /// The registration in the port's terms: `method` `SMS` or `VOICE` as given, and `asked`
    /// (the method of the request) when it is `UNRECOGNIZED`, another word or missing;
    /// `code_sent` from `verificationCodeSent`. None when `verificationCodeSent` is missing:
    /// whether a code went out is the one fact the caller needs.
    pub fn registration(&self, asked: NumberVerificationMethod) -> Option<NumberRegistration> {
        let method = match self.method.as_deref().map(str::trim) {
            Some("SMS") => NumberVerificationMethod::Sms,
            Some("VOICE") => NumberVerificationMethod::Voice,
            _ => asked,
        };
        Some(NumberRegistration {
            method,
            code_sent: self.verification_code_sent?,
        })
    }
}

/// `{"code": "123456"}`, the body of `POST .../senders/{senderId}/verify`: the code sent by the
/// registration, exactly 6 characters without spaces. Its `Debug` hides the code.
#[derive(Serialize)]
pub struct VerifyRequest<'a> {
    /// The one-time code.
    pub code: &'a str,
}

impl std::fmt::Debug for VerifyRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyRequest { code: ****** }")
    }
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
    /// `ACTIVE`, or `ERROR`, `SUSPENDED`, `INACTIVE`; `PENDING_VERIFICATION` from
    /// `WhatsappSenderStatesEnum`, Provisioning API reference 1.2.91):
    ///
    /// - `state` `ACTIVE`: [`SenderState::Active`] (pending changes do not stop a live sender);
    /// - `SUSPENDED`, `INACTIVE`: [`SenderState::Suspended`] with the state word;
    /// - `ERROR`: [`SenderState::Error`] with `changes.errorReason`, else `ERROR`;
    /// - `PENDING_VERIFICATION` (the number waits for its one-time code, sent by `POST
    ///   .../register` and given back by `POST .../verify`):
    ///   [`SenderState::PendingVerification`], unless `changes.status` is `ERROR` or
    ///   `REJECTED`, which is [`SenderState::Error`] as below (any other `changes.status`,
    ///   `DRAFT` included, leaves it pending verification);
    /// - `IN_PROGRESS` or no `state`: read `changes.status`: `ERROR` or `REJECTED` is
    ///   [`SenderState::Error`] with `changes.errorReason` (else the status word), `IN_PROGRESS`
    ///   is [`SenderState::InProgress`], `DRAFT` is [`SenderState::Error`] (a draft is never
    ///   reviewed; Onramp always submits); no changes is [`SenderState::InProgress`] when a
    ///   `state` was given.
    ///
    /// None for any other word, or for neither `state` nor `changes.status`. The provisioning
    /// callbacks go through this function too (`webhook::provisioning`).
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
        let status = changes.and_then(|c| c.status.as_deref()).map(str::trim);
        let refused = match status {
            Some(word @ ("ERROR" | "REJECTED")) => Some(SenderState::Error {
                reason: reason(word),
            }),
            _ => None,
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
            Some("PENDING_VERIFICATION") => refused.or(Some(SenderState::PendingVerification)),
            None | Some("IN_PROGRESS") => match status {
                _ if refused.is_some() => refused,
                Some("IN_PROGRESS") => Some(SenderState::InProgress),
                Some("DRAFT") => Some(SenderState::Error {
                    reason: reason("DRAFT: saved without being submitted for review"),
                }),
                None if state.is_some() => Some(SenderState::InProgress),
                _ => None,
            },
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
mod tests;
