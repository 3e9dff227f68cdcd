//! The shared statements run on a connection of SQLite's own C API (through rusqlite): the
//! SQLite writer's (`crate::sqlite::writer`) and its readers' (`crate::sqlite::readers`).
//!
//! sqlx runs each statement of a SQLite connection on a worker thread of that connection and
//! hands the result back to the calling task: two thread wake-ups per statement, in the one
//! writer every write of the process queues behind (issue 11 item 4: the handoffs were the
//! largest share of the writer's time). The writer instead owns its connection on a thread of
//! its own, and a reader runs on the reading request's thread; both run the same statements,
//! bound from the same [`Arg`]s and decoded into the same rows, directly.
//!
//! Parameters are bound as sqlx binds them on SQLite: each of the statement's parameters
//! `$n` takes the n-th argument, wherever and however often it appears. Values are stored as
//! sqlx's SQLite encodings stored them (files written before keep reading the same):
//! timestamps as INTEGER unix microseconds, UUIDs and JSON as TEXT.

use onramp_domain::ports::StoreError;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, Row, Statement, ToSql};
use serde::de::DeserializeOwned;
use sqlx::types::Json;
use uuid::Uuid;

use crate::codec::{DbTime, from_micros, to_micros};
use crate::columns::DbUuid;
use crate::db::Arg;
use crate::error::{classify_native, unexpected};

/// Statements kept prepared on each connection: more than the distinct statements the writes and
/// the hot reads use, so none of those is prepared twice (listings with other filters are
/// evicted first, least recently used).
pub(crate) const STATEMENT_CACHE: usize = 128;

fn text(s: &str) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let null = ToSqlOutput::Owned(SqlValue::Null);
        Ok(match self {
            Arg::Text(v) => text(v),
            Arg::OptText(v) => v.as_deref().map_or(null, text),
            Arg::Int(v) => ToSqlOutput::Owned(SqlValue::Integer(*v)),
            Arg::OptInt(v) => v.map_or(null, |v| ToSqlOutput::Owned(SqlValue::Integer(v))),
            Arg::Time(v) => ToSqlOutput::Owned(SqlValue::Integer(to_micros(*v))),
            Arg::OptTime(v) => v.map_or(null, |v| {
                ToSqlOutput::Owned(SqlValue::Integer(to_micros(v)))
            }),
            Arg::Json(v) => ToSqlOutput::Owned(SqlValue::Text(
                serde_json::to_string(v)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
            )),
            Arg::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Arg::OptBytes(v) => v
                .as_deref()
                .map_or(null, |v| ToSqlOutput::Borrowed(ValueRef::Blob(v))),
            Arg::Uuid(v) => ToSqlOutput::Owned(SqlValue::Text(v.to_string())),
        })
    }
}

/// Prepares (or takes from the cache) `sql` and binds `args` to its `$n` parameters.
fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    args: &[Arg],
) -> Result<rusqlite::CachedStatement<'c>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(classify_native)?;
    for index in 1..=statement.parameter_count() {
        let arg = argument_of(&statement, index, args)?;
        statement
            .raw_bind_parameter(index, arg)
            .map_err(classify_native)?;
    }
    Ok(statement)
}

/// The argument bound to the statement's `index`-th parameter, named `$n`.
fn argument_of<'a>(
    statement: &Statement<'_>,
    index: usize,
    args: &'a [Arg],
) -> Result<&'a Arg, StoreError> {
    let name = statement.parameter_name(index).unwrap_or("?");
    name.strip_prefix('$')
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
        .and_then(|n| args.get(n))
        .ok_or_else(|| {
            unexpected(format!(
                "parameter {name} of a statement has no argument ({} given)",
                args.len()
            ))
        })
}

/// Runs a statement, stepping through any rows it returns; returns the number of rows it
/// changed (0 for a statement that writes nothing, such as a query).
pub(crate) fn execute(conn: &Connection, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
    let mut statement = prepare(conn, sql, args)?;
    // SQLite counts the changes of the last INSERT, UPDATE or DELETE on the connection, which a
    // read-only statement leaves as an earlier statement set them.
    let readonly = statement.readonly();
    let mut rows = statement.raw_query();
    while rows.next().map_err(classify_native)?.is_some() {}
    Ok(if readonly { 0 } else { conn.changes() })
}

/// Runs a query; returns all its rows.
pub(crate) fn fetch_all<T: NativeRow>(
    conn: &Connection,
    sql: &str,
    args: &[Arg],
) -> Result<Vec<T>, StoreError> {
    let mut statement = prepare(conn, sql, args)?;
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(classify_native)? {
        out.push(T::from_native(row)?);
    }
    Ok(out)
}

/// Runs a query; returns its first row, if any.
pub(crate) fn fetch_optional<T: NativeRow>(
    conn: &Connection,
    sql: &str,
    args: &[Arg],
) -> Result<Option<T>, StoreError> {
    let mut statement = prepare(conn, sql, args)?;
    let mut rows = statement.raw_query();
    match rows.next().map_err(classify_native)? {
        Some(row) => T::from_native(row).map(Some),
        None => Ok(None),
    }
}

