//! End users (issue 5, item 7; MISSION.md A and B): link codes that carry a WhatsApp session to
//! the web, and the session tokens end users hold on each of a tenant's platforms.

pub mod links;
pub mod tokens;

use time::Duration;

/// End-user settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndUserPolicy {
    /// A link code's time to live (300 s, MISSION.md B; P-LNK-1).
    pub link_ttl: Duration,
    /// Wrong attempts that lock a link code (5).
    pub link_max_wrong: u32,
    /// A session token unused this long is refused (1 hour, MISSION.md A; P-TOK-1).
    pub token_idle_timeout: Duration,
    /// A token's use is recorded at most this often (its idle clock is this precise).
    pub token_touch_interval: Duration,
}

impl Default for EndUserPolicy {
    fn default() -> Self {
        Self {
            link_ttl: crate::link::DEFAULT_LINK_TTL,
            link_max_wrong: crate::link::DEFAULT_MAX_WRONG,
            token_idle_timeout: crate::token::DEFAULT_IDLE_TIMEOUT,
            token_touch_interval: Duration::seconds(30),
        }
    }
}
