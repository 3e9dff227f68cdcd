//! [`ProviderDirectory`]: the `SenderDirectory` port over server-wide and tenant credentials.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use onramp_domain::app::integrations::integration_stream;
use onramp_domain::ids::TenantId;
use onramp_domain::integration::{IntegrationState, IntegrationStatus, credentials_context};
use onramp_domain::ports::{
    EventStore, ProviderError, ProviderId, Secrets, SenderDirectory, VerificationSender,
};

use super::{ProviderCredentials, ServerCredentials};

/// A sender built for a tenant's credentials, kept while they do not change.
type Cached = (String, Arc<dyn VerificationSender>);

/// Finds a provider's sender for a tenant: the tenant's own credentials (an integration set with
/// `PUT /v1/integrations/{provider}`, unless disabled), else the server-wide ones, else none.
pub struct ProviderDirectory {
    store: Arc<dyn EventStore>,
    secrets: Arc<dyn Secrets>,
    server: ServerCredentials,
    server_senders: HashMap<ProviderId, Arc<dyn VerificationSender>>,
    sandbox: Arc<dyn VerificationSender>,
    tenant_senders: Mutex<HashMap<(TenantId, ProviderId), Cached>>,
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
    /// `secrets`), and the `sandbox` sender.
    ///
    /// # Errors
    /// A server-wide credential whose sender cannot be built (a base URL that does not parse).
    pub fn new(
        store: Arc<dyn EventStore>,
        secrets: Arc<dyn Secrets>,
        server: ServerCredentials,
        sandbox: Arc<dyn VerificationSender>,
    ) -> Result<Self, ProviderError> {
        let mut server_senders = HashMap::new();
        for provider in server.live() {
            if let Some(c) = server.get(provider) {
                server_senders.insert(provider, c.sender()?);
            }
        }
        Ok(Self {
            store,
            secrets,
            server,
            server_senders,
            sandbox,
            tenant_senders: Mutex::new(HashMap::new()),
        })
    }

    /// The server-wide credentials.
    pub fn server(&self) -> &ServerCredentials {
        &self.server
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
            return Ok(Some(self.sandbox.clone()));
        }
        let state = self.integration(tenant, provider).await?;
        if state.status == IntegrationStatus::Disabled {
            return Ok(None);
        }
        let Some(sealed) = state.sealed_credentials else {
            return Ok(self.server_senders.get(&provider).cloned());
        };
        let key = (tenant, provider);
        if let Ok(cache) = self.tenant_senders.lock()
            && let Some((s, sender)) = cache.get(&key)
            && *s == sealed
        {
            return Ok(Some(sender.clone()));
        }
        let sender = self.unseal(tenant, provider, &sealed)?.sender()?;
        if let Ok(mut cache) = self.tenant_senders.lock() {
            cache.insert(key, (sealed, sender.clone()));
        }
        Ok(Some(sender))
    }

    fn sandbox(&self) -> Arc<dyn VerificationSender> {
        self.sandbox.clone()
    }
}
