//! [`ProviderDirectory`]: the `SenderDirectory` and `PaymentDirectory` ports over server-wide
//! and tenant credentials, with the sandbox behind them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use onramp_domain::app::integrations::integration_stream;
use onramp_domain::ids::TenantId;
use onramp_domain::integration::{IntegrationState, IntegrationStatus, credentials_context};
use onramp_domain::ports::{
    BspProvisioning, CardOnFile, EmbeddedSignup, EventStore, OrderPayments, PaymentDirectory,
    ProviderError, ProviderId, Secrets, SenderDirectory, VerificationSender, WhatsAppDirectory,
    WhatsAppMessaging,
};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};

use super::{ProviderClient, ProviderCredentials, ServerCredentials};

/// A client built for a tenant's credentials, kept while they do not change.
type Cached = (String, ProviderClient);

/// The in-process stand-ins used when a provider has no credentials, held once: the directory
/// hands them to the services, and the sandbox routes reach them through
/// [`ProviderDirectory::sandboxes`].
#[derive(Clone)]
pub struct Sandboxes {
    /// What the sandbox delivered: codes by voice and SMS, and codes sent to BSP senders'
    /// numbers (`GET /v1/sandbox/messages`).
    pub inbox: onramp_sandbox::SandboxInbox,
    /// Code delivery, into [`Sandboxes::inbox`].
    pub sender: Arc<dyn VerificationSender>,
    /// Cards and trials (Stripe's test payment methods), handed to each tenant on its own
    /// objects.
    pub cards: onramp_sandbox::SandboxCards,
    /// Orders (PayPal's flow), handed to each tenant on its own orders.
    pub orders: onramp_sandbox::SandboxOrders,
    /// WhatsApp messages, one conversation log per tenant.
    pub whatsapp: onramp_sandbox::SandboxConversations,
    /// Embedded Signup (Meta's conventions), handed to each tenant on its own WABAs.
    pub signup: Arc<onramp_sandbox::SandboxSignup>,
    /// A BSP's sender review (Sinch's conventions, magic display names); codes sent to
    /// senders' numbers land in the tenant's sandbox inbox.
    pub bsp: onramp_sandbox::SandboxBsp,
    /// Mail (trial reminders, welcome mails), kept per tenant (`GET /v1/sandbox/mail`).
    pub mailbox: Arc<onramp_sandbox::SandboxMailbox>,
}

/// Finds a provider's sender for a tenant: the tenant's own credentials (an integration set with
/// `PUT /v1/integrations/{provider}`, unless disabled), else the server-wide ones, else none.
pub struct ProviderDirectory {
    store: Arc<dyn EventStore>,
    secrets: Arc<dyn Secrets>,
    server: ServerCredentials,
    server_clients: HashMap<ProviderId, ProviderClient>,
    sandbox: Sandboxes,
    tenant_clients: Mutex<HashMap<(TenantId, ProviderId), Cached>>,
}

impl std::fmt::Debug for ProviderDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderDirectory")
            .field("server_live", &self.server.live())
            .finish_non_exhaustive()
    }
}

impl ProviderDirectory {
    /// A directory over `server` credentials, the tenants' integrations in `store` (sealed with
    /// `secrets`), and the `sandbox` stand-ins.
    ///
    /// # Errors
    /// A server-wide credential whose client cannot be built (a base URL that does not parse).
    pub fn new(
        store: Arc<dyn EventStore>,
        secrets: Arc<dyn Secrets>,
        server: ServerCredentials,
        sandbox: Sandboxes,
    ) -> Result<Self, ProviderError> {
        let mut server_clients = HashMap::new();
        for provider in server.live() {
            if let Some(c) = server.get(provider) {
                server_clients.insert(provider, c.client()?);
            }
        }
        Ok(Self {
            store,
            secrets,
            server,
            server_clients,
            sandbox,
            tenant_clients: Mutex::new(HashMap::new()),
        })
    }

