//! Code delivery: sending one-time codes by voice call or SMS through a provider.

use std::time::Duration;

use crate::ids::{JobId, TenantId};
use crate::phone::PhoneNumber;
use crate::verification::{Channel, OtpCode};

/// One code to deliver.
#[derive(Debug, Clone)]
pub struct CodeDelivery {
    /// Idempotency key of this delivery: the same id delivered twice MUST reach the phone at
    /// most once (the outbox may run a job again after a crash).
    pub delivery_id: JobId,
    /// The tenant on whose behalf the code is sent.
    pub tenant: TenantId,
    /// Destination, E.164.
    pub to: PhoneNumber,
    /// Voice call or SMS.
    pub channel: Channel,
    /// The code, in clear only for the duration of the call.
    pub code: OtpCode,
}

/// What the provider answered for an accepted delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// Provider name (`sandbox`, `telnyx`, ...).
    pub provider: String,
    /// The provider's id for the message or call.
    pub provider_ref: String,
}

/// Why a provider call failed, in terms the domain can act on (HOUSE-STYLE.md section 3).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Timeout, 5xx, or 429: another provider or a later retry may succeed.
    #[error("provider unavailable: {reason}")]
    Unavailable {
        /// Provider's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// What happened, for the audit trail.
        reason: String,
    },
    /// The provider refused this delivery (unreachable or invalid number, call not answered,
    /// blocked country): retrying the same channel will not help.
    #[error("provider rejected the request ({code})")]
    Rejected {
        /// Stable machine-readable reason, e.g. `call_not_answered`, `undeliverable`.
        code: String,
    },
    /// Anything else; the source is kept.
    #[error("unexpected provider failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ProviderError {
    /// A short machine-readable reason for events and logs.
    pub fn reason(&self) -> String {
        match self {
            Self::Unavailable { reason, .. } => format!("unavailable: {reason}"),
            Self::Rejected { code } => code.clone(),
            Self::Unexpected(e) => format!("unexpected: {e}"),
        }
    }
}

/// Delivers one-time codes by voice call or SMS (DESIGN.md section 3).
///
/// # Errors
/// Implementations MUST return [`ProviderError::Unavailable`] for timeouts and 5xx responses and
/// [`ProviderError::Rejected`] when the destination cannot be reached on that channel, so that
/// the verification can fall back to the next channel.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait VerificationSender: Send + Sync {
    /// The provider's name, as recorded in delivery events.
    fn provider(&self) -> &str;

    /// Sends `delivery.code` to `delivery.to` on `delivery.channel`.
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError>;
}
