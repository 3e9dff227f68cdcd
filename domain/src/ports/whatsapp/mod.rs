//! WhatsApp: messages in and out (`WhatsAppMessaging`), and the provisioning of a customer's
//! WhatsApp Business Account, along Meta's Embedded Signup (`EmbeddedSignup`) or through a BSP
//! (`BspProvisioning`). DESIGN.md section 3 names one `WabaProvisioning` capability; it is two
//! traits here because no provider offers both paths (Meta is the Solution Partner path of
//! MISSION.md D, Sinch the BSP path of MISSION.md A).
//!
//! This module holds the clear secret, the messaging and Embedded Signup ports, the directory
//! and what WhatsApp webhooks report; `bsp` holds the BSP provisioning port and its types.

mod bsp;

pub use bsp::*;

use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::ports::delivery::{ProviderError, ProviderId};

/// A secret in clear on its way between an adapter and the secrets port: a business token or a
/// registration PIN. It is never serialized and its `Debug` is redacted (P-WABA-3); the app seals
/// it before anything is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ClearSecret(String);

impl ClearSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret's text, for the one call that sends it to its provider.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClearSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClearSecret(<redacted>)")
    }
}

/// One text message to a WhatsApp user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// Onramp's id of this message (a UUID): sending the same key twice reaches the user at most
    /// once where the provider offers a way to ensure it (Sinch `correlation_id`, the sandbox).
    pub key: String,
    /// The user's number, E.164 (`+15551234567`, without any `whatsapp:` prefix).
    pub to: String,
    /// The text, at most 4096 characters (Meta's limit for `text.body`).
    pub text: String,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// Who carries it.
    pub provider: ProviderId,
    /// The provider's id of the message (`wamid.…`, `SM…`, a Sinch message id), which delivery
    /// statuses name.
    pub provider_ref: String,
}

/// Sends WhatsApp messages from the tenant's WhatsApp channel (Twilio, Sinch Conversation API,
/// Meta Cloud API, or the sandbox).
///
/// # Errors
/// Every failure is classified into [`ProviderError`] in one place per adapter:
/// `Unavailable` for timeouts, connection failures, 5xx and 429; `Unauthorized` for 401/403;
/// `Rejected` when the recipient cannot be reached (`not_joined` for Twilio's 63015,
/// `invalid_number`, `outside_window` for a free-form message outside the 24-hour window);
/// `Unexpected` for answers that do not parse.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait WhatsAppMessaging: Send + Sync {
    /// The provider behind this channel.
    fn provider(&self) -> ProviderId;

    /// Sends `message`.
    async fn send_text(&self, message: &OutboundMessage) -> Result<SentMessage, ProviderError>;

    /// A cheap authenticated call that proves the channel works.
    async fn health_check(&self) -> Result<(), ProviderError>;
}

/// The business token an authorization code was exchanged for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessToken {
    /// The token, in clear until the app seals it.
    pub access_token: ClearSecret,
    /// Its lifetime in seconds (`expires_in`), when Meta gives one; business integration system
    /// user tokens are believed not to expire (PROVIDERS.md section 6, UNCONFIRMED), and the app
    /// then assumes MISSION.md D's 60 days.
    pub expires_in: Option<u64>,
}

/// A client's WhatsApp phone number and the business token that acts for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientChannel {
    /// The phone number's id at Meta.
    pub phone_number_id: String,
    /// The client's business token.
    pub token: ClearSecret,
}

/// The server-side steps of Meta's Embedded Signup for a Solution Partner (PROVIDERS.md
/// section 6), and sending on a client's behalf afterwards (MISSION.md D).
///
/// # Errors
/// As [`WhatsAppMessaging`]; a Graph error is `Rejected` with a stable code: `code_expired`
/// (an authorization code used, expired or invalid: OAuthException 100 on the exchange),
/// `invalid_pin` (a PIN that is not 6 digits, or wrong for a number with two-step verification),
/// `permission_denied` (Graph codes 10 and 200-299), `invalid_parameter` (code 100),
/// `rate_limited` (4, 80007, 130429 are `Unavailable` instead), `graph_error` otherwise.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait EmbeddedSignup: Send + Sync {
    /// The provider (Meta, or the sandbox).
    fn provider(&self) -> ProviderId;

    /// Step 1: `GET /{version}/oauth/access_token?client_id&client_secret&code`.
    async fn exchange_code(&self, code: &ClearSecret) -> Result<BusinessToken, ProviderError>;

    /// Step 2: `POST /{waba-id}/subscribed_apps` with the business token.
    async fn subscribe_webhooks(
        &self,
        waba_id: &str,
        token: &ClearSecret,
    ) -> Result<(), ProviderError>;

    /// Step 3: `POST /{extended-credit-id}/whatsapp_credit_sharing_and_attach?waba_id&waba_currency`
    /// with the partner's system user token; answers Meta's `allocation_config_id`.
    async fn share_credit_line(
        &self,
        waba_id: &str,
        currency: &str,
    ) -> Result<String, ProviderError>;

    /// Step 4: `POST /{phone-number-id}/register` with `{"messaging_product": "whatsapp", "pin"}`.
    async fn register_phone(
        &self,
        phone_number_id: &str,
        token: &ClearSecret,
        pin: &ClearSecret,
    ) -> Result<(), ProviderError>;

    /// Exchanges a token that nears its expiry for a new long-lived one
    /// (`GET /oauth/access_token?grant_type=fb_exchange_token&fb_exchange_token=…`).
    async fn refresh_token(&self, token: &ClearSecret) -> Result<BusinessToken, ProviderError>;

    /// `POST /{phone-number-id}/messages`: a text message on the client's behalf.
    async fn send_as_client(
        &self,
        channel: &ClientChannel,
        message: &OutboundMessage,
    ) -> Result<SentMessage, ProviderError>;
}