/// A row type decoded from a rusqlite row, column by name, as its `sqlx::FromRow` derive
/// decodes a sqlx row. Implemented with [`native_row!`](crate::native_row).
pub(crate) trait NativeRow: Sized {
    /// Decodes `row`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when a column is missing or holds another type.
    fn from_native(row: &Row<'_>) -> Result<Self, StoreError>;
}

/// A column value decoded from a rusqlite row.
pub(crate) trait FromNative: Sized {
    /// Decodes column `name` of `row`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the column is missing or holds another type.
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError>;
}

/// Implements [`NativeRow`] for a struct of named fields, each a [`FromNative`] column of the
/// same name.
macro_rules! native_row {
    ($row:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::native::NativeRow for $row {
            fn from_native(
                row: &rusqlite::Row<'_>,
            ) -> Result<Self, onramp_domain::ports::StoreError> {
                Ok(Self {
                    $($field: $crate::native::FromNative::from_native(row, stringify!($field))?,)+
                })
            }
        }
    };
}
pub(crate) use native_row;

fn corrupt(name: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {name}: {e}"))
}

fn column<T: rusqlite::types::FromSql>(row: &Row<'_>, name: &str) -> Result<T, StoreError> {
    row.get(name).map_err(|e| corrupt(name, e))
}

impl FromNative for String {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        column(row, name)
    }
}

impl FromNative for i64 {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        column(row, name)
    }
}

impl FromNative for Vec<u8> {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        column(row, name)
    }
}

impl FromNative for DbTime {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        from_micros(column(row, name)?).map(DbTime)
    }
}

impl FromNative for DbUuid {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        let text: String = column(row, name)?;
        Uuid::parse_str(&text)
            .map(DbUuid)
            .map_err(|_| corrupt(name, format!("{text:?} is not a UUID")))
    }
}

impl<T: DeserializeOwned> FromNative for Json<T> {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        let text: String = column(row, name)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| corrupt(name, e))
    }
}

/// NULL decodes as `None`; anything else as `T` does.
impl<T: FromNative> FromNative for Option<T> {
    fn from_native(row: &Row<'_>, name: &str) -> Result<Self, StoreError> {
        match row.get_ref(name).map_err(|e| corrupt(name, e))? {
            ValueRef::Null => Ok(None),
            _ => T::from_native(row, name).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;

    #[derive(Debug)]
    struct Pair {
        a: String,
        b: Option<i64>,
        at: DbTime,
        doc: Json<serde_json::Value>,
    }

    native_row!(Pair { a, b, at, doc });

    fn memory() -> Connection {
        Connection::open_in_memory().expect("an in-memory database")
    }

    // sqlx binds `$n` to the n-th argument wherever it appears; the shared statements rely on
    // it (`UPDATE_AGGREGATE` names `$4` before `$1`).
    #[test]
    fn parameters_take_their_numbered_argument_in_any_order_and_repeated() {
        let conn = memory();
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("a time");
        let args: Vec<Arg> = vec![
            "first".into(),
            Option::<i64>::None.into(),
            at.into(),
            serde_json::json!({"k": [1, 2]}).into(),
        ];
        let rows: Vec<Pair> = fetch_all(
            &conn,
            "SELECT $4 AS doc, $3 AS at, $2 AS b, $1 || '/' || $1 AS a",
            &args,
        )
        .expect("a row");
        let [row] = rows.as_slice() else {
            panic!("one row expected");
        };
        assert_eq!(row.a, "first/first");
        assert_eq!(row.b, None);
        assert_eq!(row.at.0, at);
        assert_eq!(row.doc.0, serde_json::json!({"k": [1, 2]}));
    }

    #[test]
    fn a_parameter_without_its_argument_is_an_error_not_a_null() {
        let conn = memory();
        let err =
            execute(&conn, "SELECT $1, $2", &["only one".into()]).expect_err("$2 has no argument");
        assert!(matches!(err, StoreError::Unexpected(_)), "{err:?}");
    }

    #[test]
    fn execute_counts_changed_rows_and_a_unique_violation_is_a_conflict() {
        let conn = memory();
        conn.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)")
            .expect("a table");
        let insert = "INSERT INTO t (id, n) VALUES ($1, $2)";
        assert_eq!(
            execute(&conn, insert, &["a".into(), 1_i64.into()]).ok(),
            Some(1)
        );
        assert_eq!(
            execute(&conn, insert, &["b".into(), 2_i64.into()]).ok(),
            Some(1)
        );
        let updated = execute(&conn, "UPDATE t SET n = n + $1", &[10_i64.into()]);
        assert_eq!(updated.ok(), Some(2));
        assert_eq!(execute(&conn, "SELECT n FROM t", &[]).ok(), Some(0));
        let err = execute(&conn, insert, &["a".into(), 3_i64.into()]).expect_err("a duplicate");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }

    #[test]
    fn a_column_of_another_type_is_corrupt() {
        let conn = memory();
        let err = fetch_optional::<Pair>(
            &conn,
            "SELECT 'x' AS a, 'not a number' AS b, 0 AS at, '{}' AS doc",
            &[],
        )
        .expect_err("b is text");
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    }
}
