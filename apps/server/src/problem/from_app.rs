//! The application's errors as API errors: one `match` per area's error enum
//! ([`CoreError`], [`SessionServiceError`], [`VerificationServiceError`],
//! [`PaymentServiceError`], [`WhatsAppServiceError`], [`EndUserServiceError`],
//! [`IntegrationServiceError`], [`WebhookServiceError`], [`OutboundServiceError`]), with the deciders' refusals that
//! several areas share (a session's, a verification's, a link code's) in their own functions.

use onramp_domain::app::{
    CoreError, EndUserServiceError, IntegrationServiceError, OutboundServiceError,
    PaymentServiceError, SessionServiceError, VerificationServiceError, WebhookServiceError,
    WhatsAppServiceError,
};
use onramp_domain::link::LinkError;
use onramp_domain::ports::{ProviderError, StoreError};
use onramp_domain::session::SessionError;
use onramp_domain::verification::VerificationError;

use super::ApiError;

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::SessionNotFound => Self::SessionNotFound,
            CoreError::TemplateNotFound(id) => Self::TemplateNotFound(id),
            CoreError::Contention => Self::Contention,
            CoreError::Store(StoreError::Unavailable(source)) => Self::Unavailable(source),
            CoreError::Store(StoreError::InvalidCursor) => Self::invalid_cursor(),
            CoreError::FlowVersionUnavailable { .. }
            | CoreError::Store(_)
            | CoreError::Corrupt(_) => Self::Internal(Box::new(e)),
        }
    }
}

impl From<SessionServiceError> for ApiError {
    fn from(e: SessionServiceError) -> Self {
        match e {
            SessionServiceError::Core(c) => c.into(),
            SessionServiceError::Session(s) => session(s),
        }
    }
}

impl From<VerificationServiceError> for ApiError {
    fn from(e: VerificationServiceError) -> Self {
        match e {
            VerificationServiceError::Core(c) => c.into(),
            VerificationServiceError::VerificationNotFound => Self::VerificationNotFound,
            VerificationServiceError::Verification(v) => verification(v),
            VerificationServiceError::CodeIncorrect { checks_remaining } => {
                Self::CodeIncorrect { checks_remaining }
            }
            VerificationServiceError::Session(s) => session(s),
            VerificationServiceError::Provider(p) => provider(&p),
        }
    }
}

impl From<PaymentServiceError> for ApiError {
    fn from(e: PaymentServiceError) -> Self {
        match e {
            PaymentServiceError::Core(c) => c.into(),
            PaymentServiceError::TrialNotFound => Self::TrialNotFound,
            PaymentServiceError::OrderNotFound => Self::OrderNotFound,
            PaymentServiceError::CustomerNotFound => Self::CustomerNotFound,
            PaymentServiceError::NoStepOfKind(kind) => no_step_of_kind(kind),
            PaymentServiceError::Trial(t) => Self::InvalidPaymentTransition(t.to_string()),
            PaymentServiceError::Order(o) => Self::InvalidPaymentTransition(o.to_string()),
            PaymentServiceError::TrialAlreadyUsed => Self::TrialAlreadyUsed,
            PaymentServiceError::CardDeclined {
                code,
                decline_code,
                message,
            } => Self::CardDeclined {
                detail: format!("the card was declined ({code}): {message} Try another card."),
                decline_code,
            },
            PaymentServiceError::PaymentRefused { code, message }
                if code == "ORDER_NOT_APPROVED" =>
            {
                Self::OrderNotApproved(format!(
                    "the buyer has not approved this order yet: {message}"
                ))
            }
            PaymentServiceError::PaymentRefused { code, message } => {
                Self::PaymentRefused(format!("the payment provider refused ({code}): {message}"))
            }
            PaymentServiceError::Provider(p) => provider(&p),
            PaymentServiceError::Validation(errors) => invalid(errors),
            PaymentServiceError::Session(s) => session(s),
        }
    }
}

impl From<WhatsAppServiceError> for ApiError {
    fn from(e: WhatsAppServiceError) -> Self {
        match e {
            WhatsAppServiceError::Core(c) => c.into(),
            WhatsAppServiceError::WabaNotFound => Self::WabaNotFound,
            WhatsAppServiceError::Waba(w) => Self::InvalidWabaTransition(w.to_string()),
            WhatsAppServiceError::SignupCodeExpired => Self::SignupCodeExpired,
            WhatsAppServiceError::SenderCodeIncorrect(message) => {
                Self::SenderCodeIncorrect(message)
            }
            WhatsAppServiceError::NoStepOfKind(kind) => no_step_of_kind(kind),
            WhatsAppServiceError::NoWhatsAppChannel(detail) => {
                Self::WhatsAppChannelUnavailable(detail)
            }
            WhatsAppServiceError::AdminOnlyStep(_) => Self::AdminOnlyStep(e.to_string()),
            WhatsAppServiceError::InvalidPhone(p) => Self::InvalidPhone(p.to_string()),
            WhatsAppServiceError::Validation(errors) => invalid(errors),
            WhatsAppServiceError::Provider(p) => provider(&p),
            WhatsAppServiceError::Session(s) => session(s),
            WhatsAppServiceError::Sessions(s) => s.into(),
            WhatsAppServiceError::Verifications(v) => v.into(),
        }
    }
}

