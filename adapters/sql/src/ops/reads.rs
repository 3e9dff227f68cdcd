//! Reads of projection rows and event streams, always filtered on the tenant (P-TEN-1).

use std::collections::HashMap;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{AggregateKind, Loaded, StoreError, StoredEvent, StreamId};
use sqlx::AssertSqlSafe;

use crate::codec::{AggregateRow, EventRow};
use crate::db::{Arg, Conn};

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
        let events = events(conn, tenant, &loaded.stream, after, count).await?;
        settle(&mut loaded, after, count, events)?;
    }
    Ok(loaded)
}

/// `rows` of `kind` with the events after each one's stored state, read in one query (a
/// listing's page: most sessions and verifications have events after their stored state).
///
/// # Errors
/// [`StoreError::Corrupt`] when a stream lacks one of them.
pub(super) async fn all_with_pending(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: AggregateKind,
    rows: Vec<AggregateRow>,
) -> Result<Vec<Loaded>, StoreError> {
    let mut wanted = Vec::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let pending = row.pending()?;
        let loaded = row.into_loaded()?;
        wanted.push(pending);
        out.push(loaded);
    }
    let ids: Vec<&str> = out
        .iter()
        .zip(&wanted)
        .filter(|(_, p)| p.is_some())
        .map(|(l, _)| l.stream.id.as_str())
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let after = wanted.iter().flatten().map(|(a, _)| *a).min().unwrap_or(0);
    let mut args: Vec<Arg> = vec![
        tenant.into(),
        kind.as_str().into(),
        i64::try_from(after).unwrap_or(i64::MAX).into(),
    ];
    let mut placeholders = Vec::with_capacity(ids.len());
    for id in ids {
        args.push(id.into());
        placeholders.push(format!("${}", args.len()));
    }
    // Only placeholders go into the text; the ids are bound.
    let sql = format!(
        "SELECT stream_kind, stream_id, version, event_type, payload, recorded_at FROM events \
         WHERE tenant_id = $1 AND stream_kind = $2 AND version > $3 AND stream_id IN ({}) \
         ORDER BY stream_id, version",
        placeholders.join(", ")
    );
    let rows: Vec<EventRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    let mut by_stream: HashMap<String, Vec<StoredEvent>> = HashMap::new();
    for row in rows {
        let event = row.into_event()?;
        by_stream
            .entry(event.stream.id.clone())
            .or_default()
            .push(event);
    }
    for (loaded, pending) in out.iter_mut().zip(wanted) {
        if let Some((after, count)) = pending {
            let events = by_stream.remove(&loaded.stream.id).unwrap_or_default();
            let events = events.into_iter().filter(|e| e.version > after).collect();
            settle(loaded, after, count, events)?;
        }
    }
    Ok(out)
}

/// Sets `loaded`'s pending events to `events`, which must be the `count` versions after
/// `after`.
fn settle(
    loaded: &mut Loaded,
    after: u64,
    count: u32,
    events: Vec<StoredEvent>,
) -> Result<(), StoreError> {
    let expected = (after + 1..=after + u64::from(count)).collect::<Vec<_>>();
    if events.iter().map(|e| e.version).collect::<Vec<_>>() != expected {
        return Err(StoreError::Corrupt(format!(
            "{:?} {} lacks events after its stored state",
            loaded.stream.kind, loaded.stream.id
        )));
    }
    loaded.pending = events;
    Ok(())
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
