//! Retention (issue 11, item 7): what is kept only for a while.

use time::OffsetDateTime;

use super::StoreError;

/// What is kept only for a while, deleted in bounded batches (issue 11, item 7): jobs done long
/// ago, stored provider webhooks past their retention, and the space they held.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait Retention: Send + Sync {
    /// Deletes at most `limit` jobs done before `done_before` (dead jobs are kept for
    /// inspection); returns how many.
    async fn delete_done_jobs(
        &self,
        done_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// Deletes at most `limit` stored provider webhooks (the webhook log,
    /// [`AggregateKind::WebhookEvent`](super::AggregateKind::WebhookEvent), with their events) received before `received_before`;
    /// returns how many. A provider's redelivery after that is no longer known as a duplicate.
    async fn delete_webhooks(
        &self,
        received_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// Deletes at most `limit` tenant-facing events (issue 12, item 1) created before
    /// `created_before`, oldest first; returns how many. The events API and redelivery no
    /// longer find them.
    async fn delete_tenant_events(
        &self,
        created_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// Returns the space of deleted rows to the file system where the engine needs to be asked
    /// (SQLite's incremental vacuum; PostgreSQL's autovacuum does it by itself).
    async fn reclaim_space(&self) -> Result<(), StoreError>;
}
