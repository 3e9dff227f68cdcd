//! The outbound webhook queue (issue 12, item 2): endpoint routes, attempts and requeues
//! written by the commit, the claim, and the listings. The fan-out of each tenant-facing event
//! to its messages is the `tenant_events_route` trigger (migrations `0012`/`0015`).

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AttemptRecord, ClaimedDelivery, MessageOutcome, Requeue, StoreError, WebhookAttempt,
    WebhookMessage, WebhookRoute,
};
use sqlx::AssertSqlSafe;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Backend;
use crate::codec::{DbTime, to_i64, to_u64};
use crate::columns::DbUuid;
use crate::db::{Arg, Conn};

const UPSERT_ROUTE: &str = "\
INSERT INTO webhook_endpoints (tenant_id, id, event_types, enabled, ordered) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, id) DO UPDATE SET
    event_types = excluded.event_types, enabled = excluded.enabled, ordered = excluded.ordered";

const DELETE_ROUTE: &str = "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2";

const DELETE_PENDING: &str =
    "DELETE FROM webhook_messages WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'";

/// A message's state after an attempt; `next_attempt_at` kept unless retried.
const SETTLE: &str = "\
UPDATE webhook_messages SET status = $4, next_attempt_at = COALESCE($5, next_attempt_at),
    locked_until = NULL, updated_at = $6
WHERE tenant_id = $1 AND endpoint_id = $2 AND event_seq = $3";

const INSERT_ATTEMPT: &str = "\
INSERT INTO webhook_attempts (tenant_id, endpoint_id, event_seq, attempt, attempted_at, status_code,
    latency_ms, response, error, outcome)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Queues again: a new message, or the existing one reset to pending.
const REQUEUE_CONFLICT: &str = "
ON CONFLICT (endpoint_id, event_seq) DO UPDATE SET status = 'pending', attempts = 0,
    next_attempt_at = excluded.next_attempt_at, locked_until = NULL, updated_at = excluded.updated_at";

const REQUEUE_EVENT: &str = "\
INSERT INTO webhook_messages (tenant_id, endpoint_id, event_seq, session_id, status, attempts,
    next_attempt_at, created_at, updated_at)
SELECT tenant_id, $2, seq, session_id, 'pending', 0, $4, created_at, $4 FROM tenant_events
WHERE tenant_id = $1 AND seq = $3";

/// The endpoints' messages due at `$1`, the oldest due first, at most `$4` of one endpoint in
/// flight (leased) at once, none of an
/// ordered endpoint's session behind an earlier pending one; leased until `$2`. The outer
/// conditions are checked again on each row as it is updated, so two claimers (replicas on
/// PostgreSQL) never lease one message twice.
const CLAIM: &str = "\
UPDATE webhook_messages SET locked_until = $2, attempts = attempts + 1
WHERE (endpoint_id, event_seq) IN (
    SELECT endpoint_id, event_seq FROM (
        SELECT c.endpoint_id, c.event_seq, c.next_attempt_at,
            row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.event_seq) AS turn,
            (SELECT count(*) FROM webhook_messages l
             WHERE l.tenant_id = c.tenant_id AND l.endpoint_id = c.endpoint_id
               AND l.status = 'pending' AND l.locked_until >= $1) AS busy
        FROM webhook_messages c JOIN webhook_endpoints w ON w.tenant_id = c.tenant_id AND w.id = c.endpoint_id
        WHERE c.status = 'pending' AND c.next_attempt_at <= $1
          AND (c.locked_until IS NULL OR c.locked_until < $1)
          AND NOT (w.ordered = 1 AND c.session_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM webhook_messages p
              WHERE p.endpoint_id = c.endpoint_id AND p.session_id = c.session_id
                AND p.event_seq < c.event_seq AND p.status = 'pending'))
    ) ranked
    WHERE turn + busy <= $4 ORDER BY next_attempt_at LIMIT $3)
  AND status = 'pending' AND (locked_until IS NULL OR locked_until < $1)
RETURNING tenant_id, endpoint_id, event_seq, attempts";

const MESSAGES: &str = "\
SELECT m.endpoint_id, m.event_seq, e.id AS event_id, e.event_type, m.status, m.attempts,
    m.next_attempt_at, m.updated_at
FROM webhook_messages m JOIN tenant_events e ON e.seq = m.event_seq
WHERE m.tenant_id = $1 AND m.endpoint_id = $2";

const ATTEMPTS: &str = "\
SELECT a.id, a.endpoint_id, a.event_seq, e.id AS event_id, a.attempt, a.attempted_at, a.status_code,
    a.latency_ms, a.response, a.error, a.outcome
