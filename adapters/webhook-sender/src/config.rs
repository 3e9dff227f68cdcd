//! [`SenderSettings`]: how the sender reaches endpoints.

use std::time::Duration;

/// The timeout of one delivery when none is configured: 15 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How [`HttpWebhookSender`](crate::HttpWebhookSender) reaches endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderSettings {
    /// The longest one delivery may take, from connecting until the end of the answer's
    /// excerpt ([`DEFAULT_TIMEOUT`], 15 s, by default); past it the delivery fails with
    /// [`SendError::Timeout`](onramp_domain::ports::SendError::Timeout).
    pub timeout: Duration,
    /// Whether endpoints may be loopback, private, link-local or otherwise non-public
    /// addresses (and `localhost`). False by default: true only for development and tests,
    /// where the receiver runs on the same machine or network.
    pub allow_private: bool,
    /// The `user-agent` header of every delivery (`onramp-webhooks/<version>` by default).
    pub user_agent: String,
}

impl Default for SenderSettings {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            allow_private: false,
            user_agent: concat!("onramp-webhooks/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}
