//! The Provisioning and Conversation APIs' answers in the ports' terms, in one place.
//!
//! The provider kit ([`onramp_provider_kit::http::execute`]) already turned 429, 5xx, 401 and
//! 403 into `Unavailable` / `Unauthorized`; what reaches these functions is a 2xx or another
//! 4xx. The two APIs word their errors differently:
//!
//! - Provisioning API ("PAPI error", Provisioning API OpenAPI 1.2.117 `WhatsappPapiErrorDto`;
//!   sinch/skills `skills/sinch-provisioning-api/SKILL.md`): `{"errorCode": "invalid_input",
//!   "message", "resolution", "additionalInformation"?}`, `errorCode` a snake_case word
//!   (`sender_not_found`, `project_not_initialized`, `used_phone_number_id`, ...);
//! - Conversation API (Sinch's Google-style error, Sinch Node SDK `InvalidArgument`):
//!   `{"error": {"code": 400, "message", "status": "INVALID_ARGUMENT", "details": [...]}}`.

use onramp_domain::ports::{
    NumberRegistration, NumberVerificationMethod, ProviderError, SenderInfo,
};
use onramp_provider_kit::http::Exchange;
use serde::Deserialize;

use crate::provisioning::wire::{RegistrationDto, SenderDto};

/// A project API answer the adapter cannot act on, kept as the source of
/// [`ProviderError::Unexpected`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sinch answered http {status}{}: {message}", .code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct SinchProjectError {
    /// HTTP status.
    pub status: u16,
    /// The Provisioning API's `errorCode` or the Conversation API's `error.status`, when the
    /// body had one.
    pub code: Option<String>,
    /// Sinch's message (with the Provisioning API's `resolution`), or the start of the body.
    pub message: String,
}

/// Either error shape (see the module documentation).
#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(rename = "errorCode", default)]
    error_code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    error: Option<GoogleError>,
}

/// `{"code", "message", "status"}` of the Conversation API.
#[derive(Debug, Deserialize)]
struct GoogleError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// What Sinch said about a failed call.
struct Failure {
    status: u16,
    code: Option<String>,
    message: String,
}

impl Failure {
    fn of(x: &Exchange) -> Self {
        let body = serde_json::from_slice::<ErrorBody>(&x.body).ok();
        let (code, message) = match body {
            Some(ErrorBody {
                error: Some(error), ..
            }) => (error.status, error.message),
            Some(body) => {
                let code = match body.error_code {
                    Some(serde_json::Value::String(s)) => Some(s),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                };
                let message = match (body.message, body.resolution) {
                    (Some(m), Some(r)) => Some(format!("{m} {r}")),
                    (m, r) => m.or(r),
                };
                (code, message)
            }
            None => (None, None),
        };
        Self {
            status: x.status.as_u16(),
            code: code.filter(|c| !c.trim().is_empty()),
            message: message.unwrap_or_else(|| x.snippet()),
        }
    }

    /// `message (code)`: the provider's words for the audit trail.
    fn audit(&self) -> String {
        match &self.code {
            Some(code) => format!("{} ({code})", self.message),
            None => format!("{} (http {})", self.message, self.status),
        }
    }

    fn unexpected(self) -> ProviderError {
        ProviderError::Unexpected(Box::new(SinchProjectError {
            status: self.status,
            code: self.code,
            message: self.message,
        }))
    }

    fn mentions(&self, words: &[&str]) -> bool {
        let text = self.message.to_ascii_lowercase();
        words.iter().any(|w| text.contains(w))
    }
}

/// A 2xx whose body lacks what the operation needs.
fn malformed(x: &Exchange, what: &str) -> ProviderError {
    Failure {
        status: x.status.as_u16(),
        code: None,
        message: what.to_string(),
    }
    .unexpected()
}

/// Provisioning error codes that say the project itself is not set up for WhatsApp: the tenant
/// must fix its Sinch account (Provisioning API OpenAPI 1.2.117, create and get sender
/// responses).
const PROJECT_NOT_READY: [&str; 3] = [
    "project_not_initialized",
    "project_not_found",
    "unauthorized_error",
];

/// Classifies a failed Provisioning API call:
///
/// - `project_not_initialized`, `project_not_found`, `unauthorized_error`: `Unauthorized` (the
///   project is not onboarded for WhatsApp or the id is wrong);
/// - any other 4xx carrying an `errorCode` (`invalid_input`, `sender_not_found`,
///   `used_phone_number_id`, `waba_id_used`, `file_not_found`, ...): `Rejected { code:
///   <errorCode> }`, the BSP's refusal of this submission;
/// - anything else (a 4xx without Sinch's body): `Unexpected`.
pub fn provisioning_failure(x: &Exchange) -> ProviderError {
    let f = Failure::of(x);
    match f.code.as_deref() {
        Some(code) if PROJECT_NOT_READY.contains(&code) => {
            ProviderError::Unauthorized { reason: f.audit() }
        }
        Some(code) if x.status.is_client_error() => ProviderError::rejected(code, f.audit()),
        _ => f.unexpected(),
    }
}

