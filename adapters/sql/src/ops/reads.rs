//! Reads of projection rows and event streams, always filtered on the tenant (P-TEN-1).

use std::fmt::Write as _;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, ListQuery, Loaded, Page, StoreError, StoredEvent, StreamId,
};
use sqlx::AssertSqlSafe;

use crate::codec::{AggregateRow, EventRow, decode_cursor};
use crate::db::{Arg, Conn};

/// A projection row with its stored state: `FROM` and the join, for `WHERE` on `a.`.
const AGGREGATE_ROWS: &str = "\
SELECT a.kind, a.id, a.version, a.status, a.flow_id, a.phone, a.external_ref, a.session_id,
    a.created_at, a.updated_at, s.version AS state_version, s.state
FROM aggregates a JOIN snapshots s ON s.tenant_id = a.tenant_id AND s.kind = a.kind AND s.id = a.id";

const EVENTS: &str = "\
SELECT stream_kind, stream_id, version, event_type, payload, recorded_at FROM events
WHERE tenant_id = $1 AND stream_kind = $2 AND stream_id = $3 AND version > $4
ORDER BY version LIMIT $5";

const OWNER: &str = "SELECT tenant_id FROM aggregates WHERE kind = $1 AND id = $2 LIMIT 2";

/// The one tenant owning `stream`, across tenants (see `EventStore::stream_owner`).
pub(crate) async fn stream_owner(
    conn: &mut Conn<'_>,
    stream: &StreamId,
) -> Result<Option<TenantId>, StoreError> {
    let args = vec![stream.kind.as_str().into(), stream.id.as_str().into()];
    let rows: Vec<OwnerRow> = conn.fetch_all(OWNER, args).await?;
    match rows.as_slice() {
        [one] => crate::codec::tenant_id(&one.tenant_id).map(Some),
        _ => Ok(None),
    }
}

#[derive(sqlx::FromRow)]
struct OwnerRow {
    tenant_id: String,
}

/// Page sizes a listing accepts; others are clamped into this range.
const PAGE_SIZES: (u32, u32) = (1, 100);

/// The projection row of `stream` of `tenant`.
pub(crate) async fn load(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    stream: &StreamId,
) -> Result<Option<Loaded>, StoreError> {
    let args = vec![
        tenant.to_string().into(),
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
async fn with_pending(
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
        tenant.to_string().into(),
        stream.kind.as_str().into(),
        stream.id.as_str().into(),
        after.into(),
        i64::from(limit).into(),
    ];
    let rows: Vec<EventRow> = conn.fetch_all(EVENTS, args).await?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// Projection rows of `kind` of `tenant` matching `query`, newest first, by keyset pagination
/// on `(created_at, id)`.
///
/// # Errors
/// [`StoreError::Corrupt`] for a cursor this store did not make.
pub(crate) async fn list(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: AggregateKind,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let limit = query.limit.clamp(PAGE_SIZES.0, PAGE_SIZES.1);
    let mut args: Vec<Arg> = vec![tenant.to_string().into(), kind.as_str().into()];
    let mut sql = format!("{AGGREGATE_ROWS} WHERE a.tenant_id = $1 AND a.kind = $2");
    // Only fixed column names and placeholders go into the text; values are bound.
    let filters = [
        ("status", &query.status),
        ("flow_id", &query.flow_id),
        ("phone", &query.phone),
        ("external_ref", &query.external_ref),
        ("session_id", &query.session_id),
    ];
    for (column, value) in filters {
        if let Some(value) = value {
            args.push(value.as_str().into());
            let _ = write!(sql, " AND a.{column} = ${}", args.len());
        }
    }
    if let Some(cursor) = &query.cursor {
        let (created_at, id) = decode_cursor(cursor)?;
        args.push(created_at.into());
        args.push(id.into());
        let _ = write!(
            sql,
            " AND (a.created_at, a.id) < (${}, ${})",
            args.len() - 1,
            args.len()
        );
    }
    // One row more than the page tells whether there is a next page.
    args.push(i64::from(limit + 1).into());
    let _ = write!(
        sql,
        " ORDER BY a.created_at DESC, a.id DESC LIMIT ${}",
        args.len()
    );

    let mut rows: Vec<AggregateRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(AggregateRow::cursor)
    } else {
        None
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(with_pending(conn, tenant, row).await?);
    }
    Ok(Page { items, next_cursor })
}
