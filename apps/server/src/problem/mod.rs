//! API errors as RFC 9457 `application/problem+json`, each with a stable `code`.
//!
//! [`ApiError`] maps to a status in one `match` ([`ApiError::status_and_code`]); a 4xx body says
//! what to fix, a 5xx body is opaque and its cause chain is logged once, inside the request's
//! span (so with its request id).
//!
//! # Layout
//! - this module: [`ApiError`], its statuses and codes;
//! - `body`: the [`Problem`] body and the response built from an [`ApiError`];
//! - `from_app`: the mapping of the application's errors (the error enum of each area,
//!   [`onramp_domain::app::SessionServiceError`] and its siblings),
//!   area by area, to [`ApiError`].

mod body;
mod from_app;

use axum::http::StatusCode;
use onramp_domain::flow::FieldError;

pub use self::body::Problem;

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
    /// 404 `EVENT_NOT_FOUND`, also for another tenant's event or one past its retention.
    #[error("no event with this id")]
    EventNotFound,
    /// 404 `WEBHOOK_ENDPOINT_NOT_FOUND`, also for another tenant's or a deleted endpoint.
    #[error("no webhook endpoint with this id")]
    WebhookEndpointNotFound,
    /// 422 `INVALID_WEBHOOK_ENDPOINT`: a refused URL (malformed, or a private destination), an
    /// unknown event type, a zero rate limit.
    #[error("{0}")]
    InvalidWebhookEndpoint(String),
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
    WhatsAppChannelUnavailable(String),
    /// 503 `SERVICE_UNAVAILABLE`.
    #[error("the service is unavailable; retry later")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// 500 `INTERNAL_ERROR`: opaque to the client, logged with its cause chain.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// 400 `MALFORMED_REQUEST` for a listing cursor that no page handed out.
    pub fn invalid_cursor() -> Self {
        Self::Malformed("invalid cursor: pass the next_cursor of a previous page".into())
    }

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
            EventNotFound => (StatusCode::NOT_FOUND, "EVENT_NOT_FOUND"),
            WebhookEndpointNotFound => (StatusCode::NOT_FOUND, "WEBHOOK_ENDPOINT_NOT_FOUND"),
            InvalidWebhookEndpoint(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_WEBHOOK_ENDPOINT")
            }
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
            WhatsAppChannelUnavailable(_) => (StatusCode::CONFLICT, "WHATSAPP_CHANNEL_UNAVAILABLE"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
        }
    }
}