FROM webhook_attempts a LEFT JOIN tenant_events e ON e.seq = a.event_seq
WHERE a.tenant_id = $1 AND a.endpoint_id = $2";

/// Writes a commit's routes, attempts and requeues, in that order.
///
/// # Errors
/// Store failures.
pub(crate) async fn write(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    routes: Vec<WebhookRoute>,
    attempts: Vec<WebhookAttempt>,
    requeues: Vec<Requeue>,
) -> Result<(), StoreError> {
    for route in routes {
        let endpoint = Arg::Uuid(route.endpoint);
        if route.deleted {
            conn.execute(DELETE_ROUTE, vec![tenant.into(), endpoint.clone()])
                .await?;
            conn.execute(DELETE_PENDING, vec![tenant.into(), endpoint])
                .await?;
            continue;
        }
        let types = route.event_types.map(|t| format!(",{},", t.join(",")));
        let args = vec![
            tenant.into(),
            endpoint,
            types.into(),
            i64::from(route.enabled).into(),
            i64::from(route.ordered).into(),
        ];
        conn.execute(UPSERT_ROUTE, args).await?;
    }
    for attempt in attempts {
        settle(conn, tenant, attempt).await?;
    }
    for requeue in requeues {
        self::requeue(conn, tenant, requeue).await?;
    }
    Ok(())
}

async fn settle(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    attempt: WebhookAttempt,
) -> Result<(), StoreError> {
    let sequence = to_i64(attempt.sequence, "sequence")?;
    let (status, retry_at) = match attempt.outcome {
        MessageOutcome::Delivered => ("delivered", None),
        MessageOutcome::Retry(at) => ("pending", Some(at)),
        MessageOutcome::Failed => ("failed", None),
    };
    let args = vec![
        tenant.into(),
        Arg::Uuid(attempt.endpoint),
        sequence.into(),
        status.into(),
        retry_at.into(),
        attempt.at.into(),
    ];
    conn.execute(SETTLE, args).await?;
    let args = vec![
        tenant.into(),
        Arg::Uuid(attempt.endpoint),
        sequence.into(),
        i64::from(attempt.attempt).into(),
        attempt.at.into(),
        attempt.status.map(i64::from).into(),
        i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX).into(),
        attempt.response.into(),
        attempt.error.into(),
        status.into(),
    ];
    conn.execute(INSERT_ATTEMPT, args).await?;
    Ok(())
}

async fn requeue(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    requeue: Requeue,
) -> Result<(), StoreError> {
    match requeue {
        Requeue::Event {
            endpoint,
            sequence,
            at,
        } => {
            let sql = format!("{REQUEUE_EVENT}{REQUEUE_CONFLICT}");
            let args = vec![
                tenant.into(),
                Arg::Uuid(endpoint),
                to_i64(sequence, "sequence")?.into(),
                at.into(),
            ];
            conn.execute(AssertSqlSafe(sql), args).await?;
        }
        Requeue::Since {
            endpoint,
            since,
            at,
        } => {
            let takes = match conn.backend() {
                Backend::Sqlite => "instr(w.event_types, ',' || e.event_type || ',') > 0",
                Backend::Postgres => "strpos(w.event_types, ',' || e.event_type || ',') > 0",
            };
            let sql = format!(
                "INSERT INTO webhook_messages (tenant_id, endpoint_id, event_seq, session_id, status,
                    attempts, next_attempt_at, created_at, updated_at)
                SELECT e.tenant_id, w.id, e.seq, e.session_id, 'pending', 0, $3, e.created_at, $3
                FROM tenant_events e JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.id = $2
                WHERE e.tenant_id = $1 AND e.created_at >= $4 AND (w.event_types IS NULL OR {takes})
                {REQUEUE_CONFLICT}"
            );
            let args = vec![tenant.into(), Arg::Uuid(endpoint), at.into(), since.into()];
            conn.execute(AssertSqlSafe(sql), args).await?;
        }
    }
    Ok(())
}

/// A claimed message's key.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    tenant_id: DbUuid,
    endpoint_id: DbUuid,
    event_seq: i64,
    attempts: i64,
}

crate::native::native_row!(ClaimedRow {
    tenant_id,
    endpoint_id,
    event_seq,
    attempts
});