impl From<EndUserServiceError> for ApiError {
    fn from(e: EndUserServiceError) -> Self {
        match e {
            EndUserServiceError::Core(c) => c.into(),
            EndUserServiceError::TokenInvalid => Self::SessionTokenInvalid(e.to_string()),
            EndUserServiceError::PlatformsNotLinked { .. } => {
                Self::PlatformsNotLinked(e.to_string())
            }
            EndUserServiceError::Link(l) => link(l),
            EndUserServiceError::LinkCodeIncorrect { attempts_remaining } => {
                Self::LinkCodeIncorrect { attempts_remaining }
            }
            EndUserServiceError::NoWhatsAppChannel(detail) => {
                Self::WhatsAppChannelUnavailable(detail)
            }
            EndUserServiceError::Validation(errors) => invalid(errors),
            EndUserServiceError::WhatsApp(w) => w.into(),
        }
    }
}

impl From<OutboundServiceError> for ApiError {
    fn from(e: OutboundServiceError) -> Self {
        match e {
            OutboundServiceError::Core(c) => c.into(),
            OutboundServiceError::EndpointNotFound => Self::WebhookEndpointNotFound,
            OutboundServiceError::EventNotFound => Self::EventNotFound,
            OutboundServiceError::InvalidEndpoint(detail) => Self::InvalidWebhookEndpoint(detail),
        }
    }
}

impl From<IntegrationServiceError> for ApiError {
    fn from(e: IntegrationServiceError) -> Self {
        match e {
            IntegrationServiceError::Core(c) => c.into(),
            IntegrationServiceError::UnknownProvider(p) => {
                Self::UnknownProvider(format!("no provider {p:?}"))
            }
            IntegrationServiceError::InvalidCredentials(detail) => Self::ValidationFailed {
                detail: format!("invalid credentials: {detail}"),
                errors: vec![],
            },
            IntegrationServiceError::Provider(p) => provider(&p),
        }
    }
}

impl From<WebhookServiceError> for ApiError {
    fn from(e: WebhookServiceError) -> Self {
        match e {
            WebhookServiceError::Core(c) => c.into(),
            WebhookServiceError::Verifications(v) => v.into(),
            WebhookServiceError::Payments(p) => p.into(),
            WebhookServiceError::WhatsApp(w) => w.into(),
        }
    }
}

impl From<ProviderError> for ApiError {
    fn from(p: ProviderError) -> Self {
        provider(&p)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        CoreError::from(e).into()
    }
}

/// A provider call made inside a request failed: 503 for unavailability, 502 otherwise.
fn provider(p: &ProviderError) -> ApiError {
    ApiError::Provider {
        unavailable: matches!(p, ProviderError::Unavailable { .. }),
        detail: format!("the provider failed: {}", p.reason()),
    }
}

/// Request fields that failed validation (other than a step's answers).
fn invalid(errors: Vec<onramp_domain::flow::FieldError>) -> ApiError {
    ApiError::ValidationFailed {
        detail: "the request is invalid".into(),
        errors,
    }
}

/// The session's flow has no step of `kind` that fits the request.
fn no_step_of_kind(kind: &str) -> ApiError {
    ApiError::ValidationFailed {
        detail: format!("the session's flow has no {kind} step that fits"),
        errors: vec![],
    }
}

/// A session decider's refusal.
fn session(s: SessionError) -> ApiError {
    match s {
        SessionError::InvalidAnswers { step, errors } => ApiError::ValidationFailed {
            detail: format!("the answers to step {step} are invalid"),
            errors,
        },
        SessionError::NotStarted => ApiError::SessionNotFound,
        other => ApiError::InvalidStepTransition(other.to_string()),
    }
}

/// A verification decider's refusal.
fn verification(v: VerificationError) -> ApiError {
    match v {
        VerificationError::NotStarted => ApiError::VerificationNotFound,
        VerificationError::RateLimited {
            retry_after_seconds,
        } => ApiError::RateLimited {
            detail: format!(
                "at most 5 codes per phone number per hour; retry in {retry_after_seconds} s"
            ),
            retry_after_seconds,
        },
        VerificationError::ResendTooSoon {
            retry_after_seconds,
        } => ApiError::RateLimited {
            detail: format!("a code was sent moments ago; retry in {retry_after_seconds} s"),
            retry_after_seconds,
        },
        VerificationError::Expired => ApiError::VerificationExpired,
        VerificationError::Locked => ApiError::VerificationLocked,
        VerificationError::AlreadyApproved => ApiError::VerificationAlreadyApproved,
        VerificationError::ChannelUnavailable(_) => ApiError::ChannelUnavailable(v.to_string()),
        VerificationError::AlreadyStarted | VerificationError::UnknownDelivery(_) => {
            ApiError::Internal(Box::new(v))
        }
    }
}

/// A link code's refusal (linking a WhatsApp conversation and a web session).
fn link(l: LinkError) -> ApiError {
    match l {
        LinkError::NoCode => ApiError::LinkCodeNotFound,
        LinkError::Locked => ApiError::LinkCodeLocked,
        LinkError::Expired | LinkError::AlreadyUsed => ApiError::LinkCodeExpired(l.to_string()),
    }
}
