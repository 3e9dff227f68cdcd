//! Persistence ports: the event store with its projections, the job queue (outbox and timers),
//! tenants and idempotency records (DESIGN.md section 4).
//!
//! Every method takes the tenant, and implementations MUST filter every query on it
//! (P-TEN-1: no store query of one tenant returns another's data). The job queue's `claim` is the
//! one system-wide query: it serves the workers, and every job carries its tenant.
//!
//! This module holds the event store (streams, events, snapshots, the commit, listings) and
//! [`StoreError`]; `kind` holds the aggregate kinds, `jobs` the job queue, `tenant_events` the
//! tenant-facing event log, `tenants` the tenant store.

mod jobs;
mod kind;
mod outbound;
mod tenant_events;
mod tenants;

pub use jobs::*;
pub use kind::*;
pub use outbound::*;
pub use tenant_events::*;
pub use tenants::*;

use serde_json::Value;
use time::OffsetDateTime;

use super::IdempotencyRecord;
use crate::ids::{JobId, TenantId};

/// One event stream: an aggregate kind and its id (a UUID, or an E.164 number for quotas).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    /// The aggregate kind.
    pub kind: AggregateKind,
    /// The aggregate's id, as text.
    pub id: String,
}

impl StreamId {
    /// A stream of `kind` for the aggregate `id`.
    pub fn new(kind: AggregateKind, id: impl ToString) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Dotted type name, e.g. `session.step_submitted`.
    pub event_type: String,
    /// The serialized event.
    pub payload: Value,
    /// When it happened.
    pub recorded_at: OffsetDateTime,
}

/// An event as stored: versions start at 1 and have no gaps within a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The stream it belongs to.
    pub stream: StreamId,
    /// Its position in the stream, from 1.
    pub version: u64,
    /// Dotted type name.
    pub event_type: String,
    /// The serialized event.
    pub payload: Value,
    /// When it happened.
    pub recorded_at: OffsetDateTime,
}

/// The projection row of one aggregate: queryable columns plus the folded state, written in the
/// same transaction as its events.
///
/// The columns are stored on every write; the state only when the write asks for it
/// ([`StreamWrite::store_state`]: every few events). A row read back carries the last stored
/// state, or none, and the events recorded since ([`Loaded::pending`]), which the domain folds
/// (issue 11, item 4: a step appends its events and updates a few columns).
///
/// `flow_id`, `session_id`, `external_ref` and `created_at` are fixed by the stream's first
/// write (while it is at version 0): stores MAY ignore them on later writes, so that the listing
/// indexes on them are not rewritten on every change.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Status for filtering (`active`, `pending`, ...).
    pub status: String,
    /// Flow id, for sessions.
    pub flow_id: Option<String>,
    /// E.164 phone, when known.
    pub phone: Option<String>,
    /// The tenant's own reference, for sessions.
    pub external_ref: Option<String>,
    /// The onboarding session a trial, order or customer account belongs to.
    pub session_id: Option<String>,
    /// When the aggregate was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// The folded state, serialized.
    pub state: Value,
}

/// Appends to one stream, expecting it to be at `expected_version` (0 for a new stream).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamWrite {
    /// The stream.
    pub stream: StreamId,
    /// The version the writer read; the commit fails with [`StoreError::Conflict`] otherwise.
    pub expected_version: u64,
    /// Events to append, in order, at `expected_version + 1 ..`.
    pub events: Vec<NewEvent>,
    /// The projection row after these events.
    pub snapshot: Snapshot,
    /// Whether the store keeps `snapshot.state` as the stream's stored state. When `false` the
    /// store updates the columns and appends the events, and keeps the state it has (none, for a
    /// new stream): readers get it with the events since ([`Loaded::pending`]).
    pub store_state: bool,
}

/// Everything one command changes, committed atomically: all or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// Whose data this is.
    pub tenant: TenantId,
    /// Appends, each with its optimistic-concurrency check.
    pub streams: Vec<StreamWrite>,
    /// Jobs to enqueue.
    pub jobs: Vec<NewJob>,
    /// Tenant-facing events reporting this commit's changes, written with them (issue 12,
    /// item 1), in order.
    pub tenant_events: Vec<NewTenantEvent>,
    /// Webhook endpoints' routes to write (issue 12, item 2): created, changed or deleted by
    /// this commit.
    pub webhook_routes: Vec<WebhookRoute>,
    /// Delivery attempts to record, each with its message's new state.
    pub webhook_attempts: Vec<WebhookAttempt>,
    /// Events to queue again for an endpoint (a redelivery, a replay).
    pub webhook_requeues: Vec<Requeue>,
    /// Pending timers (by key) to delete.
    pub cancel_timers: Vec<String>,
    /// A claimed job whose work this commit records, marked done in the same transaction, so a
    /// crash can never record an effect twice.
    pub complete_job: Option<JobId>,
    /// The body of the answer to the request this commit completes: the view the use case
    /// returns, serialized as JSON exactly as the HTTP edge sends it. Set by the use case's
    /// last commit ([`Commit::answer_with`]); never set when the answer carries a secret.
    pub answer: Option<Vec<u8>>,
    /// The request's idempotency record, written in this same transaction (DESIGN.md section 4:
    /// a crash keeps the effects and their answer, or neither). Set by the HTTP edge, never by a
    /// use case.
    pub idempotency: Option<IdempotencyRecord>,
}

