//! The store's implementation of the sandbox's port ([`SandboxObjects`]; issue 11, item 8):
//! the sandbox's simulated provider objects in `sandbox_objects`, next to the orders, trials and
//! accounts that name them. Reads go to a read connection, writes through the writer like every
//! other write (on SQLite, the single writer's grouped commits).

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Inserted, SandboxObject, SandboxObjects, StoreError};
use serde_json::Value;

use crate::SqlStore;
use crate::ops::{self, WriteOp};

#[async_trait]
impl SandboxObjects for SqlStore {
    async fn get(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
    ) -> Result<Option<SandboxObject>, StoreError> {
        ops::sandbox_get(&mut self.reader().await?.conn(), tenant, kind, id).await
    }

    async fn insert(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        value: Value,
    ) -> Result<Inserted, StoreError> {
        let op = WriteOp::SandboxInsert {
            tenant,
            kind: kind.to_owned(),
            id: id.to_owned(),
            value,
        };
        self.write(op).await?.inserted()
    }

    async fn replace(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        expected: u64,
        value: Value,
    ) -> Result<u64, StoreError> {
        let op = WriteOp::SandboxReplace {
            tenant,
            kind: kind.to_owned(),
            id: id.to_owned(),
            expected,
            value,
        };
        self.write(op).await?.done()?;
        Ok(expected.saturating_add(1))
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<SandboxObject>, StoreError> {
        ops::sandbox_list(&mut self.reader().await?.conn(), tenant, kind, limit).await
    }
}
