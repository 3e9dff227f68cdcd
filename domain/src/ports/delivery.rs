//! Code delivery: sending one-time codes by voice call or SMS through a provider, checking
//! provider-owned codes, and probing a provider's health.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{JobId, TenantId};
use crate::phone::PhoneNumber;
use crate::verification::{Channel, OtpCode};

/// A provider of code delivery. The chain of providers per channel is configuration
/// (issue 3: "voice: telnyx, twilio; sms: telnyx, twilio, sinch").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderId {
    /// The in-process simulator (magic numbers), used when no provider has credentials.
    Sandbox,
    /// Telnyx Verify v2.
    Telnyx,
    /// Twilio Verify v2.
    Twilio,
    /// Sinch Verification.
    Sinch,
    /// Stripe: card on file and trial subscriptions.
    Stripe,
    /// PayPal: Orders v2.
    Paypal,
    /// Meta: the WhatsApp Cloud API and Embedded Signup.
    Meta,
}

impl ProviderId {
    /// Every real provider, in the default chain order.
    pub const REAL: [ProviderId; 3] = [Self::Telnyx, Self::Twilio, Self::Sinch];

    /// The payment providers.
    pub const PAYMENTS: [ProviderId; 2] = [Self::Stripe, Self::Paypal];

    /// True for a provider that delivers codes (Telnyx, Twilio, Sinch, the sandbox).
    pub fn delivers_codes(self) -> bool {
        !Self::PAYMENTS.contains(&self) && self != Self::Meta
    }

    /// The stored and displayed name: `sandbox`, `telnyx`, `twilio`, `sinch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Telnyx => "telnyx",
            Self::Twilio => "twilio",
            Self::Sinch => "sinch",
            Self::Stripe => "stripe",
            Self::Paypal => "paypal",
            Self::Meta => "meta",
        }
    }

    /// Parses a name (lower case, as [`Self::as_str`] writes it).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sandbox" => Some(Self::Sandbox),
            "telnyx" => Some(Self::Telnyx),
            "twilio" => Some(Self::Twilio),
            "sinch" => Some(Self::Sinch),
            "stripe" => Some(Self::Stripe),
            "paypal" => Some(Self::Paypal),
            "meta" => Some(Self::Meta),
            _ => None,
        }
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One code to deliver.
#[derive(Debug, Clone)]
pub struct CodeDelivery {
    /// Idempotency key of this delivery attempt (the outbox job's id): the same id delivered
    /// twice MUST reach the phone at most once where the provider offers a way to ensure it.
    pub delivery_id: JobId,
    /// The tenant on whose behalf the code is sent.
    pub tenant: TenantId,
    /// Destination, E.164.
    pub to: PhoneNumber,
    /// Voice call or SMS.
    pub channel: Channel,
    /// The code, in clear only for the duration of the call. Providers that cannot send a code
    /// of ours ignore it and answer [`CodeOwner::Provider`].
    pub code: OtpCode,
}

/// Who generated the code a provider delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeOwner {
    /// Onramp's code was delivered (Telnyx `custom_code`, Twilio `CustomCode`): it is checked
    /// against Onramp's keyed hash, and survives a fallback to another provider.
    #[default]
    Onramp,
    /// The provider generated its own code (Sinch Verification): it is checked through the
    /// provider with [`VerificationSender::check_code`].
    Provider,
}

/// What the provider answered for an accepted delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The provider that accepted it.
    pub provider: ProviderId,
    /// The provider's id for the verification, message or call (Telnyx verification id,
    /// Twilio `VE…` sid, Sinch verification id). Webhooks are matched to deliveries by it.
    pub provider_ref: String,
    /// Whose code the provider delivers.
    pub code_owner: CodeOwner,
}

/// A provider-owned code to check through the provider.
#[derive(Debug, Clone)]
pub struct ProviderCheck {
    /// The tenant.
    pub tenant: TenantId,
    /// The phone, E.164.
    pub to: PhoneNumber,
    /// The channel the code went out on.
    pub channel: Channel,
    /// The provider's id of the verification ([`DeliveryReceipt::provider_ref`]).
    pub provider_ref: String,
    /// The code the user typed.
    pub code: OtpCode,
}

/// The provider's verdict on a provider-owned code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderVerdict {
    /// The provider accepted the code.
    Approved,
    /// The provider refused the code (wrong, expired at the provider, or too many tries).
    Refused,
}