/// Reads the answer to `POST .../whatsapp/senders` and `GET .../whatsapp/senders/{senderId}`:
/// the sender and its state ([`SenderDto::info`]) from a 2xx, [`provisioning_failure`]
/// otherwise.
///
/// # Errors
/// As [`provisioning_failure`]; [`ProviderError::Unexpected`] for a 2xx without an `id`, or
/// with a state this adapter does not know.
pub fn sender_answer(x: &Exchange) -> Result<SenderInfo, ProviderError> {
    if !x.status.is_success() {
        return Err(provisioning_failure(x));
    }
    let sender: SenderDto = x.json()?;
    let info = sender.info();
    info.ok_or_else(|| malformed(x, "the sender has no id, or a state Onramp does not know"))
}

/// Reads the answer to `POST .../whatsapp/senders/{senderId}/comments` (201 with the comment):
/// any 2xx is accepted, [`provisioning_failure`] otherwise.
///
/// # Errors
/// As [`provisioning_failure`].
pub fn comment_answer(x: &Exchange) -> Result<(), ProviderError> {
    if x.status.is_success() {
        Ok(())
    } else {
        Err(provisioning_failure(x))
    }
}

/// Reads the answer to `POST .../whatsapp/senders/{senderId}/register` (200 `{"id", "method",
/// "accepted", "verificationCodeSent"}`): the registration as [`RegistrationDto::registration`]
/// reads it, `asked` standing for a `method` that is `UNRECOGNIZED` or missing;
/// [`provisioning_failure`] otherwise.
///
/// # Errors
/// As [`provisioning_failure`]; [`ProviderError::Unexpected`] for a 2xx that is not that JSON
/// or lacks `verificationCodeSent`.
pub fn registration_answer(
    x: &Exchange,
    asked: NumberVerificationMethod,
) -> Result<NumberRegistration, ProviderError> {
    if !x.status.is_success() {
        return Err(provisioning_failure(x));
    }
    let registration: RegistrationDto = x.json()?;
    registration
        .registration(asked)
        .ok_or_else(|| malformed(x, "the registration answer has no verificationCodeSent"))
}

/// Reads the answer to `POST .../whatsapp/senders/{senderId}/verify`: any 2xx is a success
/// whatever its body (the reference lists no fields for it); a 400 or 422 that
/// [`provisioning_failure`] reads as a refusal is `Rejected { code: "invalid_code" }` with
/// Sinch's message; anything else as [`provisioning_failure`] (a 404 `sender_not_found` stays
/// `Rejected { code: "sender_not_found" }`, a project not onboarded stays `Unauthorized`).
///
/// UNCONFIRMED: the reference documents only the 400 PAPI error of a malformed code
/// (`invalid_input`, `"validationErrors": ["code must be exactly 6 characters"]`), which the
/// adapter never sends; that a well-formed but wrong code is refused the same way is an
/// inference.
///
/// # Errors
/// As described.
pub fn verification_answer(x: &Exchange) -> Result<(), ProviderError> {
    if x.status.is_success() {
        return Ok(());
    }
    match provisioning_failure(x) {
        ProviderError::Rejected { message, .. } if matches!(x.status.as_u16(), 400 | 422) => {
            Err(ProviderError::rejected("invalid_code", message))
        }
        other => Err(other),
    }
}

/// Classifies a failed Conversation API call:
///
/// - 404 (the app or the project does not exist in this region): `Unauthorized`, a
///   configuration the tenant must fix;
/// - 400 whose message is about the recipient (`recipient`, `identity`, `phone`, `number`,
///   `contact`): `Rejected { code: "invalid_number" }`;
/// - anything else: `Unexpected`.
pub fn conversation_failure(x: &Exchange) -> ProviderError {
    let f = Failure::of(x);
    if f.status == 404 {
        return ProviderError::Unauthorized {
            reason: format!("conversation app or project not found: {}", f.audit()),
        };
    }
    if f.status == 400 && f.mentions(&["recipient", "identity", "phone", "number", "contact"]) {
        return ProviderError::rejected("invalid_number", f.audit());
    }
    f.unexpected()
}

/// Reads the answer to `POST .../messages:send`: the `message_id` from a 2xx
/// (`{"message_id", "accepted_time"}`, sinch/sinch-sdk-java
/// `openapi-contracts/src/test/resources/domains/conversation/v1/messages/response/SendMessageResponseDto.json`),
/// [`conversation_failure`] otherwise.
///
/// # Errors
/// As [`conversation_failure`]; [`ProviderError::Unexpected`] for a 2xx without a non-empty
/// `message_id`.
pub fn send_answer(x: &Exchange) -> Result<String, ProviderError> {
    if !x.status.is_success() {
        return Err(conversation_failure(x));
    }
    let sent: crate::conversation::wire::SendMessageResponse = x.json()?;
    match sent.message_id {
        Some(id) if !id.trim().is_empty() => Ok(id),
        _ => Err(malformed(x, "the send answer has no message_id")),
    }
}

/// Reads the answer to the health probe `GET .../apps/{app_id}`: any 2xx proves the access key
/// and the app; [`conversation_failure`] otherwise (a 404 is `Unauthorized`: the app is not in
/// this project or region).
///
/// # Errors
/// As [`conversation_failure`].
pub fn app_answer(x: &Exchange) -> Result<(), ProviderError> {
    if x.status.is_success() {
        Ok(())
    } else {
        Err(conversation_failure(x))
    }
}

#[cfg(test)]
mod tests;
