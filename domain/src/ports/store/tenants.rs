//! The tenant store port: tenants and their API keys (stored only as keyed hashes).

use time::OffsetDateTime;

use super::StoreError;
use crate::ids::TenantId;

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// Tenants and their API keys (stored only as keyed hashes).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates a tenant with the hash of its API key.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the id or key hash exists.
    async fn create_tenant(&self, tenant: &Tenant, api_key_hash: &str) -> Result<(), StoreError>;

    /// The tenant whose API key hashes to `api_key_hash`.
    async fn tenant_by_key_hash(&self, api_key_hash: &str) -> Result<Option<Tenant>, StoreError>;

    /// How many tenants exist.
    async fn tenant_count(&self) -> Result<u64, StoreError>;
}
