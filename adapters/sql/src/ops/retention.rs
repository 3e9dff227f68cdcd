//! Retention (issue 11, item 7): bounded batch deletes of done jobs, stored webhooks and
//! tenant-facing events (issue 12, item 1), and
//! SQLite's incremental vacuum.

use onramp_domain::ports::StoreError;
use time::OffsetDateTime;

use crate::Backend;
use crate::db::Conn;

const DELETE_DONE_JOBS: &str = "\
DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE done_at IS NOT NULL AND done_at < $1 ORDER BY done_at LIMIT $2)";

/// The oldest stored webhooks, the same set for both statements of one batch (ordered by a
/// unique key, inside one transaction).
const OLD_WEBHOOKS: &str = "\
SELECT tenant_id, kind, id FROM aggregates
WHERE kind = 'webhook_event' AND created_at < $1 ORDER BY created_at, tenant_id, id LIMIT $2";

/// The oldest tenant-facing events first: the log's order, from its start.
const DELETE_TENANT_EVENTS: &str = "\
DELETE FROM tenant_events WHERE seq IN (
    SELECT seq FROM tenant_events WHERE created_at < $1 ORDER BY seq LIMIT $2)";

/// Their webhook messages (created with their event, at its time) and attempts.
const DELETE_WEBHOOK_MESSAGES: &str = "\
DELETE FROM webhook_messages WHERE (endpoint_id, event_seq) IN (
    SELECT endpoint_id, event_seq FROM webhook_messages WHERE created_at < $1 ORDER BY created_at LIMIT $2)";
const DELETE_WEBHOOK_ATTEMPTS: &str = "\
DELETE FROM webhook_attempts WHERE id IN (
    SELECT id FROM webhook_attempts WHERE attempted_at < $1 ORDER BY id LIMIT $2)";

/// Pages freed per vacuum step: about 4 MiB with SQLite's default 4 KiB pages.
const VACUUM_PAGES: i64 = 1024;

/// Deletes at most `limit` jobs done before `before`.
pub(crate) async fn delete_done_jobs(
    conn: &mut Conn<'_>,
    before: OffsetDateTime,
    limit: u32,
) -> Result<u64, StoreError> {
    conn.execute(
        DELETE_DONE_JOBS,
        vec![before.into(), i64::from(limit).into()],
    )
    .await
}

/// Deletes at most `limit` stored webhooks received before `before`, with their events and
/// stored states.
pub(crate) async fn delete_webhooks(
    conn: &mut Conn<'_>,
    before: OffsetDateTime,
    limit: u32,
) -> Result<u64, StoreError> {
    let events =
        format!("DELETE FROM events WHERE (tenant_id, stream_kind, stream_id) IN ({OLD_WEBHOOKS})");
    let states = format!("DELETE FROM snapshots WHERE (tenant_id, kind, id) IN ({OLD_WEBHOOKS})");
    let rows = format!("DELETE FROM aggregates WHERE (tenant_id, kind, id) IN ({OLD_WEBHOOKS})");
    let args = || vec![before.into(), i64::from(limit).into()];
    conn.execute(sqlx::AssertSqlSafe(events), args()).await?;
    conn.execute(sqlx::AssertSqlSafe(states), args()).await?;
    conn.execute(sqlx::AssertSqlSafe(rows), args()).await
}

/// Deletes at most `limit` tenant-facing events created before `before`, oldest first, and as
/// many of the webhook messages and attempts of that age.
pub(crate) async fn delete_tenant_events(
    conn: &mut Conn<'_>,
    before: OffsetDateTime,
    limit: u32,
) -> Result<u64, StoreError> {
    let args = || vec![before.into(), i64::from(limit).into()];
    conn.execute(DELETE_WEBHOOK_MESSAGES, args()).await?;
    conn.execute(DELETE_WEBHOOK_ATTEMPTS, args()).await?;
    conn.execute(DELETE_TENANT_EVENTS, args()).await
}

/// SQLite: frees up to [`VACUUM_PAGES`] pages of the free list (a database created with
/// `auto_vacuum = INCREMENTAL`; on an older file it does nothing). PostgreSQL: nothing.
pub(crate) async fn reclaim(conn: &mut Conn<'_>) -> Result<(), StoreError> {
    if conn.backend() == Backend::Sqlite {
        let pragma = format!("PRAGMA incremental_vacuum({VACUUM_PAGES})");
        conn.execute(sqlx::AssertSqlSafe(pragma), Vec::new())
            .await?;
    }
    Ok(())
}
