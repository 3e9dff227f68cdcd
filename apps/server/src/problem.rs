//! API errors as RFC 9457 `application/problem+json`, each with a stable `code`.
//!
//! [`ApiError`] maps to a status in one `match` ([`ApiError::status_and_code`]); a 4xx body says
//! what to fix, a 5xx body is opaque and its cause chain is logged once, inside the request's
//! span (so with its request id).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onramp_domain::app::AppError;
use onramp_domain::flow::FieldError;
use onramp_domain::session::SessionError;
use onramp_domain::verification::VerificationError;
use serde::Serialize;

/// Everything the API can answer instead of a success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404 `ONBOARDING_SESSION_NOT_FOUND`, also for another tenant's session.
    #[error("no onboarding session with this id")]
    SessionNotFound,
    /// 404 `VERIFICATION_NOT_FOUND`, also for another tenant's verification.
    #[error("no verification with this id")]
    VerificationNotFound,
    /// 404 `TEMPLATE_NOT_FOUND`.
    #[error("no flow template {0:?}")]
    TemplateNotFound(String),
    /// 404 `NOT_FOUND`: no such route.
    #[error("no such resource")]
    NotFound,
    /// 409 `INVALID_STEP_TRANSITION`.
    #[error("{0}")]
    InvalidStepTransition(String),
    /// 422 `CONFIGURATION_VALIDATION_FAILED`, with every failing field.
    #[error("{detail}")]
    ValidationFailed {
        /// What failed.
        detail: String,
        /// Each failing field.
        errors: Vec<FieldError>,
    },
    /// 422 `INVALID_PHONE_NUMBER`.
    #[error("{0}")]
    InvalidPhone(String),
    /// 422 `INVALID_CODE_FORMAT`: a code is 6 digits.
    #[error("a code is exactly 6 digits")]
    InvalidCodeFormat,
    /// 422 `VERIFICATION_CODE_INCORRECT`; the failed check was counted.
    #[error("the code is incorrect; {checks_remaining} attempts remaining")]
    CodeIncorrect {
        /// Checks left before the lock.
        checks_remaining: u32,
    },
    /// 429 `RATE_LIMITED` with `Retry-After`.
    #[error("{detail}")]
    RateLimited {
        /// What limit.
        detail: String,
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// 410 `VERIFICATION_EXPIRED`.
    #[error("the code expired; start a new verification")]
    VerificationExpired,
    /// 423 `VERIFICATION_LOCKED`.
    #[error("too many wrong codes; start a new verification")]
    VerificationLocked,
    /// 409 `VERIFICATION_ALREADY_APPROVED`.
    #[error("the verification is already approved")]
    VerificationAlreadyApproved,
    /// 422 `CHANNEL_UNAVAILABLE`.
    #[error("{0}")]
    ChannelUnavailable(String),
    /// 401 `UNAUTHORIZED`.
    #[error("{0}")]
    Unauthorized(String),
    /// 400 `MALFORMED_REQUEST`: the body or query does not parse as the operation's schema.
    #[error("{0}")]
    Malformed(String),
    /// 413 `PAYLOAD_TOO_LARGE`: the body is over the limit.
    #[error("the request body is over {limit_bytes} bytes")]
    PayloadTooLarge {
        /// The limit, bytes.
        limit_bytes: usize,
    },
    /// 415 `UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 414 `URI_TOO_LONG`: the path and query are over the limit.
    #[error("the request's path and query are over {limit_bytes} bytes")]
    UriTooLong {
        /// The limit, bytes.
        limit_bytes: usize,
    },
    /// 431 `REQUEST_HEADER_FIELDS_TOO_LARGE`: the headers are over the limit.
    #[error("the request's headers are over {limit_bytes} bytes")]
    HeadersTooLarge {
        /// The limit, bytes (names and values).
        limit_bytes: usize,
    },
    /// 409 `IDEMPOTENCY_KEY_REUSED`: the key was used with another request.
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    /// 409 `SECRET_SHOWN_ONCE`: the request with this `Idempotency-Key` succeeded before, and
    /// its answer held a secret (an API key, a token, a code) that Onramp shows once and never
    /// stores; `answer` is the rest of that answer, `answer_status` its status.
    #[error(
        "this request already succeeded; its answer held a secret that is shown only once and not kept, so it is not replayed"
    )]
    SecretShownOnce {
        /// The status of the original answer.
        answer_status: u16,
        /// The original answer without its secret fields.
        answer: serde_json::Value,
    },
    /// 409 `IDEMPOTENCY_REQUEST_IN_PROGRESS`.
    #[error("a request with this Idempotency-Key is still in progress; retry shortly")]
    IdempotencyInProgress,
    /// 404 `SANDBOX_INACTIVE`: live providers are configured.
    #[error("the sandbox is not active")]
    SandboxInactive,
    /// 503 `CONTENTION`: too many concurrent changes to one resource.
    #[error("too many concurrent changes to this resource; retry")]
    Contention,
    /// 503 `SERVICE_UNAVAILABLE`.
    /// A provider failed a call made inside the request (502, `PROVIDER_ERROR`; 503
    /// `PROVIDER_UNAVAILABLE` when it was unavailable).
    #[error("{detail}")]
    Provider {
        /// The provider's failure, in words.
        detail: String,
        /// True when the provider was unavailable (timeout, 5xx, 429).
        unavailable: bool,
    },
    /// No such provider, or one that takes no credentials (404, `PROVIDER_NOT_FOUND`).
    #[error("{0}")]
    UnknownProvider(String),
    /// A webhook's signature does not verify (401, `WEBHOOK_SIGNATURE_INVALID`).
    #[error("{0}")]
    WebhookSignature(String),
    /// 404 `TRIAL_NOT_FOUND`, also for another tenant's trial.
    #[error("no trial with this id")]
    TrialNotFound,
    /// 404 `ORDER_NOT_FOUND`, also for another tenant's order.
    #[error("no order with this id")]
    OrderNotFound,
    /// 404 `CUSTOMER_NOT_FOUND`, also for another tenant's account.
    #[error("no customer account with this id")]
    CustomerNotFound,
    /// 402 `CARD_DECLINED`: the card was declined; another card may be tried.
    #[error("{detail}")]
    CardDeclined {
        /// The provider's message and code.
        detail: String,
        /// The issuer's decline code (`generic_decline`, `insufficient_funds`, ...).
        decline_code: Option<String>,
    },
    /// 409 `TRIAL_ALREADY_USED`: this card or phone had a free trial (P-TRI-3).
    #[error("this customer (card or phone) has had a free trial already")]
    TrialAlreadyUsed,
    /// 409 `ORDER_NOT_APPROVED`: the buyer has not approved the order yet.
    #[error("{0}")]
    OrderNotApproved(String),
    /// 422 `PAYMENT_REFUSED`: the payment provider refused the request.
    #[error("{0}")]
    PaymentRefused(String),
    /// 409 `INVALID_PAYMENT_TRANSITION`: the trial or order is not in a state for this.
    #[error("{0}")]
    InvalidPaymentTransition(String),
    /// 401 `STRIPE_WEBHOOK_FAILED` (MISSION.md C): a Stripe webhook whose signature does not
    /// verify.
    #[error("{0}")]
    StripeWebhook(String),
    /// 404 `WHATSAPP_ACCOUNT_NOT_FOUND`, also for another tenant's account.
    #[error("no WhatsApp account with this id")]
    WabaNotFound,
    /// 409 `INVALID_WABA_TRANSITION`: the account is not in a state for this (a resubmission
    /// of a sender that is not rejected, a message from an account not active yet).
    #[error("{0}")]
    InvalidWabaTransition(String),
    /// 410 `SIGNUP_CODE_EXPIRED`: Embedded Signup's code is past its time to live (or Meta says
    /// it is used); nothing was exchanged; the user signs up again (P-WABA-2).
    #[error("the signup code expired before it could be exchanged; sign up again")]
    SignupCodeExpired,
    /// 422 `SENDER_CODE_INCORRECT`: the BSP refused the code given for a WhatsApp sender's
    /// number (its message); another try, or a new code, may follow.
    #[error("the code for the sender's number was refused: {0}")]
    SenderCodeIncorrect(String),
    /// 422 `LINK_CODE_INCORRECT`: a wrong link code; attempts remain.
    #[error("the link code is incorrect; {attempts_remaining} attempts remaining")]
    LinkCodeIncorrect {
        /// Attempts left before the code locks.
        attempts_remaining: u32,
    },
    /// 404 `LINK_CODE_NOT_FOUND`: no link code was asked for this phone.
    #[error("no link code was requested for this phone number")]
    LinkCodeNotFound,
    /// 410 `LINK_CODE_EXPIRED`: the code is past its 300 s, or was used already.
    #[error("{0}")]
    LinkCodeExpired(String),
    /// 423 `LINK_CODE_LOCKED`: too many wrong codes; ask for a new one.
    #[error("too many wrong link codes; ask for a new code")]
    LinkCodeLocked,
    /// 401 `SESSION_TOKEN_INVALID`: the end-user token is missing, unknown, idle for more than
    /// an hour, revoked, or not for this platform (P-TOK-1).
    #[error("{0}")]
    SessionTokenInvalid(String),
    /// 403 `PLATFORMS_NOT_LINKED`: the tenant has not linked these platforms.
    #[error("{0}")]
    PlatformsNotLinked(String),
    /// 403 `STEP_ADMIN_ONLY`: an end user answered a step only the tenant may answer.
    #[error("{0}")]
    AdminOnlyStep(String),
    /// 409 `WHATSAPP_CHANNEL_UNAVAILABLE`: the session cannot be reached on WhatsApp (no phone,
    /// or finished).
    #[error("{0}")]
    WhatsappChannelUnavailable(String),
    /// 503 `SERVICE_UNAVAILABLE`.
    #[error("the service is unavailable; retry later")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// 500 `INTERNAL_ERROR`: opaque to the client, logged with its cause chain.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The problem+json body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:onramp:problem:<CODE>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong with this request, and what to fix.
    pub detail: String,
    /// Stable machine-readable code, e.g. `ONBOARDING_SESSION_NOT_FOUND`.
    pub code: &'static str,
    /// Failing fields, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Vec<FieldError>>,
    /// Seconds to wait, for rate limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Checks left, for an incorrect code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks_remaining: Option<u32>,
    /// The issuer's decline code, for a declined card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// For `SECRET_SHOWN_ONCE`: the status of the original answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_status: Option<u16>,
    /// For `SECRET_SHOWN_ONCE`: the original answer without its secret fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answer: Option<serde_json::Value>,
}

