//! The state shared by every handler.

use std::sync::Arc;

use onramp_domain::app::Services;
use onramp_domain::ports::{IdempotencyStore, Secrets, TenantStore};
use onramp_sandbox::{
    SandboxConversations, SandboxInbox, SandboxMailbox, SandboxOrders, SandboxSignup,
};
use onramp_sql::SqlStore;

use crate::auth::TenantCache;

/// Handlers' state: the application services and the stores the HTTP layer uses itself.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// The SQL store, for readiness.
    pub store: SqlStore,
    /// Tenants and API keys.
    pub tenants: Arc<dyn TenantStore>,
    /// Idempotency records.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// How long an idempotency record is kept.
    pub idempotency_ttl: time::Duration,
    /// The idempotency keys this process is serving.
    pub in_flight: Arc<crate::idempotency::InFlight>,
    /// Keyed hashes of API keys and the admin token.
    pub secrets: Arc<dyn Secrets>,
    /// Keyed hash of `ONRAMP_ADMIN_TOKEN`, when set.
    pub admin_token_hash: Option<[u8; 32]>,
    /// The sandbox inbox, while the sandbox delivers codes.
    pub sandbox: Option<SandboxInbox>,
    /// Recently authenticated API keys.
    pub tenant_cache: Arc<TenantCache>,
    /// Provider credentials and senders.
    pub providers: Arc<crate::providers::ProviderDirectory>,
    /// Public base URL providers call (webhook signatures over URLs).
    pub public_url: Option<String>,
    /// Whether tenants may point a provider at another host (`base_url`).
    pub allow_tenant_base_urls: bool,
    /// The sandbox mailbox, while mail goes to the sandbox.
    pub mailbox: Option<Arc<SandboxMailbox>>,
    /// The sandbox PayPal, for its approval route.
    pub sandbox_orders: Option<Arc<SandboxOrders>>,
    /// The sandbox WhatsApp's inbox, while WhatsApp runs on the sandbox.
    pub sandbox_whatsapp: Option<SandboxConversations>,
    /// The sandbox Embedded Signup, which mints FINISH data and codes.
    pub sandbox_signup: Option<Arc<SandboxSignup>>,
    /// Wakes the worker (after the sandbox clock moved timers).
    pub wake: Arc<tokio::sync::Notify>,
}
