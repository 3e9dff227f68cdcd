//! The request being served under an `Idempotency-Key`, and the store that writes its record in
//! the same commit as its effects.
//!
//! The middleware runs the handler inside [`RequestScope::run`]; every commit the handler makes
//! for the request's tenant goes through [`ScopedStore`], which attaches the request's
//! [`IdempotencyRecord`]: with the answer when the use case set [`Commit::answer`] (its last
//! commit), without one otherwise (the request is still running). A task-local carries the
//! scope, so use cases need no extra argument and jobs or other tasks spawned by a request never
//! write its record.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use axum::http::StatusCode;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, Commit, EventStore, IdempotencyRecord, ListQuery, Loaded, Page, StoreError,
    StoredEvent, StoredResponse, StreamId,
};
use time::{Duration, OffsetDateTime};

tokio::task_local! {
    static SCOPE: Arc<RequestScope>;
}

/// What the handler's commits did with the record.
#[derive(Debug, Default)]
struct Progress {
    /// A commit of this attempt wrote the record.
    committed: bool,
    /// The answer the last such commit stored.
    answered: Option<StoredResponse>,
    /// Another attempt holds the key: the handler's commit was refused.
    key_taken: bool,
}

/// One attempt of a request under an idempotency key.
#[derive(Debug)]
pub struct RequestScope {
    tenant: TenantId,
    key: String,
    fingerprint: String,
    holder: String,
    lease_until: OffsetDateTime,
    expires_at: OffsetDateTime,
    status: AtomicU16,
    progress: Mutex<Progress>,
}

impl RequestScope {
    /// A new attempt, started at `now`, that can run at most until `deadline` (the request
    /// timeout): a record it leaves unfinished holds the key until then and no longer. Its
    /// record is kept for `ttl` (24 hours by default, Stripe's rule).
    pub fn new(
        tenant: TenantId,
        key: String,
        fingerprint: String,
        now: OffsetDateTime,
        deadline: OffsetDateTime,
        ttl: Duration,
    ) -> Self {
        Self {
            tenant,
            key,
            fingerprint,
            holder: uuid::Uuid::new_v4().to_string(),
            lease_until: deadline,
            expires_at: now + ttl,
            status: AtomicU16::new(StatusCode::OK.as_u16()),
            progress: Mutex::default(),
        }
    }

    /// Runs `handler` with this scope as the current request's.
    pub async fn run<F: Future>(self: &Arc<Self>, handler: F) -> F::Output {
        SCOPE.scope(self.clone(), handler).await
    }

    /// The record of this attempt with `answer` (`None`: still running).
    pub fn record(
        &self,
        answer: Option<StoredResponse>,
        secret_withheld: bool,
        now: OffsetDateTime,
    ) -> IdempotencyRecord {
        IdempotencyRecord {
            key: self.key.clone(),
            fingerprint: self.fingerprint.clone(),
            holder: self.holder.clone(),
            answer,
            secret_withheld,
            now,
            lease_until: self.lease_until,
            expires_at: self.expires_at,
        }
    }

    /// The answer a commit of this attempt stored, if any.
    pub fn answered(&self) -> Option<StoredResponse> {
        self.progress().answered.clone()
    }

    /// Whether a commit of this attempt wrote the record.
    pub fn committed(&self) -> bool {
        self.progress().committed
    }

    /// Whether another attempt holds the key.
    pub fn key_taken(&self) -> bool {
        self.progress().key_taken
    }

    fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Declares the status the current request answers with on success (200 unless declared), so
/// that the answer its use case commits is the one the client receives. Outside an idempotent
/// request it does nothing.
pub fn answer_status(status: StatusCode) {
    let _ = SCOPE.try_with(|s| s.status.store(status.as_u16(), Ordering::Relaxed));
}

/// An [`EventStore`] that writes the current request's idempotency record in every commit the
/// request makes for its tenant (see the module docs). Outside a request it only drops the
/// answer body a use case attached.
pub struct ScopedStore {
    inner: Arc<dyn EventStore>,
    clock: Arc<dyn onramp_domain::ports::Clock>,
}

impl ScopedStore {
    /// Wraps `inner`; records are stamped with `clock`.
    pub fn new(inner: Arc<dyn EventStore>, clock: Arc<dyn onramp_domain::ports::Clock>) -> Self {
        Self { inner, clock }
    }
}

#[async_trait]
impl EventStore for ScopedStore {
    async fn commit(&self, mut commit: Commit) -> Result<(), StoreError> {
        let answer = commit.answer.take();
        let scope = SCOPE
            .try_with(Arc::clone)
            .ok()
            .filter(|s| s.tenant == commit.tenant && commit.idempotency.is_none());
        let Some(scope) = scope else {
            return self.inner.commit(commit).await;
        };
        let answer = answer.map(|body| StoredResponse {
            status: scope.status.load(Ordering::Relaxed),
            body,
        });
        commit.idempotency = Some(scope.record(answer.clone(), false, self.clock.now()));
        let result = self.inner.commit(commit).await;
        let mut progress = scope.progress();
        match &result {
            Ok(()) => {
                progress.committed = true;
                progress.answered = answer;
            }
            Err(StoreError::IdempotencyKeyTaken) => progress.key_taken = true,
            Err(_) => {}
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
