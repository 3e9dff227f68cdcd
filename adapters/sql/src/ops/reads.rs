//! Reads of projection rows and event streams, always filtered on the tenant (P-TEN-1).

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Loaded, StoreError, StoredEvent, StreamId};
use sqlx::AssertSqlSafe;

use crate::codec::{AggregateRow, EventRow};
use crate::db::Conn;

/// A projection row with its stored state, if any (version 0 and no state without): `FROM` and
/// the join, for `WHERE` on `a.`.
pub(super) const AGGREGATE_ROWS: &str = "\
SELECT a.kind, a.id, a.version, a.status, a.flow_id, a.phone, a.external_ref, a.session_id,
    a.created_at, a.updated_at, COALESCE(s.version, 0) AS state_version, s.state
FROM aggregates a LEFT JOIN snapshots s ON s.tenant_id = a.tenant_id AND s.kind = a.kind AND s.id = a.id";

const EVENTS: &str = "\
SELECT stream_kind, stream_id, version, event_type, payload, recorded_at FROM events
WHERE tenant_id = $1 AND stream_kind = $2 AND stream_id = $3 AND version > $4
ORDER BY version LIMIT $5";

/// The projection row of `stream` of `tenant`.
pub(crate) async fn load(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    stream: &StreamId,
) -> Result<Option<Loaded>, StoreError> {
    let args = vec![
        tenant.into(),
        stream.kind.as_str().into(),
        stream.id.as_str().into(),
    ];
    let sql = format!("{AGGREGATE_ROWS} WHERE a.tenant_id = $1 AND a.kind = $2 AND a.id = $3");
    let row: Option<AggregateRow> = conn.fetch_optional(AssertSqlSafe(sql), args).await?;
    match row {
        None => Ok(None),
        Some(row) => with_pending(conn, tenant, row).await.map(Some),
    }
}

/// `row` with the events after its stored state (`Loaded::pending`).
///
/// # Errors
/// [`StoreError::Corrupt`] when the stream lacks one of them.
pub(super) async fn with_pending(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    row: AggregateRow,
) -> Result<Loaded, StoreError> {
    let pending = row.pending()?;
    let mut loaded = row.into_loaded()?;
    if let Some((after, count)) = pending {
        loaded.pending = events(conn, tenant, &loaded.stream, after, count).await?;
        if loaded.pending.len() != count as usize {
            return Err(StoreError::Corrupt(format!(
                "{:?} {} lacks events after its stored state",
                loaded.stream.kind, loaded.stream.id
            )));
        }
    }
    Ok(loaded)
}

/// Up to `limit` events of `stream` of `tenant` after `after_version`, in order.
pub(crate) async fn events(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    stream: &StreamId,
    after_version: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    // Past i64::MAX there is nothing to return, and no version is greater than i64::MAX.
    let after = i64::try_from(after_version).unwrap_or(i64::MAX);
    let args = vec![
        tenant.into(),
        stream.kind.as_str().into(),
        stream.id.as_str().into(),
        after.into(),
        i64::from(limit).into(),
    ];
    let rows: Vec<EventRow> = conn.fetch_all(EVENTS, args).await?;
    rows.into_iter().map(EventRow::into_event).collect()
}