/// Finds a tenant's WhatsApp providers: its own credentials first, then the server-wide ones,
/// then the sandbox.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait WhatsAppDirectory: Send + Sync {
    /// The tenant's WhatsApp channel (Twilio, Sinch, Meta, in that order, else the sandbox).
    ///
    /// # Errors
    /// `Unexpected` when stored credentials cannot be read.
    async fn messaging(
        &self,
        tenant: TenantId,
    ) -> Result<std::sync::Arc<dyn WhatsAppMessaging>, ProviderError>;

    /// The tenant's Embedded Signup provider (Meta, else the sandbox).
    ///
    /// # Errors
    /// As [`Self::messaging`].
    async fn embedded_signup(
        &self,
        tenant: TenantId,
    ) -> Result<std::sync::Arc<dyn EmbeddedSignup>, ProviderError>;

    /// The tenant's BSP (Sinch, else the sandbox).
    ///
    /// # Errors
    /// As [`Self::messaging`].
    async fn bsp(
        &self,
        tenant: TenantId,
    ) -> Result<std::sync::Arc<dyn BspProvisioning>, ProviderError>;
}

/// A message's delivery status on WhatsApp (Meta `statuses[].status`, Twilio `MessageStatus`,
/// Sinch `MESSAGE_DELIVERY` `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Accepted or queued by the provider.
    Sent,
    /// Reached the phone.
    Delivered,
    /// Read by the user.
    Read,
    /// Could not be delivered.
    Failed,
}

/// What a WhatsApp webhook reports, once verified and parsed by its adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WhatsAppReport {
    /// A user wrote to a business number.
    Inbound {
        /// The user's number, E.164 with its `+` (Meta's `wa_id` and Sinch's contact id are
        /// given a `+`; Twilio's `whatsapp:` prefix is removed).
        from: String,
        /// The business side: Meta's `phone_number_id`, Twilio's `To` number (E.164), Sinch's
        /// app id.
        to: String,
        /// The provider's message id.
        message_id: String,
        /// The text (a button's or list reply's title for interactive replies); empty for media.
        text: String,
        /// The user's profile name, when given.
        profile_name: Option<String>,
        /// When the provider received it, unix seconds.
        at: i64,
    },
    /// A delivery status of a message sent earlier.
    Status {
        /// The provider's message id ([`SentMessage::provider_ref`]).
        message_id: String,
        /// The status.
        status: MessageStatus,
        /// The provider's error code and title for `failed`.
        error: Option<String>,
        /// When, unix seconds.
        at: i64,
    },
    /// `account_review_update`: Meta's decision on a WABA.
    AccountReview {
        /// The WABA (the entry's id).
        waba_id: String,
        /// `APPROVED`, `REJECTED`, `PENDING` or `DEFERRED`.
        decision: String,
    },
    /// `account_update`: a change of the WABA's account (shared, unshared, a policy violation,
    /// the business verification's outcome).
    AccountUpdate {
        /// The WABA.
        waba_id: String,
        /// Meta's `event` word (`PARTNER_ADDED`, `ACCOUNT_VIOLATION`, ...).
        event: String,
    },
    /// `phone_number_quality_update`.
    Quality {
        /// The WABA.
        waba_id: String,
        /// The phone number, as displayed.
        display_phone_number: String,
        /// Meta's `event` word (`FLAGGED`, `UNFLAGGED`, `UPGRADE`, `DOWNGRADE`, ...).
        event: String,
        /// The quality rating it implies: `FLAGGED` is red, `DOWNGRADE` yellow, `UNFLAGGED`
        /// and `UPGRADE` green (Meta's quality levels, MISSION.md D); `None` otherwise.
        rating: Option<crate::waba::QualityRating>,
        /// The messaging limit (`current_limit`, e.g. `TIER_1K`), when given.
        current_limit: Option<String>,
        /// The entry's `time`, unix seconds.
        at: i64,
    },
    /// `message_template_status_update`.
    TemplateStatus {
        /// The WABA.
        waba_id: String,
        /// `message_template_id`.
        template_id: String,
        /// `message_template_name`.
        name: String,
        /// `event` (`APPROVED`, `REJECTED`, `DISABLED`, ...).
        event: String,
        /// `reason`, when given (Meta's `NONE` is none).
        reason: Option<String>,
    },
    /// A BSP sender's state changed.
    SenderState {
        /// The BSP's sender id.
        sender_id: String,
        /// Its new state.
        state: SenderState,
    },
}
