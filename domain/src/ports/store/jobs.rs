//! The job queue port: the outbox and timers, durable jobs claimed with a lease (DESIGN.md
//! section 4).

use serde_json::Value;
use time::OffsetDateTime;

use super::StoreError;
use crate::ids::{JobId, TenantId};

/// A job for the outbox: an effect to run after the commit (a code delivery), or a timer (a
/// future `run_at`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The job's id, also the idempotency key of its effect.
    pub id: JobId,
    /// Dotted kind, e.g. `verification.deliver`; workers dispatch on it.
    pub kind: String,
    /// The job's input.
    pub payload: Value,
    /// Not before this time.
    pub run_at: OffsetDateTime,
    /// For timers: at most one pending job per (tenant, key); a new one replaces the old
    /// (rescheduling an inactivity timeout).
    pub timer_key: Option<String>,
    /// Attempts before the job is dead (3 by default).
    pub max_attempts: u32,
}

/// A job claimed by a worker, leased until it is completed, retried or its lease runs out.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job's id.
    pub id: JobId,
    /// Whose job it is.
    pub tenant: TenantId,
    /// Dotted kind.
    pub kind: String,
    /// Input.
    pub payload: Value,
    /// Attempts so far, this one included (from 1).
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
}

/// The outbox and timers: durable jobs claimed with a lease (DESIGN.md section 4).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Claims up to `limit` jobs due at `now` that are not leased, leasing them for
    /// `lease_seconds` and counting the attempt. A job is claimed by exactly one worker at a
    /// time, across replicas.
    async fn claim(
        &self,
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, StoreError>;

    /// Marks a job done without other writes.
    async fn complete(&self, id: JobId) -> Result<(), StoreError>;

    /// Releases a failed job to run again at `run_at`, keeping `error`; when its attempts are
    /// used up it is marked dead instead and never claimed again.
    async fn fail(&self, id: JobId, error: &str, run_at: OffsetDateTime) -> Result<(), StoreError>;

    /// The earliest `run_at` of a pending job, to sleep until then.
    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;

    /// The sandbox test clock (issue 4, item 5): moves every pending job of `tenant` `seconds`
    /// earlier, as if that much time had passed for the tenant (Stripe's test clocks). Timers
    /// carry their own due time, so their handlers judge them by it. Returns how many jobs moved.
    async fn advance_timers(&self, tenant: TenantId, seconds: i64) -> Result<u64, StoreError>;
}