/// Why a provider call failed, in terms the domain can act on (HOUSE-STYLE.md section 3).
/// Each adapter classifies in one place; the failover moves on for everything but
/// [`ProviderError::Rejected`].
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Timeout, connection failure, 5xx, or 429: another provider or a later retry may succeed.
    #[error("provider unavailable: {reason}")]
    Unavailable {
        /// Provider's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// What happened, for the audit trail (`http 503`, `timeout`, ...).
        reason: String,
    },
    /// The provider refused our credentials (401, 403): this provider cannot be used until the
    /// tenant fixes its integration; the next provider may work.
    #[error("provider refused the credentials: {reason}")]
    Unauthorized {
        /// The provider's message.
        reason: String,
    },
    /// The provider refused this delivery (invalid or unreachable number, blocked country):
    /// another provider will not do better, so the chain stops and the user is told.
    #[error("provider rejected the request ({code}): {message}")]
    Rejected {
        /// Stable machine-readable reason: `invalid_number`, `unreachable`,
        /// `blocked_country`, `call_not_answered`, `sms_undelivered`, `undeliverable`,
        /// `unsupported`.
        code: String,
        /// The provider's own message and error code, for the audit trail.
        message: String,
    },
    /// Anything else (an answer that does not parse); the source is kept. The failover treats
    /// it like [`ProviderError::Unavailable`].
    #[error("unexpected provider failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ProviderError {
    /// A rejection with `code` and the provider's `message`.
    pub fn rejected(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Rejected {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A short machine-readable reason for events and logs.
    pub fn reason(&self) -> String {
        match self {
            Self::Unavailable { reason, .. } => format!("unavailable: {reason}"),
            Self::Unauthorized { reason } => format!("unauthorized: {reason}"),
            Self::Rejected { code, .. } => code.clone(),
            Self::Unexpected(e) => format!("unexpected: {e}"),
        }
    }

    /// True when the next provider of the chain should be tried (everything but a rejection).
    pub fn moves_on(&self) -> bool {
        !matches!(self, Self::Rejected { .. })
    }

    /// True when the failure counts against the provider's circuit breaker: the provider itself
    /// is unwell (unavailable or unexpected answers), not the number or our credentials.
    pub fn counts_against_provider(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Unexpected(_))
    }
}

/// Delivers one-time codes by voice call or SMS through one provider (DESIGN.md section 3).
///
/// # Errors
/// Implementations classify every failure into [`ProviderError`] in one place:
/// [`ProviderError::Unavailable`] for timeouts, connection failures, 5xx and 429 (with its
/// `Retry-After`), [`ProviderError::Unauthorized`] for 401/403, [`ProviderError::Rejected`]
/// when the destination cannot be reached, [`ProviderError::Unexpected`] for answers that do not
/// parse. They retry (exponential backoff with jitter) only calls that are safe to repeat.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait VerificationSender: Send + Sync {
    /// The provider behind this sender.
    fn provider(&self) -> ProviderId;

    /// Sends a code to `delivery.to` on `delivery.channel`.
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError>;

    /// Checks a provider-owned code through the provider ([`CodeOwner::Provider`]).
    ///
    /// # Errors
    /// Providers that always deliver Onramp's code answer `Rejected { code: "unsupported" }`.
    async fn check_code(&self, check: &ProviderCheck) -> Result<ProviderVerdict, ProviderError>;

    /// A cheap authenticated call that proves the credentials work (issue 3, item 4).
    async fn health_check(&self) -> Result<(), ProviderError>;
}

/// Finds the sender of a provider for a tenant: the tenant's own credentials first, then the
/// server-wide ones (the providers' usual environment variables).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SenderDirectory: Send + Sync {
    /// The sender of `provider` for `tenant`, or None when nobody configured credentials for it.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] when stored credentials cannot be read or decrypted.
    async fn sender(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Option<std::sync::Arc<dyn VerificationSender>>, ProviderError>;

    /// The sandbox sender, used when no provider of a channel's chain has credentials.
    fn sandbox(&self) -> std::sync::Arc<dyn VerificationSender>;
}

/// What a provider's webhook says about a delivery, once its signature is verified and its body
/// parsed by the provider's adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// The provider that sent it.
    pub provider: ProviderId,
    /// The provider's id of the verification, message or call ([`DeliveryReceipt::provider_ref`]).
    pub provider_ref: String,
    /// What happened.
    pub status: ReportedStatus,
}

/// A delivery status reported by a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportedStatus {
    /// Handed to the carrier; nothing to do.
    Sent,
    /// Reached the phone.
    Delivered,
    /// Not delivered: a voice call not answered or failed moves to SMS, an undelivered SMS moves
    /// to the next provider.
    Failed {
        /// The provider's reason, e.g. `no-answer`, `undelivered`, `30003`.
        reason: String,
    },
    /// The provider reports the verification itself finished (approved, expired, canceled); kept
    /// for the audit trail only.
    Other {
        /// The provider's status word.
        status: String,
    },
}
