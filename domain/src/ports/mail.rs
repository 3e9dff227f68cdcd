//! E-mail notifications (the trial-will-end reminder, the welcome mail of a new account).

use crate::ids::TenantId;

use super::ProviderError;

/// One e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mail {
    /// The tenant on whose behalf it is sent.
    pub tenant: TenantId,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Idempotency key (the outbox job's id): the same key is delivered at most once where the
    /// mailer can ensure it (the sandbox mailbox keeps one copy).
    pub key: String,
}

/// Sends e-mail (DESIGN.md section 3).
///
/// # Errors
/// [`ProviderError::Unavailable`] when the mail service cannot take it now (the outbox retries
/// with backoff), other variants when it refuses it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`.
    async fn send(&self, mail: &Mail) -> Result<(), ProviderError>;
}
