//! `EventStore::commit`: the request's idempotency record, appends, projection rows, tenant-facing
//! events, jobs, timer cancellations and job completion.

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Commit, NewJob, NewTenantEvent, StoreError, StreamWrite};
use time::OffsetDateTime;

use crate::codec::{describe, to_i64};
use crate::db::Conn;

use super::idempotency::EncodedRecord;

/// Creates a stream's projection row; also accepts a version-0 row left by an event-less write.
const CREATE_AGGREGATE: &str = "\
INSERT INTO aggregates (tenant_id, kind, id, version, status, flow_id, phone, external_ref, session_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, kind, id) DO UPDATE SET
    version = excluded.version, status = excluded.status, flow_id = excluded.flow_id, phone = excluded.phone,
    external_ref = excluded.external_ref, session_id = excluded.session_id, created_at = excluded.created_at,
    updated_at = excluded.updated_at
WHERE aggregates.version = 0";

/// Moves a stream's projection row from the expected version ($7) to the new one. An
/// aggregate's flow, external reference, session and creation time never change after its first
/// write, so they are not rewritten and the listing indexes on them are left alone.
const UPDATE_AGGREGATE: &str = "\
UPDATE aggregates SET version = $4, status = $5, phone = $6, updated_at = $8
WHERE tenant_id = $1 AND kind = $2 AND id = $3 AND version = $7";

/// Stores a stream's whole state as of its new version (`StreamWrite::store_state`). Run after
/// the projection row's write, which holds the stream, so writers of one stream take turns.
const STORE_STATE: &str = "\
INSERT INTO snapshots (tenant_id, kind, id, version, state) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, kind, id) DO UPDATE SET version = excluded.version, state = excluded.state";

const INSERT_EVENT: &str = "\
INSERT INTO events (tenant_id, stream_kind, stream_id, version, event_type, payload, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Appends a tenant-facing event; the store assigns its sequence, in commit order.
const INSERT_TENANT_EVENT: &str = "\
INSERT INTO tenant_events (tenant_id, id, event_type, session_id, created_at, data)
VALUES ($1, $2, $3, $4, $5, $6)";

/// Enqueues a job; a timer replaces the pending timer with the same key (the partial unique
/// index `jobs_pending_timer`), in one statement so concurrent reschedules cannot both insert.
const INSERT_JOB: &str = "\
INSERT INTO jobs (id, tenant_id, kind, payload, run_at, timer_key, attempts, max_attempts)
VALUES ($1, $2, $3, $4, $5, $6, 0, $7)
ON CONFLICT (tenant_id, timer_key) WHERE done_at IS NULL AND dead_at IS NULL DO UPDATE SET
    id = excluded.id, kind = excluded.kind, payload = excluded.payload, run_at = excluded.run_at,
    attempts = 0, max_attempts = excluded.max_attempts, locked_until = NULL, last_error = NULL";

const CANCEL_TIMER: &str = "\
DELETE FROM jobs WHERE tenant_id = $1 AND timer_key = $2 AND done_at IS NULL AND dead_at IS NULL";

const COMPLETE_TENANT_JOB: &str = "\
UPDATE jobs SET done_at = $3, locked_until = NULL WHERE tenant_id = $1 AND id = $2 AND done_at IS NULL";

/// A commit with the CPU work that needs no connection done: its idempotency record encoded.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The commit, its `idempotency` taken out into `record`.
    commit: Commit,
    record: Option<EncodedRecord>,
}

impl Prepared {
    /// Prepares `commit` (in the caller's task, before it queues for a connection or the SQLite
    /// writer).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the record's answer cannot be encoded.
    pub(crate) fn new(mut commit: Commit) -> Result<Self, StoreError> {
        let record = commit
            .idempotency
            .take()
            .map(EncodedRecord::new)
            .transpose()?;
        Ok(Self { commit, record })
    }

    /// The commit, without its idempotency record.
    pub(crate) fn commit(&self) -> &Commit {
        &self.commit
    }

    /// The commit and its encoded idempotency record.
    pub(crate) fn into_parts(self) -> (Commit, Option<EncodedRecord>) {
        (self.commit, self.record)
    }
}