/// Leases due messages (see [`CLAIM`]) and reads their events.
///
/// # Errors
/// Store failures.
pub(crate) async fn claim(
    conn: &mut Conn<'_>,
    now: OffsetDateTime,
    lease_seconds: u32,
    limit: u32,
    per_endpoint: u32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let args = vec![
        now.into(),
        (now + Duration::seconds(i64::from(lease_seconds))).into(),
        i64::from(limit).into(),
        i64::from(per_endpoint.max(1)).into(),
    ];
    let rows: Vec<ClaimedRow> = conn.fetch_all(CLAIM, args).await?;
    let sequences: Vec<i64> = rows.iter().map(|r| r.event_seq).collect();
    // One event may be claimed for several endpoints at once.
    let events = super::tenant_events::by_sequences(conn, &sequences).await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let tenant = row.tenant_id.tenant();
        let sequence = to_u64(row.event_seq, "sequence")?;
        let event = events
            .get(&sequence)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt(format!("message of a missing event {sequence}")))?;
        claimed.push(ClaimedDelivery {
            tenant,
            endpoint: row.endpoint_id.0,
            attempt: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            event,
        });
    }
    Ok(claimed)
}

/// A listed message.
#[derive(sqlx::FromRow)]
struct MessageRow {
    endpoint_id: DbUuid,
    event_seq: i64,
    event_id: DbUuid,
    event_type: String,
    status: String,
    attempts: i64,
    next_attempt_at: DbTime,
    updated_at: DbTime,
}

crate::native::native_row!(MessageRow {
    endpoint_id,
    event_seq,
    event_id,
    event_type,
    status,
    attempts,
    next_attempt_at,
    updated_at
});

/// An endpoint's messages, newest first.
///
/// # Errors
/// Store failures.
pub(crate) async fn messages(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    endpoint: Uuid,
    status: Option<String>,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<WebhookMessage>, StoreError> {
    let mut sql = MESSAGES.to_owned();
    let mut args = vec![tenant.into(), Arg::Uuid(endpoint)];
    if let Some(status) = status {
        args.push(status.into());
        sql.push_str(&format!(" AND m.status = ${}", args.len()));
    }
    if let Some(before) = before {
        args.push(to_i64(before, "cursor")?.into());
        sql.push_str(&format!(" AND m.event_seq < ${}", args.len()));
    }
    args.push(i64::from(limit.clamp(1, 100)).into());
    sql.push_str(&format!(" ORDER BY m.event_seq DESC LIMIT ${}", args.len()));
    let rows: Vec<MessageRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    rows.into_iter()
        .map(|r| {
            Ok(WebhookMessage {
                endpoint: r.endpoint_id.0,
                sequence: to_u64(r.event_seq, "sequence")?,
                event_id: r.event_id.0,
                event_type: r.event_type,
                status: r.status,
                attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
                next_attempt_at: r.next_attempt_at.0,
                updated_at: r.updated_at.0,
            })
        })
        .collect()
}

/// A listed attempt.
#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: i64,
    endpoint_id: DbUuid,
    event_seq: i64,
    event_id: Option<DbUuid>,
    attempt: i64,
    attempted_at: DbTime,
    status_code: Option<i64>,
    latency_ms: i64,
    response: String,
    error: Option<String>,
    outcome: String,
}

crate::native::native_row!(AttemptRow {
    id,
    endpoint_id,
    event_seq,
    event_id,
    attempt,
    attempted_at,
    status_code,
    latency_ms,
    response,
    error,
    outcome
});

/// An endpoint's attempts, newest first.
///
/// # Errors
/// Store failures.
pub(crate) async fn attempts(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    endpoint: Uuid,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<AttemptRecord>, StoreError> {
    let mut sql = ATTEMPTS.to_owned();
    let mut args = vec![tenant.into(), Arg::Uuid(endpoint)];
    if let Some(before) = before {
        args.push(to_i64(before, "cursor")?.into());
        sql.push_str(&format!(" AND a.id < ${}", args.len()));
    }
    args.push(i64::from(limit.clamp(1, 100)).into());
    sql.push_str(&format!(" ORDER BY a.id DESC LIMIT ${}", args.len()));
    let rows: Vec<AttemptRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    rows.into_iter()
        .map(|r| {
            let outcome = match r.outcome.as_str() {
                "delivered" => MessageOutcome::Delivered,
                "failed" => MessageOutcome::Failed,
                // A retried attempt: when its retry was due is the message's concern.
                _ => MessageOutcome::Retry(r.attempted_at.0),
            };
            Ok(AttemptRecord {
                id: to_u64(r.id, "attempt id")?,
                event_id: r.event_id.map(|id| id.0),
                attempt: WebhookAttempt {
                    endpoint: r.endpoint_id.0,
                    sequence: to_u64(r.event_seq, "sequence")?,
                    attempt: u32::try_from(r.attempt).unwrap_or(u32::MAX),
                    at: r.attempted_at.0,
                    status: r.status_code.and_then(|s| u16::try_from(s).ok()),
                    latency_ms: u64::try_from(r.latency_ms).unwrap_or(0),
                    response: r.response,
                    error: r.error,
                    outcome,
                },
            })
        })
        .collect()
}
