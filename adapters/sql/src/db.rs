//! The seam between the shared queries and the two engines.
//!
//! Every statement in [`crate::ops`] is written once, in SQL both engines accept (`$n`
//! placeholders, `ON CONFLICT`, `RETURNING`, row values), and bound from [`Arg`]s. A [`Conn`]
//! runs it on whichever engine it wraps: PostgreSQL through sqlx, where the engine-specific
//! encodings (timestamps, JSON) live in the bound types ([`crate::codec::DbTime`],
//! [`crate::columns::DbJson`], [`crate::columns::DbUuid`]); SQLite through its own API
//! ([`crate::native`], which binds and decodes the same types in SQLite's representation).

use onramp_domain::ports::StoreError;
use serde_json::Value;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Arguments, Database, Encode, FromRow, PgConnection, Postgres, SqlSafeStr, Type};
use time::OffsetDateTime;

use crate::Backend;
use crate::codec::DbTime;
use crate::columns::{DbJson, DbUuid};
use crate::error::classify;
use crate::native::{self, NativeRow};

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Time(OffsetDateTime),
    OptTime(Option<OffsetDateTime>),
    Json(Value),
    Bytes(Vec<u8>),
    OptBytes(Option<Vec<u8>>),
    /// A tenant or job id, in a [`DbUuid`] column.
    Uuid(uuid::Uuid),
}

/// PostgreSQL refuses U+0000 in TEXT and JSONB, SQLite keeps it: both engines store U+FFFD
/// (the replacement character) instead, so they give the same answer. The API refuses NUL in its
/// input; this guards what providers send (an inbound message's text).
fn without_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text
    }
}

/// [`without_nul`] over every string and key of a JSON value.
fn json_without_nul(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(without_nul(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(json_without_nul).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (without_nul(k), json_without_nul(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Whether `value` holds a NUL anywhere (a walk without allocation, before rebuilding it).
fn json_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        _ => false,
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(without_nul(v))
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(without_nul(v.to_string()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v.map(without_nul))
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::OptInt(v)
    }
}

impl From<Option<Vec<u8>>> for Arg {
    fn from(v: Option<Vec<u8>>) -> Self {
        Self::OptBytes(v)
    }
}

impl From<OffsetDateTime> for Arg {
    fn from(v: OffsetDateTime) -> Self {
        Self::Time(v)
    }
}

impl From<Option<OffsetDateTime>> for Arg {
    fn from(v: Option<OffsetDateTime>) -> Self {
        Self::OptTime(v)
    }
}

impl From<Value> for Arg {
    fn from(v: Value) -> Self {
        if json_has_nul(&v) {
            Self::Json(json_without_nul(v))
        } else {
            Self::Json(v)
        }
    }
}

impl From<onramp_domain::ids::TenantId> for Arg {
    fn from(v: onramp_domain::ids::TenantId) -> Self {
        Self::Uuid(v.uuid())
    }
}

impl From<onramp_domain::ids::JobId> for Arg {
    fn from(v: onramp_domain::ids::JobId) -> Self {
        Self::Uuid(v.uuid())
    }
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(v)
    }
}

/// Binds `args` in order for engine `DB`.
fn arguments<DB: Database>(args: Vec<Arg>) -> Result<DB::Arguments, BoxDynError>
where
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    for<'q> DbTime: Encode<'q, DB> + Type<DB>,
    for<'q> Option<DbTime>: Encode<'q, DB> + Type<DB>,
    for<'q> DbJson: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    for<'q> DbUuid: Encode<'q, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
    for arg in args {
        match arg {
            Arg::Text(v) => out.add(v),
            Arg::OptText(v) => out.add(v),
            Arg::Int(v) => out.add(v),
            Arg::OptInt(v) => out.add(v),
            Arg::OptBytes(v) => out.add(v),
            Arg::Time(v) => out.add(DbTime(v)),
            Arg::OptTime(v) => out.add(v.map(DbTime)),
            Arg::Json(v) => out.add(DbJson(v)),
            Arg::Bytes(v) => out.add(v),
            Arg::Uuid(v) => out.add(DbUuid(v)),
        }?;
    }
    Ok(out)
}

fn encode_error(e: BoxDynError) -> StoreError {
    classify(sqlx::Error::Encode(e))
}

/// A row type every connection can decode: a `sqlx::FromRow` derive for PostgreSQL and a
/// [`native_row!`](crate::native::native_row) list for SQLite.
pub(crate) trait AnyRow: for<'r> FromRow<'r, PgRow> + NativeRow + Send + Unpin {}

impl<T> AnyRow for T where T: for<'r> FromRow<'r, PgRow> + NativeRow + Send + Unpin {}

/// A connection (or a transaction, or a savepoint) of either engine.
pub(crate) enum Conn<'a> {
    Postgres(&'a mut PgConnection),
    /// A SQLite connection of SQLite's own API ([`crate::native`]): the writer's, inside its
    /// transaction, or a reader's. Its statements complete without awaiting.
    Native(&'a mut rusqlite::Connection),
}

impl Conn<'_> {
    /// The engine behind this connection, for the few statements that differ.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Postgres(_) => Backend::Postgres,
            Conn::Native(_) => Backend::Sqlite,
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: impl SqlSafeStr + Send,
        args: Vec<Arg>,
    ) -> Result<u64, StoreError> {
        let done = match self {
            Conn::Postgres(c) => {
                let a = arguments::<Postgres>(args).map_err(encode_error)?;
                sqlx::query_with(sql, a)
                    .execute(&mut **c)
                    .await
                    .map(|r| r.rows_affected())
            }
            Conn::Native(c) => return native::execute(c, sql.into_sql_str().as_str(), &args),
        };
        done.map_err(classify)
    }

    /// Runs a query; returns its first row, if any.
    pub(crate) async fn fetch_optional<T: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr + Send,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        let row = match self {
            Conn::Postgres(c) => {
                let a = arguments::<Postgres>(args).map_err(encode_error)?;
                sqlx::query_as_with::<Postgres, T, _>(sql, a)
                    .fetch_optional(&mut **c)
                    .await
            }
            Conn::Native(c) => {
                return native::fetch_optional(c, sql.into_sql_str().as_str(), &args);
            }
        };
        row.map_err(classify)
    }

    /// Runs a query; returns all its rows.
    pub(crate) async fn fetch_all<T: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr + Send,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = match self {
            Conn::Postgres(c) => {
                let a = arguments::<Postgres>(args).map_err(encode_error)?;
                sqlx::query_as_with::<Postgres, T, _>(sql, a)
                    .fetch_all(&mut **c)
                    .await
            }
            Conn::Native(c) => return native::fetch_all(c, sql.into_sql_str().as_str(), &args),
        };
        rows.map_err(classify)
    }
}

/// A connection checked out for reads.
pub(crate) enum Pooled {
    Postgres(PoolConnection<Postgres>),
    /// A SQLite read connection (`crate::sqlite`'s readers).
    Native(crate::sqlite::Reader),
}

impl Pooled {
    /// The connection, to run shared queries on.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Postgres(c) => Conn::Postgres(c),
            Pooled::Native(c) => Conn::Native(c.conn()),
        }
    }
}
