//! Reads of projection rows and event streams, always filtered on the tenant (P-TEN-1).

use std::fmt::Write as _;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, ListQuery, Loaded, Page, StoreError, StoredEvent, StreamId,
};
use sqlx::AssertSqlSafe;

use crate::codec::{AggregateRow, EventRow, decode_cursor};
use crate::db::{Arg, Conn};

const AGGREGATE_COLUMNS: &str = "kind, id, version, status, flow_id, phone, external_ref, session_id, created_at, updated_at, state";

const LOAD: &str = "\
SELECT kind, id, version, status, flow_id, phone, external_ref, session_id, created_at, updated_at, state
FROM aggregates WHERE tenant_id = $1 AND kind = $2 AND id = $3";

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
    let row: Option<AggregateRow> = conn.fetch_optional(LOAD, args).await?;
    row.map(AggregateRow::into_loaded).transpose()
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
    let mut sql =
        format!("SELECT {AGGREGATE_COLUMNS} FROM aggregates WHERE tenant_id = $1 AND kind = $2");
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
            let _ = write!(sql, " AND {column} = ${}", args.len());
        }
    }
    if let Some(cursor) = &query.cursor {
        let (created_at, id) = decode_cursor(cursor)?;
        args.push(created_at.into());
        args.push(id.into());
        let _ = write!(
            sql,
            " AND (created_at, id) < (${}, ${})",
            args.len() - 1,
            args.len()
        );
    }
    // One row more than the page tells whether there is a next page.
    args.push(i64::from(limit + 1).into());
    let _ = write!(
        sql,
        " ORDER BY created_at DESC, id DESC LIMIT ${}",
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
    let items = rows
        .into_iter()
        .map(AggregateRow::into_loaded)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor })
}
