//! The error of the WhatsApp area.

use crate::flow::FieldError;
use crate::phone::PhoneError;
use crate::ports::ProviderError;
use crate::session::SessionError;
use crate::waba::WabaError;

use super::{CoreError, SessionServiceError, VerificationServiceError, area_error};

/// Why a WhatsApp use case ([`WhatsAppService`](crate::app::WhatsAppService)) did not
/// succeed.
#[derive(Debug, thiserror::Error)]
pub enum WhatsAppServiceError {
    /// The commit path failed, or the session does not exist.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No such WhatsApp Business Account onboarding for this tenant.
    #[error("WhatsApp account not found")]
    WabaNotFound,
    /// A WABA command was refused (out of order, wrong path, invalid BSP transition).
    #[error(transparent)]
    Waba(#[from] WabaError),
    /// Embedded Signup's code is older than its time to live: it was not exchanged, and the
    /// user must sign up again (P-WABA-2).
    #[error("the signup code expired before its exchange; sign up again")]
    SignupCodeExpired,
    /// The BSP refused the code given for a sender's number (its message).
    #[error("the BSP refused the number's code: {0}")]
    SenderCodeIncorrect(String),
    /// The session's flow has no step of that kind (`whatsapp_signup`, `whatsapp_sender`) that
    /// fits the request.
    #[error("the session's flow has no {0} step")]
    NoStepOfKind(&'static str),
    /// The session's flow has no current step that WhatsApp can answer.
    #[error("the session has no WhatsApp channel: {0}")]
    NoWhatsAppChannel(String),
    /// An end user tried to answer a step only the tenant's administrators may answer
    /// (`admin_only`, MISSION.md C's step-based permissions).
    #[error("step {0} is answered by an administrator of the account, not by the end user")]
    AdminOnlyStep(String),
    /// The phone number is invalid.
    #[error("invalid phone number: {0}")]
    InvalidPhone(#[from] PhoneError),
    /// Request fields failed validation.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// A provider call made inside the request failed: 503 for unavailability, 502 otherwise.
    #[error("provider call failed")]
    Provider(#[from] ProviderError),
    /// The session refused the step an account completes.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A session use case the chat ran refused.
    #[error(transparent)]
    Sessions(#[from] SessionServiceError),
    /// A verification use case the chat ran refused.
    #[error(transparent)]
    Verifications(#[from] VerificationServiceError),
}
area_error!(WhatsAppServiceError; Sessions, Verifications);
