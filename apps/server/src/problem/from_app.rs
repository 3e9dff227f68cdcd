//! The application's errors ([`AppError`]) as API errors: one `match` over the areas, with the
//! verification and link-code areas mapped in their own functions.

use onramp_domain::app::AppError;
use onramp_domain::link::LinkError;
use onramp_domain::session::SessionError;
use onramp_domain::verification::VerificationError;

use super::ApiError;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::SessionNotFound => Self::SessionNotFound,
            AppError::VerificationNotFound => Self::VerificationNotFound,
            AppError::TemplateNotFound(id) => Self::TemplateNotFound(id),
            AppError::FlowVersionUnavailable { .. } => Self::Internal(Box::new(e)),
            AppError::Session(SessionError::InvalidAnswers { step, errors }) => {
                Self::ValidationFailed {
                    detail: format!("the answers to step {step} are invalid"),
                    errors,
                }
            }
            AppError::Session(SessionError::NotStarted) => Self::SessionNotFound,
            AppError::Session(other) => Self::InvalidStepTransition(other.to_string()),
            AppError::Verification(v) => verification(v),
            AppError::InvalidPhone(p) => Self::InvalidPhone(p.to_string()),
            AppError::Validation(errors) => Self::ValidationFailed {
                detail: "the request is invalid".into(),
                errors,
            },
            AppError::CodeIncorrect { checks_remaining } => {
                Self::CodeIncorrect { checks_remaining }
            }
            AppError::Contention => Self::Contention,
            AppError::Store(onramp_domain::ports::StoreError::Unavailable(source)) => {
                Self::Unavailable(source)
            }
            AppError::Store(onramp_domain::ports::StoreError::InvalidCursor) => {
                Self::Malformed("invalid cursor: pass the next_cursor of a previous page".into())
            }
            AppError::Provider(p) => Self::Provider {
                unavailable: matches!(p, onramp_domain::ports::ProviderError::Unavailable { .. }),
                detail: format!("the provider failed: {}", p.reason()),
            },
            AppError::UnknownProvider(p) => Self::UnknownProvider(format!("no provider {p:?}")),
            AppError::InvalidCredentials(detail) => Self::ValidationFailed {
                detail: format!("invalid credentials: {detail}"),
                errors: vec![],
            },
            AppError::TrialNotFound => Self::TrialNotFound,
            AppError::OrderNotFound => Self::OrderNotFound,
            AppError::CustomerNotFound => Self::CustomerNotFound,
            AppError::NoStepOfKind(kind) => Self::ValidationFailed {
                detail: format!("the session's flow has no {kind} step that fits"),
                errors: vec![],
            },
            AppError::Trial(t) => Self::InvalidPaymentTransition(t.to_string()),
            AppError::Order(o) => Self::InvalidPaymentTransition(o.to_string()),
            AppError::TrialAlreadyUsed => Self::TrialAlreadyUsed,
            AppError::CardDeclined {
                code,
                decline_code,
                message,
            } => Self::CardDeclined {
                detail: format!("the card was declined ({code}): {message} Try another card."),
                decline_code,
            },
            AppError::PaymentRefused { code, message } if code == "ORDER_NOT_APPROVED" => {
                Self::OrderNotApproved(format!(
                    "the buyer has not approved this order yet: {message}"
                ))
            }
            AppError::PaymentRefused { code, message } => {
                Self::PaymentRefused(format!("the payment provider refused ({code}): {message}"))
            }
            AppError::WabaNotFound => Self::WabaNotFound,
            AppError::Waba(w) => Self::InvalidWabaTransition(w.to_string()),
            AppError::SignupCodeExpired => Self::SignupCodeExpired,
            AppError::SenderCodeIncorrect(message) => Self::SenderCodeIncorrect(message),
            AppError::Link(l) => link(l),
            AppError::LinkCodeIncorrect { attempts_remaining } => {
                Self::LinkCodeIncorrect { attempts_remaining }
            }
            AppError::TokenInvalid => Self::SessionTokenInvalid(e.to_string()),
            AppError::PlatformsNotLinked { .. } => Self::PlatformsNotLinked(e.to_string()),
            AppError::NoWhatsAppChannel(detail) => Self::WhatsAppChannelUnavailable(detail),
            AppError::AdminOnlyStep(_) => Self::AdminOnlyStep(e.to_string()),
            AppError::Store(_) | AppError::Corrupt(_) => Self::Internal(Box::new(e)),
        }
    }
}

/// The verification area: a decider's refusal.
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

/// The link-code area (linking a WhatsApp conversation and a web session): a decider's refusal.
fn link(l: LinkError) -> ApiError {
    match l {
        LinkError::NoCode => ApiError::LinkCodeNotFound,
        LinkError::Locked => ApiError::LinkCodeLocked,
        LinkError::Expired | LinkError::AlreadyUsed => ApiError::LinkCodeExpired(l.to_string()),
    }
}
