//! WhatsApp use cases (issue 5): the Embedded Signup saga and the BSP sender lifecycle of a
//! customer's WhatsApp Business Account, the conversation of a session over WhatsApp, and what
//! WhatsApp webhooks report.

pub mod accounts;
pub mod bsp;
mod bsp_mail;
pub mod chat;
pub mod conversation;
pub mod number;
pub mod reports;
pub mod signup;

use time::Duration;

pub use accounts::{BspDetails, WabaAccountView};

/// WhatsApp settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppPolicy {
    /// How long Embedded Signup's code may be exchanged after it was received (30 s by
    /// default, P-WABA-2).
    pub code_ttl: Duration,
    /// The currency of the shared credit line (ISO 4217, `USD` by default).
    pub credit_currency: String,
    /// A business token is refreshed this long before it expires (7 days by default).
    pub token_refresh_before: Duration,
    /// A business token's lifetime when Meta gives none (60 days, MISSION.md D).
    pub default_token_lifetime: Duration,
    /// How often a sender in review at the BSP is polled (1 hour by default; reviews take
    /// 24-48 h, MISSION.md A).
    pub review_poll_interval: Duration,
    /// The flow a person who writes first on WhatsApp starts (`conversational-profile`).
    pub inbound_flow: String,
}

impl Default for WhatsAppPolicy {
    fn default() -> Self {
        Self {
            code_ttl: crate::waba::DEFAULT_CODE_TTL,
            credit_currency: "USD".into(),
            token_refresh_before: Duration::days(7),
            default_token_lifetime: Duration::days(60),
            review_poll_interval: Duration::hours(1),
            inbound_flow: "conversational-profile".into(),
        }
    }
}
