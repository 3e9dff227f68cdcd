//! The shared statements run on a connection of SQLite's own C API (through rusqlite), for the
//! SQLite writer's thread (`crate::sqlite::writer`).
//!
//! sqlx runs each statement of a SQLite connection on a worker thread of that connection and
//! hands the result back to the calling task: two thread wake-ups per statement, in the one
//! writer every write of the process queues behind (issue 11 item 4: the handoffs were the
//! largest share of the writer's time). The writer instead owns its connection on a thread of
//! its own and runs the same statements, bound from the same [`Arg`]s and decoded into the same
//! rows, directly.
//!
//! Parameters are bound as sqlx binds them on SQLite: each of the statement's parameters
//! `$n` takes the n-th argument, wherever and however often it appears. Values are stored as
//! sqlx's SQLite encodings store them (`crate::codec`, `crate::columns`): timestamps as INTEGER
//! unix microseconds, UUIDs and JSON as TEXT.

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

/// Statements kept prepared on the writer's connection: more than the distinct statements the
/// writes use, so none is prepared twice.
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
/// changed.
pub(crate) fn execute(conn: &Connection, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
    let mut statement = prepare(conn, sql, args)?;
    let mut rows = statement.raw_query();
    while rows.next().map_err(classify_native)?.is_some() {}
    Ok(conn.changes())
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