impl ApiError {
    /// The status and stable code of each variant.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            SessionNotFound => (StatusCode::NOT_FOUND, "ONBOARDING_SESSION_NOT_FOUND"),
            VerificationNotFound => (StatusCode::NOT_FOUND, "VERIFICATION_NOT_FOUND"),
            TemplateNotFound(_) => (StatusCode::NOT_FOUND, "TEMPLATE_NOT_FOUND"),
            NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            InvalidStepTransition(_) => (StatusCode::CONFLICT, "INVALID_STEP_TRANSITION"),
            ValidationFailed { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "CONFIGURATION_VALIDATION_FAILED",
            ),
            InvalidPhone(_) => (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_PHONE_NUMBER"),
            InvalidCodeFormat => (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_CODE_FORMAT"),
            CodeIncorrect { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "VERIFICATION_CODE_INCORRECT",
            ),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
            VerificationExpired => (StatusCode::GONE, "VERIFICATION_EXPIRED"),
            VerificationLocked => (StatusCode::LOCKED, "VERIFICATION_LOCKED"),
            VerificationAlreadyApproved => (StatusCode::CONFLICT, "VERIFICATION_ALREADY_APPROVED"),
            ChannelUnavailable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "CHANNEL_UNAVAILABLE"),
            Unauthorized(_) => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            Malformed(_) => (StatusCode::BAD_REQUEST, "MALFORMED_REQUEST"),
            PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
            }
            UriTooLong { .. } => (StatusCode::URI_TOO_LONG, "URI_TOO_LONG"),
            HeadersTooLarge { .. } => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
            ),
            IdempotencyKeyReused => (StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED"),
            IdempotencyInProgress => (StatusCode::CONFLICT, "IDEMPOTENCY_REQUEST_IN_PROGRESS"),
            SecretShownOnce { .. } => (StatusCode::CONFLICT, "SECRET_SHOWN_ONCE"),
            SandboxInactive => (StatusCode::NOT_FOUND, "SANDBOX_INACTIVE"),
            Contention => (StatusCode::SERVICE_UNAVAILABLE, "CONTENTION"),
            Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
            Provider {
                unavailable: true, ..
            } => (StatusCode::SERVICE_UNAVAILABLE, "PROVIDER_UNAVAILABLE"),
            Provider { .. } => (StatusCode::BAD_GATEWAY, "PROVIDER_ERROR"),
            UnknownProvider(_) => (StatusCode::NOT_FOUND, "PROVIDER_NOT_FOUND"),
            WebhookSignature(_) => (StatusCode::UNAUTHORIZED, "WEBHOOK_SIGNATURE_INVALID"),
            StripeWebhook(_) => (StatusCode::UNAUTHORIZED, "STRIPE_WEBHOOK_FAILED"),
            TrialNotFound => (StatusCode::NOT_FOUND, "TRIAL_NOT_FOUND"),
            OrderNotFound => (StatusCode::NOT_FOUND, "ORDER_NOT_FOUND"),
            CustomerNotFound => (StatusCode::NOT_FOUND, "CUSTOMER_NOT_FOUND"),
            CardDeclined { .. } => (StatusCode::PAYMENT_REQUIRED, "CARD_DECLINED"),
            TrialAlreadyUsed => (StatusCode::CONFLICT, "TRIAL_ALREADY_USED"),
            OrderNotApproved(_) => (StatusCode::CONFLICT, "ORDER_NOT_APPROVED"),
            PaymentRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "PAYMENT_REFUSED"),
            InvalidPaymentTransition(_) => (StatusCode::CONFLICT, "INVALID_PAYMENT_TRANSITION"),
            WabaNotFound => (StatusCode::NOT_FOUND, "WHATSAPP_ACCOUNT_NOT_FOUND"),
            InvalidWabaTransition(_) => (StatusCode::CONFLICT, "INVALID_WABA_TRANSITION"),
            SignupCodeExpired => (StatusCode::GONE, "SIGNUP_CODE_EXPIRED"),
            LinkCodeIncorrect { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "LINK_CODE_INCORRECT"),
            SenderCodeIncorrect(_) => (StatusCode::UNPROCESSABLE_ENTITY, "SENDER_CODE_INCORRECT"),
            LinkCodeNotFound => (StatusCode::NOT_FOUND, "LINK_CODE_NOT_FOUND"),
            LinkCodeExpired(_) => (StatusCode::GONE, "LINK_CODE_EXPIRED"),
            LinkCodeLocked => (StatusCode::LOCKED, "LINK_CODE_LOCKED"),
            SessionTokenInvalid(_) => (StatusCode::UNAUTHORIZED, "SESSION_TOKEN_INVALID"),
            PlatformsNotLinked(_) => (StatusCode::FORBIDDEN, "PLATFORMS_NOT_LINKED"),
            AdminOnlyStep(_) => (StatusCode::FORBIDDEN, "STEP_ADMIN_ONLY"),
            WhatsappChannelUnavailable(_) => (StatusCode::CONFLICT, "WHATSAPP_CHANNEL_UNAVAILABLE"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
        }
    }
}

fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %cause_chain(&self), "request failed");
        }
        let detail = self.to_string();
        let (answer_status, answer) = match &self {
            ApiError::SecretShownOnce {
                answer_status,
                answer,
            } => (Some(*answer_status), Some(answer.clone())),
            _ => (None, None),
        };
        let (errors, retry_after_seconds, checks_remaining, decline_code) = match self {
            ApiError::ValidationFailed { errors, .. } => (Some(errors), None, None, None),
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => (None, Some(retry_after_seconds), None, None),
            ApiError::CodeIncorrect { checks_remaining } => {
                (None, None, Some(checks_remaining), None)
            }
            ApiError::LinkCodeIncorrect { attempts_remaining } => {
                (None, None, Some(attempts_remaining), None)
            }
            ApiError::CardDeclined { decline_code, .. } => (None, None, None, decline_code),
            _ => (None, None, None, None),
        };
        let problem = Problem {
            kind: format!("urn:onramp:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code,
            errors,
            retry_after_seconds,
            checks_remaining,
            decline_code,
            answer_status,
            answer,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after_seconds
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        response
    }
}

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
            AppError::Verification(v) => match v {
                VerificationError::NotStarted => Self::VerificationNotFound,
                VerificationError::RateLimited {
                    retry_after_seconds,
                } => Self::RateLimited {
                    detail: format!(
                        "at most 5 codes per phone number per hour; retry in {retry_after_seconds} s"
                    ),
                    retry_after_seconds,
                },
                VerificationError::ResendTooSoon {
                    retry_after_seconds,
                } => Self::RateLimited {
                    detail: format!(
                        "a code was sent moments ago; retry in {retry_after_seconds} s"
                    ),
                    retry_after_seconds,
                },
                VerificationError::Expired => Self::VerificationExpired,
                VerificationError::Locked => Self::VerificationLocked,
                VerificationError::AlreadyApproved => Self::VerificationAlreadyApproved,
                VerificationError::ChannelUnavailable(_) => Self::ChannelUnavailable(v.to_string()),
                VerificationError::AlreadyStarted | VerificationError::UnknownDelivery(_) => {
                    Self::Internal(Box::new(v))
                }
            },
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
            AppError::NoPaymentStep(kind) => Self::ValidationFailed {
                detail: format!("the session's flow has no {kind} step with payment terms"),
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
            AppError::Link(l) => {
                use onramp_domain::link::LinkError;
                match l {
                    LinkError::NoCode => Self::LinkCodeNotFound,
                    LinkError::Locked => Self::LinkCodeLocked,
                    LinkError::Expired | LinkError::AlreadyUsed => {
                        Self::LinkCodeExpired(l.to_string())
                    }
                }
            }
            AppError::LinkCodeIncorrect { attempts_remaining } => {
                Self::LinkCodeIncorrect { attempts_remaining }
            }
            AppError::TokenInvalid => Self::SessionTokenInvalid(e.to_string()),
            AppError::PlatformsNotLinked { .. } => Self::PlatformsNotLinked(e.to_string()),
            AppError::NoWhatsappChannel(detail) => Self::WhatsappChannelUnavailable(detail),
            AppError::AdminOnlyStep(_) => Self::AdminOnlyStep(e.to_string()),
            AppError::Store(_) | AppError::Corrupt(_) => Self::Internal(Box::new(e)),
        }
    }
}