impl Commit {
    /// An empty commit for `tenant`.
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            streams: Vec::new(),
            jobs: Vec::new(),
            tenant_events: Vec::new(),
            webhook_routes: Vec::new(),
            webhook_attempts: Vec::new(),
            webhook_requeues: Vec::new(),
            cancel_timers: Vec::new(),
            complete_job: None,
            answer: None,
            idempotency: None,
        }
    }

    /// Whether it changes the outbound webhook queue: an endpoint's route, an attempt, a
    /// requeue.
    pub fn touches_outbound(&self) -> bool {
        !(self.webhook_routes.is_empty()
            && self.webhook_attempts.is_empty()
            && self.webhook_requeues.is_empty())
    }

    /// Makes `view`, serialized as JSON, the answer of the request this commit completes, so
    /// that a retry of the request with its `Idempotency-Key` replays it even when the process
    /// dies before answering. A view that does not serialize leaves the answer unset (the edge
    /// then stores the answer it sends, in a second write).
    pub fn answer_with<V: serde::Serialize>(&mut self, view: &V) {
        self.answer = serde_json::to_vec(view).ok();
    }
}

/// A projection row read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The stream.
    pub stream: StreamId,
    /// The stream's current version (number of events).
    pub version: u64,
    /// The projection row: the columns as of `version`, the state as last stored, at
    /// `version - pending.len()`; `null` when no state was stored (the aggregate's initial
    /// state, before its first event).
    pub snapshot: Snapshot,
    /// The events after the stored state, oldest first, versions up to `version` without gaps:
    /// the state as of `version` is `snapshot.state` with these folded in. Empty when the state
    /// was stored by the last write.
    pub pending: Vec<StoredEvent>,
}

/// A filtered, paginated listing of projection rows, newest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Filter on status.
    pub status: Option<String>,
    /// Filter on flow id.
    pub flow_id: Option<String>,
    /// Filter on E.164 phone.
    pub phone: Option<String>,
    /// Filter on external reference.
    pub external_ref: Option<String>,
    /// Filter on the session (trials, orders, customer accounts).
    pub session_id: Option<String>,
    /// Page size, 1..=100.
    pub limit: u32,
    /// Opaque cursor from a previous [`Page::next_cursor`].
    pub cursor: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The rows, newest first.
    pub items: Vec<Loaded>,
    /// Cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// Store failures, classified so callers can act (retry on conflict, fail otherwise).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Optimistic concurrency: a stream moved past the expected version (or a unique key
    /// exists). Reload and decide again.
    #[error("concurrent modification of {0}")]
    Conflict(String),
    /// The database could not be reached or timed out.
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A listing cursor that no page of this store handed out (the client's mistake).
    #[error("invalid listing cursor")]
    InvalidCursor,
    /// The commit's idempotency record is held by another attempt of the request (still running,
    /// or finished): nothing was written. The edge answers from that attempt's record.
    #[error("the idempotency key is held by another attempt")]
    IdempotencyKeyTaken,
    /// Stored data could not be read back (corrupt row, unknown kind).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Anything else.
    #[error("unexpected store failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Event streams with their projection rows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait EventStore: Send + Sync {
    /// Commits atomically: appends, projections, jobs, timer cancellations, job completion.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when any stream is not at its expected version; nothing is
    /// written then.
    async fn commit(&self, commit: Commit) -> Result<(), StoreError>;

    /// The projection row of one stream of `tenant`, `None` when it does not exist (or belongs
    /// to another tenant).
    async fn load(&self, tenant: TenantId, stream: &StreamId)
    -> Result<Option<Loaded>, StoreError>;

    /// The projection row of one stream to decide on (issue 11, item 4): an implementation MAY
    /// answer from an in-process cache of the rows it committed or read, so the hot path does
    /// not read before deciding. Such a row may be stale (another process wrote since): a commit
    /// decided on it then fails with [`StoreError::Conflict`], and the implementation MUST drop
    /// its copy so that the caller's next call reads the database. Callers MUST NOT answer a
    /// read from it, and MUST confirm on [`EventStore::load`] a decision that commits nothing
    /// (an error, a no-op). Without a cache, [`EventStore::load`].
    async fn load_for_decide(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Loaded>, StoreError> {
        self.load(tenant, stream).await
    }

    /// Events of one stream of `tenant` with version > `after_version`, at most `limit`, in
    /// order. The audit trail.
    async fn events(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Projection rows of `kind` of `tenant` matching `query`, newest first.
    async fn list(
        &self,
        tenant: TenantId,
        kind: AggregateKind,
        query: &ListQuery,
    ) -> Result<Page, StoreError>;

    /// The tenant owning `stream`, searched across tenants: `None` when no tenant or more than
    /// one has it. Only for streams whose ids are unique world-wide (a provider's reference of a
    /// delivery, [`AggregateKind::ProviderRef`]; the kinds of [`AggregateKind::ROUTED`]): it
    /// routes a webhook that arrived on shared credentials to its tenant, and returns nothing but
    /// the tenant id.
    async fn stream_owner(&self, stream: &StreamId) -> Result<Option<TenantId>, StoreError>;
}
