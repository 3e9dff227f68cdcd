//! The store's statements and the logic around them, written once for both engines.
//!
//! Writes are described by a [`WriteOp`] and run by [`execute`] on a connection that is already
//! inside a transaction: a PostgreSQL transaction of its own, or a SAVEPOINT inside the SQLite
//! writer's grouped transaction. Reads run on a pooled connection.
//!
//! The write logic is safe under PostgreSQL's READ COMMITTED with concurrent writers: every
//! check-then-write is a single conditional statement whose affected-row count is checked
//! (`UPDATE .. WHERE version = $expected`, `INSERT .. ON CONFLICT DO NOTHING`), so the loser of
//! a race waits for the winner's row lock, re-evaluates its condition and sees a conflict.

mod answer_codec;
mod commit;
mod commit_pg;
mod idempotency;
mod jobs;
mod listing;
mod outbound;
mod reads;
mod retention;
mod sandbox;
mod tenant_events;
mod tenants;

pub(crate) use commit::Prepared;
pub(crate) use commit_pg::document as commit_document;
use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::ports::{ClaimedJob, Inserted, StoreError, Tenant};
use serde_json::Value;
use time::OffsetDateTime;

use crate::db::Conn;

pub(crate) use idempotency::entry as idempotency_entry;
pub(crate) use jobs::{next_due, queue_stats};
pub(crate) use listing::{list, stream_owner};
pub(crate) use outbound::{attempts as webhook_attempts, messages as webhook_messages};
pub(crate) use reads::{events, load};
pub(crate) use sandbox::{get as sandbox_get, list as sandbox_list};
pub(crate) use tenant_events::{get as tenant_event, list as tenant_events};
pub(crate) use tenants::{tenant_by_key_hash, tenant_count};

/// A write request, run atomically.
#[derive(Debug)]
pub(crate) enum WriteOp {
    Commit(Box<commit::Prepared>),
    Claim {
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
    },
    Complete(JobId),
    Fail {
        id: JobId,
        error: String,
        run_at: OffsetDateTime,
    },
    CreateTenant {
        tenant: Tenant,
        api_key_hash: String,
    },
    DeleteExpiredIdempotency {
        now: OffsetDateTime,
        limit: u32,
    },
    DeleteDoneJobs {
        before: OffsetDateTime,
        limit: u32,
    },
    DeleteWebhooks {
        before: OffsetDateTime,
        limit: u32,
    },
    DeleteTenantEvents {
        before: OffsetDateTime,
        limit: u32,
    },
    ClaimDeliveries {
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
        per_endpoint: u32,
    },
    Reclaim,
    AdvanceTimers {
        tenant: TenantId,
        seconds: i64,
    },
    SandboxInsert {
        tenant: TenantId,
        kind: String,
        id: String,
        value: Value,
    },
    SandboxReplace {
        tenant: TenantId,
        kind: String,
        id: String,
        expected: u64,
        value: Value,
    },
}

/// What a [`WriteOp`] returns.
#[derive(Debug)]
pub(crate) enum WriteOutput {
    Done,
    Claimed(Vec<ClaimedJob>),
    Deliveries(Vec<onramp_domain::ports::ClaimedDelivery>),
    Count(u64),
    Inserted(Inserted),
}

impl WriteOutput {
    /// The output of a write that returns nothing.
    pub(crate) fn done(self) -> Result<(), StoreError> {
        match self {
            WriteOutput::Done => Ok(()),
            other => Err(crate::error::unexpected(format!(
                "expected no output, got {other:?}"
            ))),
        }
    }

    /// The output of a claim.
    pub(crate) fn claimed(self) -> Result<Vec<ClaimedJob>, StoreError> {
        match self {
            WriteOutput::Claimed(jobs) => Ok(jobs),
            other => Err(crate::error::unexpected(format!(
                "expected claimed jobs, got {other:?}"
            ))),
        }
    }

    /// The output of a claim of webhook messages.
    pub(crate) fn deliveries(
        self,
    ) -> Result<Vec<onramp_domain::ports::ClaimedDelivery>, StoreError> {
        match self {
            WriteOutput::Deliveries(claimed) => Ok(claimed),
            other => Err(crate::error::unexpected(format!(
                "expected claimed deliveries, got {other:?}"
            ))),
        }
    }

    /// The output of a sandbox object's insert.
    pub(crate) fn inserted(self) -> Result<Inserted, StoreError> {
        match self {
            WriteOutput::Inserted(inserted) => Ok(inserted),
            other => Err(crate::error::unexpected(format!(
                "expected an inserted sandbox object, got {other:?}"
            ))),
        }
    }

    /// The output of a write that counts the rows it changed.
    pub(crate) fn count(self) -> Result<u64, StoreError> {
        match self {
            WriteOutput::Count(n) => Ok(n),
            other => Err(crate::error::unexpected(format!(
                "expected a row count, got {other:?}"
            ))),
        }
    }
}

/// Runs one write on `conn`, which the caller has put inside a transaction or savepoint. On
/// `Err` the caller MUST roll that transaction or savepoint back: a failed write may have
/// written part of its rows.
pub(crate) async fn execute(conn: &mut Conn<'_>, op: WriteOp) -> Result<WriteOutput, StoreError> {
    match op {
        WriteOp::Commit(c) => commit::commit(conn, *c).await.map(|()| WriteOutput::Done),
        WriteOp::Claim {
            now,
            lease_seconds,
            limit,
        } => jobs::claim(conn, now, lease_seconds, limit)
            .await
            .map(WriteOutput::Claimed),
        WriteOp::Complete(id) => jobs::complete(conn, id).await.map(|()| WriteOutput::Done),
        WriteOp::Fail { id, error, run_at } => jobs::fail(conn, id, &error, run_at)
            .await
            .map(|()| WriteOutput::Done),
        WriteOp::CreateTenant {
            tenant,
            api_key_hash,
        } => tenants::create_tenant(conn, tenant, api_key_hash)
            .await
            .map(|()| WriteOutput::Done),
        WriteOp::DeleteDoneJobs { before, limit } => {
            retention::delete_done_jobs(conn, before, limit)
                .await
                .map(WriteOutput::Count)
        }
        WriteOp::DeleteWebhooks { before, limit } => {
            retention::delete_webhooks(conn, before, limit)
                .await
                .map(WriteOutput::Count)
        }
        WriteOp::DeleteTenantEvents { before, limit } => {
            retention::delete_tenant_events(conn, before, limit)
                .await
                .map(WriteOutput::Count)
        }
        WriteOp::ClaimDeliveries {
            now,
            lease_seconds,
            limit,
            per_endpoint,
        } => outbound::claim(conn, now, lease_seconds, limit, per_endpoint)
            .await
            .map(WriteOutput::Deliveries),
        WriteOp::Reclaim => retention::reclaim(conn).await.map(|()| WriteOutput::Done),
        WriteOp::DeleteExpiredIdempotency { now, limit } => {
            idempotency::delete_expired(conn, now, limit)
                .await
                .map(WriteOutput::Count)
        }
        WriteOp::AdvanceTimers { tenant, seconds } => jobs::advance_timers(conn, tenant, seconds)
            .await
            .map(WriteOutput::Count),
        WriteOp::SandboxInsert {
            tenant,
            kind,
            id,
            value,
        } => sandbox::insert(conn, tenant, &kind, &id, value)
            .await
            .map(WriteOutput::Inserted),
        WriteOp::SandboxReplace {
            tenant,
            kind,
            id,
            expected,
            value,
        } => sandbox::replace(conn, tenant, &kind, &id, expected, value)
            .await
            .map(|()| WriteOutput::Done),
    }
}
