//! Reads of the tenant-facing event log (issue 12, item 1), always filtered on the tenant
//! (P-TEN-1). The log is written by the commit ([`super::commit`], `onramp_commit`).

use std::collections::HashMap;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{StoreError, TenantEvent, TenantEventQuery};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use uuid::Uuid;

use crate::codec::{DbTime, to_i64, to_u64};
use crate::columns::DbUuid;
use crate::db::{Arg, Conn};

const COLUMNS: &str = "SELECT seq, id, event_type, session_id, created_at, data FROM tenant_events";

/// A `tenant_events` row.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantEventRow {
    seq: i64,
    id: DbUuid,
    event_type: String,
    session_id: Option<String>,
    created_at: DbTime,
    data: Json<Value>,
}

crate::native::native_row!(TenantEventRow {
    seq,
    id,
    event_type,
    session_id,
    created_at,
    data
});

impl TenantEventRow {
    fn into_event(self) -> Result<TenantEvent, StoreError> {
        Ok(TenantEvent {
            sequence: to_u64(self.seq, "sequence")?,
            id: self.id.0,
            event_type: self.event_type,
            session_id: self.session_id,
            created_at: self.created_at.0,
            data: self.data.0,
        })
    }
}

/// The events of `tenant` matching `query`, in its order. A session filter walks the session's
/// index; any other walks the tenant's log from the cursor.
///
/// # Errors
/// Store failures; [`StoreError::Corrupt`] for a row that does not read back.
pub(crate) async fn list(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    query: &TenantEventQuery,
) -> Result<Vec<TenantEvent>, StoreError> {
    let mut args: Vec<Arg> = vec![tenant.into()];
    let mut sql = format!("{COLUMNS} WHERE tenant_id = $1");
    let mut bind = |sql: &mut String, clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(session) = &query.session_id {
        bind(&mut sql, " AND session_id = ?", session.as_str().into());
    }
    if !query.types.is_empty() {
        sql.push_str(" AND event_type IN (");
        for (i, t) in query.types.iter().enumerate() {
            let clause = if i == 0 { "?" } else { ", ?" };
            bind(&mut sql, clause, t.as_str().into());
        }
        sql.push(')');
    }
    if let Some(after) = query.created_after {
        bind(&mut sql, " AND created_at >= ?", after.into());
    }
    if let Some(cursor) = query.cursor {
        let clause = if query.ascending {
            " AND seq > ?"
        } else {
            " AND seq < ?"
        };
        bind(&mut sql, clause, to_i64(cursor, "cursor")?.into());
    }
    let order = if query.ascending { "ASC" } else { "DESC" };
    let limit = i64::from(query.limit.clamp(1, 100));
    bind(
        &mut sql,
        &format!(" ORDER BY seq {order} LIMIT ?"),
        limit.into(),
    );
    let rows: Vec<TenantEventRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    rows.into_iter().map(TenantEventRow::into_event).collect()
}

/// The events of `sequences`, by sequence, whichever their tenant: the dispatcher's claim,
/// which serves every tenant (each message carries its own), in one query.
///
/// # Errors
/// Store failures; [`StoreError::Corrupt`] for a row that does not read back.
pub(crate) async fn by_sequences(
    conn: &mut Conn<'_>,
    sequences: &[i64],
) -> Result<HashMap<u64, TenantEvent>, StoreError> {
    if sequences.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=sequences.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{COLUMNS} WHERE seq IN ({})", marks.join(", "));
    let args = sequences.iter().map(|&s| s.into()).collect();
    let rows: Vec<TenantEventRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    rows.into_iter()
        .map(|row| row.into_event().map(|e| (e.sequence, e)))
        .collect()
}

/// The event `id` of `tenant`.
///
/// # Errors
/// Store failures; [`StoreError::Corrupt`] for a row that does not read back.
pub(crate) async fn get(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<TenantEvent>, StoreError> {
    let sql = format!("{COLUMNS} WHERE id = $1 AND tenant_id = $2");
    let row: Option<TenantEventRow> = conn
        .fetch_optional(AssertSqlSafe(sql), vec![Arg::Uuid(id), tenant.into()])
        .await?;
    row.map(TenantEventRow::into_event).transpose()
}