/// Applies `commit`. Stream writes go in stream order, so two commits touching the same streams
/// lock their rows in the same order and cannot deadlock each other on PostgreSQL; writes to
/// one stream keep their given order (the sort is stable).
///
/// # Errors
/// [`StoreError::Conflict`] when a stream is not at its expected version or a unique key
/// exists; the caller rolls back.
pub(crate) async fn commit(conn: &mut Conn<'_>, prepared: Prepared) -> Result<(), StoreError> {
    let Prepared { commit, record } = prepared;
    let tenant = commit.tenant;
    let outbound = commit.touches_outbound();
    // The request's record first: an attempt that lost the key to another stops before writing.
    if let Some(record) = record {
        super::idempotency::write(conn, tenant, record).await?;
    }
    let mut streams = commit.streams;
    streams.sort_by(|a, b| a.stream.cmp(&b.stream));
    for write in streams {
        write_stream(conn, tenant, write).await?;
    }
    for event in commit.tenant_events {
        insert_tenant_event(conn, tenant, event).await?;
    }
    // Cancellations first: a commit that cancels a timer and schedules it anew keeps the new one.
    for key in commit.cancel_timers {
        conn.execute(CANCEL_TIMER, vec![tenant.into(), key.into()])
            .await?;
    }
    for job in commit.jobs {
        insert_job(conn, tenant, job).await?;
    }
    if outbound {
        super::outbound::write(
            conn,
            tenant,
            commit.webhook_routes,
            commit.webhook_attempts,
            commit.webhook_requeues,
        )
        .await?;
    }
    if let Some(job) = commit.complete_job {
        // A job no longer pending (replaced, cancelled or already completed) is left alone: the
        // stream versions, not the job row, guard against recording an effect twice.
        let args = vec![tenant.into(), job.into(), OffsetDateTime::now_utc().into()];
        conn.execute(COMPLETE_TENANT_JOB, args).await?;
    }
    Ok(())
}

async fn write_stream(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    write: StreamWrite,
) -> Result<(), StoreError> {
    let StreamWrite {
        stream,
        expected_version,
        events,
        snapshot,
        store_state,
    } = write;
    let conflict = || {
        StoreError::Conflict(format!(
            "{} (expected version {expected_version})",
            describe(&stream)
        ))
    };
    let expected = to_i64(expected_version, "expected version").map_err(|_| conflict())?;
    let count = i64::try_from(events.len()).map_err(|_| conflict())?;
    let new_version = expected.checked_add(count).ok_or_else(conflict)?;
    let kind = stream.kind.as_str();
    let changed = if expected == 0 {
        let args = vec![
            tenant.into(),
            kind.into(),
            stream.id.as_str().into(),
            new_version.into(),
            snapshot.status.into(),
            snapshot.flow_id.into(),
            snapshot.phone.into(),
            snapshot.external_ref.into(),
            snapshot.session_id.into(),
            snapshot.created_at.into(),
            snapshot.updated_at.into(),
        ];
        conn.execute(CREATE_AGGREGATE, args).await?
    } else {
        let args = vec![
            tenant.into(),
            kind.into(),
            stream.id.as_str().into(),
            new_version.into(),
            snapshot.status.into(),
            snapshot.phone.into(),
            expected.into(),
            snapshot.updated_at.into(),
        ];
        conn.execute(UPDATE_AGGREGATE, args).await?
    };
    if changed != 1 {
        return Err(conflict());
    }
    // Without a stored state (a new stream that does not store one), reads fold every event
    // from the aggregate's initial state.
    if store_state {
        let args = vec![
            tenant.into(),
            kind.into(),
            stream.id.as_str().into(),
            new_version.into(),
            snapshot.state.into(),
        ];
        conn.execute(STORE_STATE, args).await?;
    }
    // The row update above holds the stream; the events' primary key is the second guard.
    for (version, event) in (expected + 1..).zip(events) {
        let args = vec![
            tenant.into(),
            kind.into(),
            stream.id.as_str().into(),
            version.into(),
            event.event_type.into(),
            event.payload.into(),
            event.recorded_at.into(),
        ];
        conn.execute(INSERT_EVENT, args)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => conflict(),
                other => other,
            })?;
    }
    Ok(())
}

async fn insert_tenant_event(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    event: NewTenantEvent,
) -> Result<(), StoreError> {
    let args = vec![
        tenant.into(),
        crate::db::Arg::Uuid(event.id),
        event.event_type.into(),
        event.session_id.into(),
        event.created_at.into(),
        event.data.into(),
    ];
    conn.execute(INSERT_TENANT_EVENT, args).await?;
    Ok(())
}

async fn insert_job(conn: &mut Conn<'_>, tenant: TenantId, job: NewJob) -> Result<(), StoreError> {
    let args = vec![
        job.id.into(),
        tenant.into(),
        job.kind.into(),
        job.payload.into(),
        job.run_at.into(),
        job.timer_key.into(),
        i64::from(job.max_attempts).into(),
    ];
    conn.execute(INSERT_JOB, args).await?;
    Ok(())
}
