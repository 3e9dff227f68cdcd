//! The tenant-facing event log's port ([`TenantEventLog`], issue 12, item 1): read through a
//! reader; written by the commit.

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{StoreError, TenantEvent, TenantEventLog, TenantEventQuery};

use crate::SqlStore;
use crate::ops;

#[async_trait]
impl TenantEventLog for SqlStore {
    async fn tenant_events(
        &self,
        tenant: TenantId,
        query: &TenantEventQuery,
    ) -> Result<Vec<TenantEvent>, StoreError> {
        ops::tenant_events(&mut self.reader().await?.conn(), tenant, query).await
    }

    async fn tenant_event(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<TenantEvent>, StoreError> {
        ops::tenant_event(&mut self.reader().await?.conn(), tenant, id).await
    }
}
