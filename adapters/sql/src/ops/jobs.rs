//! The job queue: claims with a lease, completion, failure with retry or death, next due time,
//! and the sandbox test clock.
//!
//! Except for the test clock, which moves one tenant's jobs, these are the system-wide queries:
//! workers serve every tenant, and each job carries its tenant. Times come from the caller (`now`, `run_at`), never from the database clock, so a
//! controlled clock drives leases and due times; only `done_at` / `dead_at`, which nothing
//! compares, are stamped with the wall clock.

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::ports::{ClaimedJob, StoreError};
use time::{Duration, OffsetDateTime};

use crate::Backend;
use crate::codec::{ClaimedRow, DbTime, Scalar};
use crate::db::Conn;
use crate::stats::QueueStats;

/// Claims on PostgreSQL: `FOR UPDATE` locks the chosen rows, so each job goes to exactly one
/// claimer (without it, two claimers could pick the same row from their snapshots and both
/// update it); `SKIP LOCKED` lets concurrent claimers pass over each other's rows instead of
/// queueing behind them.
const CLAIM_POSTGRES: &str = "\
UPDATE jobs SET locked_until = $2, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM jobs
    WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
    ORDER BY run_at LIMIT $3
    FOR UPDATE SKIP LOCKED)
RETURNING id, tenant_id, kind, payload, run_at, attempts, max_attempts";

/// Claims on SQLite: the single writer already serializes claims.
const CLAIM_SQLITE: &str = "\
UPDATE jobs SET locked_until = $2, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM jobs
    WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
    ORDER BY run_at LIMIT $3)
RETURNING id, tenant_id, kind, payload, run_at, attempts, max_attempts";

const COMPLETE: &str =
    "UPDATE jobs SET done_at = $2, locked_until = NULL WHERE id = $1 AND done_at IS NULL";

/// Releases a failed attempt: back to `run_at` ($3), or dead ($4) when attempts are used up.
const FAIL: &str = "\
UPDATE jobs SET
    locked_until = NULL,
    last_error = $2,
    run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $3 END,
    dead_at = CASE WHEN attempts >= max_attempts THEN $4 ELSE NULL END
WHERE id = $1 AND done_at IS NULL AND dead_at IS NULL";

/// When the next pending job can be claimed: its `run_at`, or the end of its lease if it is
/// leased past that (a job being worked on is not due again until its lease runs out).
const NEXT_DUE: &str = "\
SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > run_at THEN locked_until ELSE run_at END) AS value
FROM jobs WHERE done_at IS NULL AND dead_at IS NULL";

/// The backlog by the claim's index (`jobs_due`): pending jobs due by $1, waiting (`due`,
/// oldest `run_at` first) or leased (`running`).
const QUEUE_STATS: &str = "\
SELECT
    COALESCE(SUM(CASE WHEN locked_until IS NULL OR locked_until < $1 THEN 1 ELSE 0 END), 0) AS due,
    COALESCE(SUM(CASE WHEN locked_until >= $1 THEN 1 ELSE 0 END), 0) AS running,
    MIN(CASE WHEN locked_until IS NULL OR locked_until < $1 THEN run_at END) AS oldest_due
FROM jobs WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $1";

/// The test clock on PostgreSQL: `run_at` is a TIMESTAMPTZ, moved by an interval of $2 seconds.
const ADVANCE_POSTGRES: &str = "\
UPDATE jobs SET run_at = run_at - make_interval(secs => $2)
WHERE tenant_id = $1 AND done_at IS NULL AND dead_at IS NULL";

/// The test clock on SQLite: `run_at` is INTEGER unix microseconds, moved by $2 microseconds.
/// Integer minus integer stays an integer, the representation inserts write, so claims compare
/// and order moved and unmoved jobs alike.
const ADVANCE_SQLITE: &str = "\
UPDATE jobs SET run_at = run_at - $2
WHERE tenant_id = $1 AND done_at IS NULL AND dead_at IS NULL";

/// The most the test clock moves in one call: 100 years (of 365.25 days). Keeps every moved
/// `run_at` inside the range both engines and `time` represent.
const MAX_ADVANCE_SECONDS: i64 = 100 * 36_525 * 864;

/// `last_error` is for operators; a provider's whole error page is not.
const MAX_ERROR_CHARS: usize = 2_000;

