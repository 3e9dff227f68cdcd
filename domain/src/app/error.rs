//! The application services' error: everything a use case can answer instead of a result.

use crate::flow::FieldError;
use crate::phone::PhoneError;
use crate::ports::StoreError;
use crate::session::SessionError;
use crate::verification::VerificationError;

/// Why a use case did not succeed. The HTTP layer maps each variant to one status and code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such session for this tenant (also for another tenant's id: existence does not leak).
    #[error("onboarding session not found")]
    SessionNotFound,
    /// No such verification for this tenant.
    #[error("verification not found")]
    VerificationNotFound,
    /// No flow template with that id.
    #[error("flow template {0} not found")]
    TemplateNotFound(String),
    /// The session's pinned flow version is no longer loaded.
    #[error("flow {flow_id} version {version} is not loaded")]
    FlowVersionUnavailable {
        /// Flow id.
        flow_id: String,
        /// Pinned version.
        version: u32,
    },
    /// A session command was refused.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A verification command was refused.
    #[error(transparent)]
    Verification(#[from] VerificationError),
    /// The phone number is invalid.
    #[error("invalid phone number: {0}")]
    InvalidPhone(#[from] PhoneError),
    /// Request fields failed validation (other than step answers).
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// A wrong code was checked; the verification is still pending.
    #[error("incorrect code; {checks_remaining} checks remaining")]
    CodeIncorrect {
        /// Checks left before the verification locks.
        checks_remaining: u32,
    },
    /// The command kept conflicting with concurrent writers.
    #[error("too much contention on this resource; retry")]
    Contention,
    /// The store failed.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// Stored data could not be read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A provider call made inside a request failed (checking a provider-owned code, testing
    /// an integration): 503 for unavailability, 502 otherwise.
    #[error("provider call failed")]
    Provider(#[from] crate::ports::ProviderError),
    /// An unknown or unsupported provider name.
    #[error("unknown provider {0}")]
    UnknownProvider(String),
    /// Integration credentials that do not fit the provider's shape.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// No such trial for this tenant.
    #[error("trial not found")]
    TrialNotFound,
    /// No such order for this tenant.
    #[error("order not found")]
    OrderNotFound,
    /// No such customer account for this tenant.
    #[error("customer account not found")]
    CustomerNotFound,
    /// The session's flow has no step of that kind (`card_on_file_trial`, `paypal_checkout`,
    /// `whatsapp_signup`, `whatsapp_sender`) that fits the request, or the step named is not one
    /// (a payment step also needs its payment terms).
    #[error("the session's flow has no {0} step")]
    NoStepOfKind(&'static str),
    /// A trial command was refused.
    #[error(transparent)]
    Trial(#[from] crate::trial::TrialError),
    /// An order command was refused.
    #[error(transparent)]
    Order(#[from] crate::order::OrderError),
    /// This card or phone had a free trial already (P-TRI-3).
    #[error("this customer has had a free trial already")]
    TrialAlreadyUsed,
    /// The card was declined; another card may be tried.
    #[error("card declined ({code}): {message}")]
    CardDeclined {
        /// The provider's code.
        code: String,
        /// The issuer's decline code.
        decline_code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// No such WhatsApp Business Account onboarding for this tenant.
    #[error("WhatsApp account not found")]
    WabaNotFound,
    /// A WABA command was refused (out of order, wrong path, invalid BSP transition).
    #[error(transparent)]
    Waba(#[from] crate::waba::WabaError),
    /// Embedded Signup's code is older than its time to live: it was not exchanged, and the
    /// user must sign up again (P-WABA-2).
    #[error("the signup code expired before its exchange; sign up again")]
    SignupCodeExpired,
    /// The BSP refused the code given for a sender's number (its message).
    #[error("the BSP refused the number's code: {0}")]
    SenderCodeIncorrect(String),
    /// A link code was refused (none asked, used, expired, locked) or is wrong.
    #[error(transparent)]
    Link(#[from] crate::link::LinkError),
    /// A wrong link code; attempts remain.
    #[error("incorrect link code; {attempts_remaining} attempts remaining")]
    LinkCodeIncorrect {
        /// Attempts left before the code locks.
        attempts_remaining: u32,
    },
    /// The end-user token is missing, malformed, unknown, idle for too long, revoked, or of
    /// another tenant or platform (P-TOK-1): 401 without saying which.
    #[error("the session token is invalid or expired")]
    TokenInvalid,
    /// The platforms named are not linked for token exchange.
    #[error("platform {from} is not linked to platform {to}")]
    PlatformsNotLinked {
        /// The token's platform.
        from: String,
        /// The platform asked for.
        to: String,
    },
    /// An end user tried to answer a step only the tenant's administrators may answer
    /// (`admin_only`, MISSION.md C's step-based permissions).
    #[error("step {0} is answered by an administrator of the account, not by the end user")]
    AdminOnlyStep(String),
    /// The session's flow has no current step that WhatsApp can answer.
    #[error("the session has no WhatsApp channel: {0}")]
    NoWhatsAppChannel(String),
    /// The payment provider refused the request (`ORDER_NOT_APPROVED`, an unknown price, ...).
    #[error("payment refused ({code}): {message}")]
    PaymentRefused {
        /// The provider's code.
        code: String,
        /// The provider's message.
        message: String,
    },
}

impl From<crate::ports::PaymentError> for AppError {
    fn from(e: crate::ports::PaymentError) -> Self {
        use crate::ports::PaymentError as P;
        match e {
            P::CardDeclined {
                code,
                decline_code,
                message,
            } => Self::CardDeclined {
                code,
                decline_code,
                message,
            },
            P::Refused { code, message } => Self::PaymentRefused { code, message },
            P::Provider(p) => Self::Provider(p),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
