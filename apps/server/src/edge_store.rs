//! [`EdgeStore`]: the one [`EventStore`] decorator the HTTP edge puts around the SQL store.
//!
//! Every commit the services make goes through it, and it adds what only the edge knows:
//! - the current request's idempotency record, written in the same commit as the request's
//!   effects ([`crate::idempotency::scope::attach_record`]), so a crash keeps both or neither;
//! - a wake-up of the job worker after a commit that enqueued jobs, so a code is delivered
//!   within milliseconds instead of at the worker's next poll.
//!
//! Reads pass through unchanged.

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, Clock, Commit, EventStore, ListQuery, Loaded, Page, StoreError, StoredEvent,
    StreamId,
};
use tokio::sync::Notify;

use crate::idempotency::scope::attach_record;

/// An [`EventStore`] that writes the current request's idempotency record in each commit the
/// request makes for its tenant, and wakes the worker after each commit that added jobs (see
/// the module docs).
pub struct EdgeStore {
    inner: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    /// Wakes the webhook dispatcher after a commit that told the tenant something or queued
    /// a message again.
    deliveries: Arc<Notify>,
}

impl EdgeStore {
    /// Wraps `inner`: records are stamped with `clock`, `wake` is notified after each commit
    /// that added jobs, `deliveries` after each that wrote tenant-facing events or requeued
    /// webhook messages.
    pub fn new(
        inner: Arc<dyn EventStore>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
        deliveries: Arc<Notify>,
    ) -> Self {
        Self {
            inner,
            clock,
            wake,
            deliveries,
        }
    }
}

#[async_trait]
impl EventStore for EdgeStore {
    async fn commit(&self, mut commit: Commit) -> Result<(), StoreError> {
        let attached = attach_record(&mut commit, self.clock.as_ref());
        let has_jobs = !commit.jobs.is_empty();
        let tells = !commit.tenant_events.is_empty() || !commit.webhook_requeues.is_empty();
        let result = self.inner.commit(commit).await;
        if has_jobs && result.is_ok() {
            self.wake.notify_one();
        }
        if tells && result.is_ok() {
            self.deliveries.notify_one();
        }
        if let Some(attached) = attached {
            attached.settle(&result);
        }
        result
    }

    async fn load(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Loaded>, StoreError> {
        self.inner.load(tenant, stream).await
    }

    async fn load_for_decide(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Loaded>, StoreError> {
        self.inner.load_for_decide(tenant, stream).await
    }

    async fn events(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner
            .events(tenant, stream, after_version, limit)
            .await
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: AggregateKind,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        self.inner.list(tenant, kind, query).await
    }

    async fn stream_owner(&self, stream: &StreamId) -> Result<Option<TenantId>, StoreError> {
        self.inner.stream_owner(stream).await
    }
}
