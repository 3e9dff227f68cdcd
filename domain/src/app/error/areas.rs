//! The errors of the sessions, verification, end-user, integration and webhook areas, and of
//! the worker's jobs.

use crate::flow::FieldError;
use crate::link::LinkError;
use crate::ports::ProviderError;
use crate::session::SessionError;
use crate::verification::VerificationError;

use super::{CoreError, PaymentServiceError, WhatsAppServiceError, area_error};

/// Why a session use case ([`SessionService`](crate::app::SessionService)) did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SessionServiceError {
    /// The commit path failed, or the session or its template does not exist.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The session decider refused the command.
    #[error(transparent)]
    Session(#[from] SessionError),
}
area_error!(SessionServiceError);

/// Why a phone verification use case
/// ([`VerificationService`](crate::app::VerificationService)) did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum VerificationServiceError {
    /// The commit path failed, or the session does not exist.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No such verification for this tenant.
    #[error("verification not found")]
    VerificationNotFound,
    /// The verification decider refused the command.
    #[error(transparent)]
    Verification(#[from] VerificationError),
    /// A wrong code was checked; the verification is still pending.
    #[error("incorrect code; {checks_remaining} checks remaining")]
    CodeIncorrect {
        /// Checks left before the verification locks.
        checks_remaining: u32,
    },
    /// The session refused the step the approval completes.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Checking a provider-owned code failed: 503 for unavailability, 502 otherwise.
    #[error("provider call failed")]
    Provider(#[from] ProviderError),
}
area_error!(VerificationServiceError);

/// Why an end-user use case ([`EndUserService`](crate::app::EndUserService)) did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum EndUserServiceError {
    /// The commit path failed, or the session does not exist.
    #[error(transparent)]
    Core(#[from] CoreError),
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
    /// A link code was refused (none asked, used, expired, locked).
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A wrong link code; attempts remain.
    #[error("incorrect link code; {attempts_remaining} attempts remaining")]
    LinkCodeIncorrect {
        /// Attempts left before the code locks.
        attempts_remaining: u32,
    },
    /// The session has no WhatsApp conversation to send a link code in.
    #[error("the session has no WhatsApp channel: {0}")]
    NoWhatsAppChannel(String),
    /// Request fields failed validation.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// Sending the link code in the session's conversation failed.
    #[error(transparent)]
    WhatsApp(#[from] WhatsAppServiceError),
}
area_error!(EndUserServiceError; WhatsApp);

/// Why an integration use case ([`IntegrationService`](crate::app::IntegrationService)) did
/// not succeed.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationServiceError {
    /// The commit path failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An unknown or unsupported provider name.
    #[error("unknown provider {0}")]
    UnknownProvider(String),
    /// Integration credentials that do not fit the provider's shape.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// Testing the integration failed: 503 for unavailability, 502 otherwise.
    #[error("provider call failed")]
    Provider(#[from] ProviderError),
}
area_error!(IntegrationServiceError);

/// Why a provider webhook could not be stored or processed
/// ([`WebhookService`](crate::app::WebhookService)).
#[derive(Debug, thiserror::Error)]
pub enum WebhookServiceError {
    /// The commit path failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Applying a delivery report failed.
    #[error(transparent)]
    Verifications(#[from] VerificationServiceError),
    /// Applying a payment report failed.
    #[error(transparent)]
    Payments(#[from] PaymentServiceError),
    /// Applying a WhatsApp report failed.
    #[error(transparent)]
    WhatsApp(#[from] WhatsAppServiceError),
}
area_error!(WebhookServiceError; Verifications, Payments, WhatsApp);

/// Why a claimed job failed ([`Services::run_job`](crate::app::Services::run_job)): the area
/// that ran it failed, or its payload is corrupt. The worker releases it for a later attempt.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The commit path failed, or the payload is corrupt.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A session job.
    #[error(transparent)]
    Sessions(#[from] SessionServiceError),
    /// A verification job.
    #[error(transparent)]
    Verifications(#[from] VerificationServiceError),
    /// A trial or order job.
    #[error(transparent)]
    Payments(#[from] PaymentServiceError),
    /// A WhatsApp job.
    #[error(transparent)]
    WhatsApp(#[from] WhatsAppServiceError),
    /// A webhook job.
    #[error(transparent)]
    Webhooks(#[from] WebhookServiceError),
}

/// Why an outbound webhook use case ([`OutboundService`](crate::app::OutboundService)) did not
/// succeed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundServiceError {
    /// The commit path failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No such endpoint for this tenant (or it was deleted).
    #[error("webhook endpoint not found")]
    EndpointNotFound,
    /// No such event for this tenant (or it is past its retention).
    #[error("event not found")]
    EventNotFound,
    /// The endpoint's settings are refused: the reason (a private or malformed URL, an
    /// unknown event type).
    #[error("{0}")]
    InvalidEndpoint(String),
}
area_error!(OutboundServiceError);
