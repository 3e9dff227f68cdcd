//! The state shared by every handler.

use std::sync::Arc;

use onramp_domain::app::Services;
use onramp_sql::SqlStore;

use crate::auth::TenantCache;

/// Handlers' state: the application services and what the HTTP layer uses itself, each held
/// once.
#[derive(Clone)]
pub struct AppState {
    /// The use cases (shared: the state is cloned for every request).
    pub services: Arc<Services>,
    /// The SQL store, used through its ports: tenants and API keys
    /// ([`TenantStore`](onramp_domain::ports::TenantStore)), idempotency records
    /// ([`IdempotencyStore`](onramp_domain::ports::IdempotencyStore)), the sandbox clock
    /// ([`JobQueue`](onramp_domain::ports::JobQueue)), and readiness. The services commit
    /// through the edge store around it ([`crate::edge_store::EdgeStore`]).
    pub store: SqlStore,
    /// How long an idempotency record is kept.
    pub idempotency_ttl: time::Duration,
    /// The idempotency keys this process is serving.
    pub in_flight: Arc<crate::idempotency::InFlight>,
    /// Keyed hash of `ONRAMP_ADMIN_TOKEN`, when set.
    pub admin_token_hash: Option<[u8; 32]>,
    /// Keyed hash of `ONRAMP_METRICS_TOKEN`, when set (`GET /metrics` asks for it).
    pub metrics_token_hash: Option<[u8; 32]>,
    /// Recently authenticated API keys.
    pub tenant_cache: Arc<TenantCache>,
    /// Provider credentials and senders, and the sandbox stand-ins
    /// ([`ProviderDirectory::sandboxes`](crate::providers::ProviderDirectory::sandboxes)).
    pub providers: Arc<crate::providers::ProviderDirectory>,
    /// Public base URL providers call (webhook signatures over URLs).
    pub public_url: Option<String>,
    /// Whether tenants may point a provider at another host (`base_url`).
    pub allow_tenant_base_urls: bool,
    /// Wakes the worker (after the sandbox clock moved timers).
    pub wake: Arc<tokio::sync::Notify>,
}
