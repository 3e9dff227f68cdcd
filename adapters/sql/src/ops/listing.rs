//! Listings of projection rows and the owner lookup across tenants: the reads that use the
//! partial indexes of migration 0010, and the terms that let both engines use them.

use std::fmt::Write as _;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{AggregateKind, ListQuery, Page, StoreError, StreamId};
use sqlx::AssertSqlSafe;

use crate::codec::{AggregateRow, decode_cursor};
use crate::columns::DbTenant;
use crate::db::{Arg, Conn};

use super::reads::{AGGREGATE_ROWS, all_with_pending};

/// Page sizes a listing accepts; others are clamped into this range.
const PAGE_SIZES: (u32, u32) = (1, 100);

/// `kind IN (..)` over `kinds`, in their order: a term the partial indexes of migration 0010
/// carry word for word, so that both engines see a query implies their condition.
pub(crate) fn kind_in(column: &str, kinds: &[AggregateKind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    format!("{column} IN ({})", names.join(", "))
}

/// The one tenant owning `stream`, across tenants (see `EventStore::stream_owner`). The kinds
/// of [`AggregateKind::ROUTED`] are looked up on the partial index `aggregates_by_id`.
pub(crate) async fn stream_owner(
    conn: &mut Conn<'_>,
    stream: &StreamId,
) -> Result<Option<TenantId>, StoreError> {
    let (sql, args) = owner_statement(stream);
    let rows: Vec<OwnerRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    match rows.as_slice() {
        [one] => Ok(Some(one.tenant_id.tenant())),
        _ => Ok(None),
    }
}

/// The statement of [`stream_owner`] and its arguments.
fn owner_statement(stream: &StreamId) -> (String, Vec<Arg>) {
    let mut sql = String::from("SELECT tenant_id FROM aggregates WHERE kind = $1 AND id = $2");
    if AggregateKind::ROUTED.contains(&stream.kind) {
        let _ = write!(sql, " AND {}", kind_in("kind", &AggregateKind::ROUTED));
    }
    sql.push_str(" LIMIT 2");
    let args = vec![stream.kind.as_str().into(), stream.id.as_str().into()];
    (sql, args)
}

#[derive(sqlx::FromRow)]
struct OwnerRow {
    tenant_id: DbTenant,
}

crate::native::native_row!(OwnerRow { tenant_id });

/// Projection rows of `kind` of `tenant` matching `query`, newest first, by keyset pagination
/// on `(created_at, id)`.
///
/// # Errors
/// [`StoreError::Corrupt`] for a cursor this store did not make.
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
    let (sql, args) = list_statement(tenant, kind, query, limit)?;
    let mut rows: Vec<AggregateRow> = conn.fetch_all(AssertSqlSafe(sql), args).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(AggregateRow::cursor)
    } else {
        None
    };
    let items = all_with_pending(conn, tenant, kind, rows).await?;
    Ok(Page { items, next_cursor })
}

/// The statement of [`list`] and its arguments: a page of `limit` rows and one more.
///
/// # Errors
/// [`StoreError::Corrupt`] for a cursor this store did not make.
fn list_statement(
    tenant: TenantId,
    kind: AggregateKind,
    query: &ListQuery,
    limit: u32,
) -> Result<(String, Vec<Arg>), StoreError> {
    let mut args: Vec<Arg> = vec![tenant.into(), kind.as_str().into()];
    let mut sql = format!("{AGGREGATE_ROWS} WHERE a.tenant_id = $1 AND a.kind = $2");
    // Listed kinds are on the partial listing indexes; another kind is listed without them.
    if AggregateKind::LISTED.contains(&kind) {
        let _ = write!(sql, " AND {}", kind_in("a.kind", &AggregateKind::LISTED));
    }
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
    Ok((sql, args))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    /// A row of SQLite's `EXPLAIN QUERY PLAN`.
    struct PlanRow {
        detail: String,
    }

    crate::native::native_row!(PlanRow { detail });

    /// What SQLite does for `sql` with `args`, one step per line.
    fn plan(conn: &rusqlite::Connection, sql: &str, args: Vec<Arg>) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows: Vec<PlanRow> = crate::native::fetch_all(conn, &explain, &args).expect("a plan");
        rows.into_iter()
            .map(|r| r.detail)
            .collect::<Vec<_>>()
            .join("\n")
    }

    // The partial indexes of migration 0010 hold only some kinds; a query uses one only when the
    // engine sees that the query implies the index's condition. A term that drifted from the
    // migration's text would leave listings scanning every tenant's rows, with the same
    // answers: only the plan shows it.
    #[tokio::test]
    async fn listings_and_owner_lookups_use_the_partial_indexes() {
        let dir = std::env::temp_dir().join(format!("onramp-plans-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let url = format!("sqlite://{}", dir.join("onramp.db").display());
        crate::SqlStore::connect(&url).await.expect("migrated");
        let conn = rusqlite::Connection::open(dir.join("onramp.db")).expect("opened");
        let tenant = TenantId::new(Uuid::now_v7());
        let by = |column: &str| {
            let mut query = ListQuery::default();
            let value = Some("x".to_string());
            match column {
                "status" => query.status = value,
                "flow" => query.flow_id = value,
                "phone" => query.phone = value,
                "reference" => query.external_ref = value,
                "session" => query.session_id = value,
                _ => {}
            }
            query
        };
        let cases = [
            (AggregateKind::Session, "newest", "aggregates_newest"),
            (AggregateKind::Session, "status", "aggregates_by_status"),
            (AggregateKind::Session, "flow", "aggregates_by_flow"),
            (AggregateKind::Session, "phone", "aggregates_by_phone"),
            (
                AggregateKind::Verification,
                "reference",
                "aggregates_by_reference",
            ),
            (AggregateKind::Trial, "session", "aggregates_by_session"),
        ];
        for kind in AggregateKind::LISTED {
            assert!(
                kind_in("kind", &AggregateKind::LISTED).contains(kind.as_str()),
                "{kind:?}"
            );
        }
        for (kind, filter, index) in cases {
            let (sql, args) = list_statement(tenant, kind, &by(filter), 10).expect("a statement");
            let plan = plan(&conn, &sql, args);
            assert!(
                plan.contains(&format!("USING INDEX {index}")),
                "{kind:?} by {filter}: {plan}"
            );
            assert!(
                !plan.contains("TEMP B-TREE"),
                "{kind:?} by {filter}: {plan}"
            );
        }
        let stream = StreamId::new(AggregateKind::ProviderRef, "sandbox:sbx_1");
        let (sql, args) = owner_statement(&stream);
        let plan = plan(&conn, &sql, args);
        assert!(plan.contains("USING INDEX aggregates_by_id"), "{plan}");
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
