//! The outbound webhook queue's port ([`WebhookQueue`], issue 12, item 2): the claim goes
//! through the writer, the listings through a reader.

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AttemptRecord, ClaimedDelivery, StoreError, WebhookMessage, WebhookQueue,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqlStore;
use crate::ops::{self, WriteOp};

#[async_trait]
impl WebhookQueue for SqlStore {
    #[tracing::instrument(level = "debug", skip(self))]
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
        per_endpoint: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let op = WriteOp::ClaimDeliveries {
            now,
            lease_seconds,
            limit,
            per_endpoint,
        };
        self.write(op).await?.deliveries()
    }

    async fn webhook_messages(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
        status: Option<String>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<WebhookMessage>, StoreError> {
        let mut reader = self.reader().await?;
        ops::webhook_messages(&mut reader.conn(), tenant, endpoint, status, before, limit).await
    }

    async fn webhook_attempts(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut reader = self.reader().await?;
        ops::webhook_attempts(&mut reader.conn(), tenant, endpoint, before, limit).await
    }
}