/// Leases up to `limit` due jobs until `now + lease_seconds` and counts the attempt; returns
/// them oldest due first.
pub(crate) async fn claim(
    conn: &mut Conn<'_>,
    now: OffsetDateTime,
    lease_seconds: u32,
    limit: u32,
) -> Result<Vec<ClaimedJob>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let sql = match conn.backend() {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let lease_until = now + Duration::seconds(i64::from(lease_seconds));
    let args = vec![now.into(), lease_until.into(), i64::from(limit).into()];
    let mut rows: Vec<ClaimedRow> = conn.fetch_all(sql, args).await?;
    rows.sort_by_key(ClaimedRow::order_key);
    rows.into_iter().map(ClaimedRow::into_job).collect()
}

/// Marks a job done; a job that is gone or already done is left as it is.
pub(crate) async fn complete(conn: &mut Conn<'_>, id: JobId) -> Result<(), StoreError> {
    conn.execute(COMPLETE, vec![id.into(), OffsetDateTime::now_utc().into()])
        .await?;
    Ok(())
}

/// Releases a failed job to run again at `run_at`, or marks it dead when its attempts are used
/// up. A job that is gone, done or dead is left as it is.
pub(crate) async fn fail(
    conn: &mut Conn<'_>,
    id: JobId,
    error: &str,
    run_at: OffsetDateTime,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    let args = vec![
        id.into(),
        error.into(),
        run_at.into(),
        OffsetDateTime::now_utc().into(),
    ];
    conn.execute(FAIL, args).await?;
    Ok(())
}

/// The job queue's backlog at `now` ([`QUEUE_STATS`]).
pub(crate) async fn queue_stats(
    conn: &mut Conn<'_>,
    now: OffsetDateTime,
) -> Result<QueueStats, StoreError> {
    let row: Option<QueueRow> = conn.fetch_optional(QUEUE_STATS, vec![now.into()]).await?;
    let Some(row) = row else {
        return Ok(QueueStats {
            due: 0,
            running: 0,
            oldest_due_seconds: 0.0,
        });
    };
    Ok(QueueStats {
        due: u64::try_from(row.due).unwrap_or(0),
        running: u64::try_from(row.running).unwrap_or(0),
        oldest_due_seconds: row
            .oldest_due
            .map_or(0.0, |t| (now - t.0).as_seconds_f64().max(0.0)),
    })
}

/// A row of [`QUEUE_STATS`].
#[derive(sqlx::FromRow)]
struct QueueRow {
    due: i64,
    running: i64,
    oldest_due: Option<DbTime>,
}

crate::native::native_row!(QueueRow {
    due,
    running,
    oldest_due
});

/// The earliest time a pending job can be claimed, if any job is pending.
pub(crate) async fn next_due(conn: &mut Conn<'_>) -> Result<Option<OffsetDateTime>, StoreError> {
    let row: Option<Scalar<Option<DbTime>>> = conn.fetch_optional(NEXT_DUE, Vec::new()).await?;
    Ok(row.and_then(|r| r.value).map(|t| t.0))
}

/// The sandbox test clock: moves every pending job of `tenant` (leased or not) `seconds`
/// earlier; other tenants' jobs and done or dead jobs stay put. Leases are left as they are.
/// Returns how many jobs moved.
///
/// # Errors
/// [`StoreError::Unexpected`] when `seconds` is outside `1..=`[`MAX_ADVANCE_SECONDS`] (callers
/// validate it; nothing is written then).
pub(crate) async fn advance_timers(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    seconds: i64,
) -> Result<u64, StoreError> {
    if !(1..=MAX_ADVANCE_SECONDS).contains(&seconds) {
        return Err(crate::error::unexpected(format!(
            "cannot advance timers by {seconds} s: allowed 1..={MAX_ADVANCE_SECONDS}"
        )));
    }
    let (sql, shift) = match conn.backend() {
        Backend::Postgres => (ADVANCE_POSTGRES, seconds),
        // In range: MAX_ADVANCE_SECONDS * 1_000_000 is about 3.2e15.
        Backend::Sqlite => (ADVANCE_SQLITE, seconds * 1_000_000),
    };
    conn.execute(sql, vec![tenant.into(), shift.into()]).await
}