    /// The client of `provider` for `tenant`: the tenant's own credentials unless disabled,
    /// else the server-wide ones; None when neither exists (or the integration is disabled).
    ///
    /// # Errors
    /// Stored credentials that do not decrypt or parse, or a client that cannot be built.
    pub async fn client(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Option<ProviderClient>, ProviderError> {
        let state = self.integration(tenant, provider).await?;
        if state.status == IntegrationStatus::Disabled {
            return Ok(None);
        }
        let Some(sealed) = state.sealed_credentials else {
            return Ok(self.server_clients.get(&provider).cloned());
        };
        let key = (tenant, provider);
        if let Ok(cache) = self.tenant_clients.lock()
            && let Some((s, client)) = cache.get(&key)
            && *s == sealed
        {
            return Ok(Some(client.clone()));
        }
        let client = self.unseal(tenant, provider, &sealed)?.client()?;
        if let Ok(mut cache) = self.tenant_clients.lock() {
            cache.insert(key, (sealed, client.clone()));
        }
        Ok(Some(client))
    }

    /// Verifies a webhook signed for `credentials` (of `tenant`, or the server's when `None`).
    /// PayPal's goes through the cached verifier of the same credentials (certificate cache,
    /// OAuth token); the others are checked in place.
    ///
    /// # Errors
    /// The adapter's [`SignatureError`].
    pub async fn verify_webhook(
        &self,
        tenant: Option<TenantId>,
        credentials: &ProviderCredentials,
        request: &WebhookRequest,
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        if credentials.provider() != ProviderId::Paypal {
            return credentials.verify_webhook(request, now_unix);
        }
        let client = match tenant {
            Some(t) => self
                .client(t, ProviderId::Paypal)
                .await
                .map_err(|e| SignatureError::InvalidSecret(e.to_string()))?,
            None => self.server_clients.get(&ProviderId::Paypal).cloned(),
        };
        match client {
            Some(ProviderClient::Orders {
                webhooks: Some(verifier),
                ..
            }) => verifier.verify(request, now_unix).await,
            _ => Err(SignatureError::InvalidSecret(
                "no PayPal webhook_id configured to verify with".into(),
            )),
        }
    }

    /// The server-wide credentials.
    pub fn server(&self) -> &ServerCredentials {
        &self.server
    }

    /// The sandbox stand-ins (the sandbox routes read and drive them).
    pub fn sandboxes(&self) -> &Sandboxes {
        &self.sandbox
    }

    /// The tenant's integration state with `provider` (default when none).
    ///
    /// # Errors
    /// Store failures and corrupt rows.
    pub async fn integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<IntegrationState, ProviderError> {
        let loaded = self
            .store
            .load(tenant, &integration_stream(provider))
            .await
            .map_err(|e| ProviderError::Unexpected(Box::new(e)))?;
        match loaded {
            None => Ok(IntegrationState::default()),
            Some(l) => serde_json::from_value(l.snapshot.state)
                .map_err(|e| ProviderError::Unexpected(Box::new(e))),
        }
    }

    /// The credentials in force for `tenant` and `provider`, and whether they are the tenant's
    /// own.
    ///
    /// # Errors
    /// Stored credentials that do not decrypt or parse.
    pub async fn credentials(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Option<(ProviderCredentials, bool)>, ProviderError> {
        let state = self.integration(tenant, provider).await?;
        if state.status == IntegrationStatus::Disabled {
            return Ok(None);
        }
        if let Some(sealed) = &state.sealed_credentials {
            return Ok(Some((self.unseal(tenant, provider, sealed)?, true)));
        }
        Ok(self.server.get(provider).map(|c| (c, false)))
    }

    fn unseal(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        sealed: &str,
    ) -> Result<ProviderCredentials, ProviderError> {
        let unexpected = |m: String| ProviderError::Unexpected(m.into());
        let bytes = hex::decode(sealed).map_err(|e| unexpected(e.to_string()))?;
        let clear = self
            .secrets
            .decrypt(&bytes, &credentials_context(tenant, provider))
            .map_err(|e| unexpected(format!("integration credentials: {e}")))?;
        let value: serde_json::Value =
            serde_json::from_slice(&clear).map_err(|e| unexpected(e.to_string()))?;
        ProviderCredentials::parse(provider, &value).map_err(unexpected)
    }
}

#[async_trait::async_trait]
impl SenderDirectory for ProviderDirectory {
    async fn sender(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Option<Arc<dyn VerificationSender>>, ProviderError> {
        if provider == ProviderId::Sandbox {
            return Ok(Some(self.sandbox.sender.clone()));
        }
        Ok(match self.client(tenant, provider).await? {
            Some(ProviderClient::Verification { sender, .. }) => Some(sender),
            _ => None,
        })
    }

    fn sandbox(&self) -> Arc<dyn VerificationSender> {
        self.sandbox.sender.clone()
    }
}

#[async_trait::async_trait]
impl PaymentDirectory for ProviderDirectory {
    async fn card_on_file(&self, tenant: TenantId) -> Result<Arc<dyn CardOnFile>, ProviderError> {
        Ok(match self.client(tenant, ProviderId::Stripe).await? {
            Some(ProviderClient::Cards(cards)) => cards,
            _ => Arc::new(self.sandbox.cards.for_tenant(tenant)),
        })
    }

    async fn order_payments(
        &self,
        tenant: TenantId,
    ) -> Result<Arc<dyn OrderPayments>, ProviderError> {
        Ok(match self.client(tenant, ProviderId::Paypal).await? {
            Some(ProviderClient::Orders { orders, .. }) => orders,
            _ => Arc::new(self.sandbox.orders.for_tenant(tenant)),
        })
    }
}

#[async_trait::async_trait]
impl WhatsAppDirectory for ProviderDirectory {
    async fn messaging(
        &self,
        tenant: TenantId,
    ) -> Result<Arc<dyn WhatsAppMessaging>, ProviderError> {
        for provider in [ProviderId::Twilio, ProviderId::Sinch, ProviderId::Meta] {
            if let Some(client) = self.client(tenant, provider).await?
                && let Some(messaging) = client.whatsapp().messaging
            {
                return Ok(messaging);
            }
        }
        Ok(Arc::new(self.sandbox.whatsapp.for_tenant(tenant)))
    }

    async fn embedded_signup(
        &self,
        tenant: TenantId,
    ) -> Result<Arc<dyn EmbeddedSignup>, ProviderError> {
        if let Some(client) = self.client(tenant, ProviderId::Meta).await?
            && let Some(signup) = client.whatsapp().signup
        {
            return Ok(signup);
        }
        Ok(Arc::new(self.sandbox.signup.for_tenant(tenant)))
    }

    async fn bsp(&self, tenant: TenantId) -> Result<Arc<dyn BspProvisioning>, ProviderError> {
        if let Some(client) = self.client(tenant, ProviderId::Sinch).await?
            && let Some(bsp) = client.whatsapp().bsp
        {
            return Ok(bsp);
        }
        Ok(Arc::new(self.sandbox.bsp.for_tenant(tenant)))
    }
}
