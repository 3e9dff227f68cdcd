//! [`SandboxWhatsApp`]: the [`WhatsAppMessaging`] port, delivering into
//! [`SandboxConversations`], an in-memory conversation log per tenant, instead of WhatsApp.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    Clock, OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};

use crate::conversation::{Log, SandboxWhatsAppMessage};
use crate::ids::lock;

/// Every WhatsApp message the sandbox channels accepted, per tenant, in memory.
///
/// The log the server keeps and reads; [`SandboxConversations::for_tenant`] gives the channel
/// that sends into it for one tenant. Cheap to clone: clones share the same log.
#[derive(Clone)]
pub struct SandboxConversations {
    clock: Arc<dyn Clock>,
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    state: Arc<Mutex<Log<TenantId>>>,
}

impl SandboxConversations {
    /// An empty log that stamps messages with `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: Arc::new(Mutex::new(Log::default())),
        }
    }

    /// `tenant`'s sandbox WhatsApp channel, recording into this log.
    pub fn for_tenant(&self, tenant: TenantId) -> SandboxWhatsApp {
        SandboxWhatsApp {
            tenant,
            log: self.clone(),
        }
    }

    /// The messages `tenant` sent to `to` (E.164, `+12025550123`), oldest first. Other
    /// tenants' messages are never included.
    pub fn messages_to(&self, tenant: TenantId, to: &str) -> Vec<SandboxWhatsAppMessage> {
        lock(&self.state).of(&tenant, Some(to))
    }

    /// Every message `tenant` sent, oldest first.
    pub fn all(&self, tenant: TenantId) -> Vec<SandboxWhatsAppMessage> {
        lock(&self.state).of(&tenant, None)
    }
}

impl std::fmt::Debug for SandboxConversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConversations")
            .field("messages", &lock(&self.state).len())
            .finish_non_exhaustive()
    }
}

/// One tenant's sandbox WhatsApp channel: accepts text messages into its
/// [`SandboxConversations`] log, applying the magic numbers of [`crate::magic`] (the crate
/// documentation has the table).
///
/// Idempotent by [`OutboundMessage::key`] per tenant: the same key again records nothing and
/// answers the same `provider_ref`, `wamid.sbx_<key>`
/// ([`WAMID_PREFIX`](crate::WAMID_PREFIX)). Cheap to clone: clones share the log.
#[derive(Clone, Debug)]
pub struct SandboxWhatsApp {
    tenant: TenantId,
    log: SandboxConversations,
}

impl SandboxWhatsApp {
    /// The tenant this channel sends for.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// `tenant`'s channel on the same log.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        self.log.for_tenant(tenant)
    }

    /// The log this channel records into (every tenant's).
    pub fn conversations(&self) -> &SandboxConversations {
        &self.log
    }
}

#[async_trait]
impl WhatsAppMessaging for SandboxWhatsApp {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// Records `message` in the tenant's log once per key and answers
    /// `SentMessage { provider: Sandbox, provider_ref: "wamid.sbx_<key>" }`.
    ///
    /// # Errors
    /// Nothing is recorded for any of these:
    /// - `Rejected { code: "not_joined" }` for [`magic::WHATSAPP_NOT_JOINED`](crate::magic::WHATSAPP_NOT_JOINED)
    ///   (Twilio's 63015), `Rejected { code: "undeliverable" }` for
    ///   [`magic::UNDELIVERABLE`](crate::magic::UNDELIVERABLE);
    /// - `Unavailable` (`sandbox outage`, no `retry_after`) for
    ///   [`magic::PROVIDER_UNAVAILABLE`](crate::magic::PROVIDER_UNAVAILABLE);
    /// - `Rejected { code: "invalid_number" }` for a recipient that is not a valid phone number,
    ///   `Rejected { code: "invalid_parameter" }` for a text over 4096 characters;
    /// - `Unexpected` with [`MessageKeyReused`](crate::MessageKeyReused) for a key the tenant
    ///   already used for another recipient or text.
    async fn send_text(&self, message: &OutboundMessage) -> Result<SentMessage, ProviderError> {
        let now = self.log.clock.now();
        lock(&self.log.state).send(&self.tenant, message, now)
    }

    /// The sandbox is always healthy.
    async fn health_check(&self) -> Result<(), ProviderError> {
        Ok(())
    }
}
