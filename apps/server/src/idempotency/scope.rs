//! The request being served under an `Idempotency-Key`, and how its record joins the commits of
//! its effects.
//!
//! The middleware runs the handler inside [`RequestScope::run`]; every commit the handler makes
//! for the request's tenant goes through the edge store ([`crate::edge_store::EdgeStore`]),
//! which calls [`attach_record`] to attach the request's [`IdempotencyRecord`]: with the answer
//! when the use case set [`Commit::answer`] (its last commit), without one otherwise (the
//! request is still running). A task-local carries the scope, so use cases need no extra
//! argument and jobs or other tasks spawned by a request never write its record.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Clock, Commit, IdempotencyRecord, StoreError, StoredResponse};
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

/// The current request's part in one commit, from [`attach_record`] until the store answered.
#[derive(Debug)]
pub struct AttachedRecord {
    scope: Arc<RequestScope>,
    answer: Option<StoredResponse>,
}

/// Prepares `commit` for the store (see the module docs): drops the answer body a use case
/// attached and, when the commit is the current request's (made for its tenant, carrying no
/// record of its own), attaches the request's [`IdempotencyRecord`] stamped with `clock`, with
/// the answer when the use case set one. Returns what to [`AttachedRecord::settle`] once the
/// store answered; `None` outside a request.
pub fn attach_record(commit: &mut Commit, clock: &dyn Clock) -> Option<AttachedRecord> {
    let answer = commit.answer.take();
    let scope = SCOPE
        .try_with(Arc::clone)
        .ok()
        .filter(|s| s.tenant == commit.tenant && commit.idempotency.is_none())?;
    let answer = answer.map(|body| StoredResponse {
        status: scope.status.load(Ordering::Relaxed),
        body,
    });
    commit.idempotency = Some(scope.record(answer.clone(), false, clock.now()));
    Some(AttachedRecord { scope, answer })
}

impl AttachedRecord {
    /// Notes what the store did with the commit: written (with its answer), or refused because
    /// another attempt holds the key.
    pub fn settle(self, result: &Result<(), StoreError>) {
        let mut progress = self.scope.progress();
        match result {
            Ok(()) => {
                progress.committed = true;
                progress.answered = self.answer;
            }
            Err(StoreError::IdempotencyKeyTaken) => progress.key_taken = true,
            Err(_) => {}
        }
    }
}
