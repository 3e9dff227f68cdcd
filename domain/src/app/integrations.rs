//! Integration use cases: store a tenant's provider credentials sealed, read them back for the
//! sender directory, record health checks.

use crate::ids::TenantId;
use crate::integration::{IntegrationEvent, IntegrationState, credentials_context};
use crate::ports::{AggregateKind, ListQuery, ProviderId, StreamId};

use super::aggregates::whatsapp::Integrations;
use super::events::Notice;
use super::execute::Aggregate;
use super::persist::Versioned;
use super::{CoreError, IntegrationService, IntegrationServiceError};

/// The stream of a tenant's integration with `provider`.
pub fn integration_stream(provider: ProviderId) -> StreamId {
    StreamId::new(AggregateKind::Integration, provider)
}

impl IntegrationService {
    async fn load_integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Versioned<IntegrationState>, IntegrationServiceError> {
        Ok(self
            .core
            .load_versioned(tenant, &integration_stream(provider))
            .await?
            .unwrap_or(Versioned {
                state: Default::default(),
            }))
    }

    async fn append_integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        make: impl Fn(&IntegrationState) -> IntegrationEvent + Sync,
    ) -> Result<IntegrationState, IntegrationServiceError> {
        let make = &make;
        let now = self.core.clock.now();
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<IntegrationState>(provider)
                    .await?
                    .unwrap_or_default();
                let after = tx.apply(&Integrations, provider, vec![make(&current)])?;
                // Its health moving is told once, whatever moved it (set, check, disable).
                if after.status != current.status {
                    let key = provider.to_string();
                    let at = after.updated_at.or(after.last_check_at).unwrap_or(now);
                    tx.notify(
                        Notice::new("integration.health_changed", None)
                            .with("previous_status", current.status),
                        after.tenant_object(&key, at),
                    );
                }
                Ok(after)
            })
        })
        .await
    }

    /// Stores `credentials` (already validated by the provider's adapter) sealed with
    /// AES-256-GCM; the status becomes pending until a check.
    ///
    /// # Errors
    /// Store failures.
    pub async fn set_integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        credentials: &serde_json::Value,
    ) -> Result<IntegrationState, IntegrationServiceError> {
        let clear =
            serde_json::to_vec(credentials).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        let sealed = hex::encode(
            self.secrets
                .encrypt(&clear, &credentials_context(tenant, provider)),
        );
        let fields: Vec<String> = credentials
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let at = self.core.clock.now();
        self.append_integration(tenant, provider, |_| IntegrationEvent::CredentialsSet {
            provider,
            sealed: sealed.clone(),
            fields: fields.clone(),
            at,
        })
        .await
    }

    /// Records a health check's outcome.
    ///
    /// # Errors
    /// Store failures.
    pub async fn record_integration_check(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        error: Option<String>,
        response_ms: u64,
    ) -> Result<IntegrationState, IntegrationServiceError> {
        let at = self.core.clock.now();
        self.append_integration(tenant, provider, |_| IntegrationEvent::Checked {
            error: error.clone(),
            response_ms,
            at,
        })
        .await
    }

    /// Disables a tenant's integration: its provider leaves the tenant's chains.
    ///
    /// # Errors
    /// Store failures.
    pub async fn disable_integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<IntegrationState, IntegrationServiceError> {
        let at = self.core.clock.now();
        self.append_integration(tenant, provider, |_| IntegrationEvent::Disabled { at })
            .await
    }

    /// A tenant's integration with `provider` (empty state when none).
    ///
    /// # Errors
    /// Store failures.
    pub async fn integration(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<IntegrationState, IntegrationServiceError> {
        Ok(self.load_integration(tenant, provider).await?.state)
    }

    /// Every integration of a tenant.
    ///
    /// # Errors
    /// Store failures.
    pub async fn integrations(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<IntegrationState>, IntegrationServiceError> {
        let page = self
            .core
            .store
            .list(
                tenant,
                AggregateKind::Integration,
                &ListQuery {
                    limit: 100,
                    ..ListQuery::default()
                },
            )
            .await?;
        page.items
            .iter()
            .map(|row| super::persist::state_of(row, &self.core.flows).map_err(Into::into))
            .collect()
    }

    /// The tenant's stored credentials for `provider`, decrypted, when set and not disabled.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when they do not decrypt (a wrong `ONRAMP_ENCRYPTION_KEY`).
    pub async fn integration_credentials(
        &self,
        tenant: TenantId,
        provider: ProviderId,
    ) -> Result<Option<serde_json::Value>, IntegrationServiceError> {
        let state = self.load_integration(tenant, provider).await?.state;
        if state.status == crate::integration::IntegrationStatus::Disabled {
            return Ok(None);
        }
        let Some(sealed) = state.sealed_credentials else {
            return Ok(None);
        };
        let bytes = hex::decode(sealed).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        let clear = self
            .secrets
            .decrypt(&bytes, &credentials_context(tenant, provider))
            .map_err(|e| CoreError::Corrupt(format!("integration credentials: {e}")))?;
        serde_json::from_slice(&clear)
            .map(Some)
            .map_err(|e| CoreError::Corrupt(e.to_string()).into())
    }
}
