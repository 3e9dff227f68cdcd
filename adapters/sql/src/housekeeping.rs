//! The store's ports for what it keeps only for a while: idempotency records (read back here,
//! written by `EventStore::commit`) and retention (issue 11, items 2 and 7).

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{IdempotencyEntry, IdempotencyStore, Retention, StoreError};
use time::OffsetDateTime;

use crate::SqlStore;
use crate::ops::{self, WriteOp};

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn idempotency_entry(
        &self,
        tenant: TenantId,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        ops::idempotency_entry(&mut self.reader().await?.conn(), tenant, key, now).await
    }

    async fn delete_expired_idempotency(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.write(WriteOp::DeleteExpiredIdempotency { now, limit })
            .await?
            .count()
    }
}

#[async_trait]
impl Retention for SqlStore {
    async fn delete_done_jobs(
        &self,
        done_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let op = WriteOp::DeleteDoneJobs {
            before: done_before,
            limit,
        };
        self.write(op).await?.count()
    }

    async fn delete_webhooks(
        &self,
        received_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let op = WriteOp::DeleteWebhooks {
            before: received_before,
            limit,
        };
        self.write(op).await?.count()
    }

    async fn delete_tenant_events(
        &self,
        created_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let op = WriteOp::DeleteTenantEvents {
            before: created_before,
            limit,
        };
        self.write(op).await?.count()
    }

    async fn reclaim_space(&self) -> Result<(), StoreError> {
        self.write(WriteOp::Reclaim).await?.done()
    }
}
