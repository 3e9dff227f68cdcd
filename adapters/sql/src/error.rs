//! The one place where database failures become [`StoreError`]s the domain can act on.

use onramp_domain::ports::StoreError;
use sqlx::error::{DatabaseError, ErrorKind};

/// PostgreSQL SQLSTATEs that mean "someone else won the race": reload and decide again.
/// 23505 unique_violation, 40001 serialization_failure, 40P01 deadlock_detected, 55P03
/// lock_not_available (a group commit's `lock_timeout`, `crate::postgres`).
const PG_CONFLICT: &[&str] = &["23505", "40001", "40P01", "55P03"];

/// The SQLSTATEs the PostgreSQL commit function raises (migration `0013_commit_function.sql`):
/// a stream not at its expected version, and an idempotency key held by another attempt.
const PG_STREAM_CONFLICT: &str = "ORC01";
const PG_KEY_TAKEN: &str = "ORC02";

/// SQLite extended result codes for unique and primary-key violations
/// (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY).
const SQLITE_CONFLICT: &[&str] = &["2067", "1555"];

/// SQLite result codes for a database held by another process past `busy_timeout`
/// (SQLITE_BUSY and its extended codes, SQLITE_LOCKED and SQLITE_LOCKED_SHAREDCACHE).
const SQLITE_BUSY: &[&str] = &["5", "261", "517", "773", "6", "262"];

/// PostgreSQL SQLSTATEs that mean the server is going away or overloaded: try again later.
/// 57014 query_canceled (statement timeout), 57P01..57P03 shutdown / cannot connect now,
/// 53300 too_many_connections; class 08 (connection exceptions) is matched by prefix.
const PG_UNAVAILABLE: &[&str] = &["57014", "57P01", "57P02", "57P03", "53300"];

/// Classifies a sqlx failure:
/// - unique violations, serialization failures, deadlocks and the commit function's version
///   check -> [`StoreError::Conflict`]; its key check -> [`StoreError::IdempotencyKeyTaken`];
/// - connection, pool, TLS and busy/shutdown failures -> [`StoreError::Unavailable`];
/// - rows that cannot be decoded -> [`StoreError::Corrupt`];
/// - anything else -> [`StoreError::Unexpected`], with the source attached.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    let class = match &err {
        sqlx::Error::Database(db) => database_class(db.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Class::Unavailable,
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. } => Class::Corrupt,
        _ => Class::Unexpected,
    };
    class.into_error(err)
}

/// Classifies a failure of a connection of SQLite's own API ([`crate::native`]) as
/// [`classify`] does a sqlx one: by SQLite's extended result code (a unique violation ->
/// [`StoreError::Conflict`], a busy database -> [`StoreError::Unavailable`]); a column that
/// cannot be converted -> [`StoreError::Corrupt`]; anything else -> [`StoreError::Unexpected`].
pub(crate) fn classify_native(err: rusqlite::Error) -> StoreError {
    let class = match &err {
        rusqlite::Error::SqliteFailure(failure, _) => {
            code_class(&failure.extended_code.to_string(), &err.to_string())
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::InvalidColumnName(_)
        | rusqlite::Error::InvalidColumnIndex(_) => Class::Corrupt,
        _ => Class::Unexpected,
    };
    class.into_error(err)
}

enum Class {
    Conflict(String),
    KeyTaken,
    Unavailable,
    Corrupt,
    Unexpected,
}

impl Class {
    /// The store failure of this class, with `err` as its source or message.
    fn into_error<E: std::error::Error + Send + Sync + 'static>(self, err: E) -> StoreError {
        match self {
            Class::Conflict(message) => StoreError::Conflict(message),
            Class::KeyTaken => StoreError::IdempotencyKeyTaken,
            Class::Unavailable => StoreError::Unavailable(Box::new(err)),
            Class::Corrupt => StoreError::Corrupt(err.to_string()),
            Class::Unexpected => StoreError::Unexpected(Box::new(err)),
        }
    }
}

fn database_class(db: &dyn DatabaseError) -> Class {
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    if db.kind() == ErrorKind::UniqueViolation {
        return Class::Conflict(db.message().to_string());
    }
    code_class(&code, db.message())
}

/// The class of a failure by its code alone (a PostgreSQL SQLSTATE or a SQLite result code).
fn code_class(code: &str, message: &str) -> Class {
    if code == PG_KEY_TAKEN {
        return Class::KeyTaken;
    }
    if PG_CONFLICT.contains(&code) || code == PG_STREAM_CONFLICT || SQLITE_CONFLICT.contains(&code)
    {
        return Class::Conflict(message.to_string());
    }
    if SQLITE_BUSY.contains(&code)
        || PG_UNAVAILABLE.contains(&code)
        || (code.len() == 5 && code.starts_with("08"))
    {
        return Class::Unavailable;
    }
    Class::Unexpected
}

/// The failure a PostgreSQL function reported for one commit of a group by its SQLSTATE `code`
/// and `message` (`onramp_commit_group`), classified as [`classify`] does.
pub(crate) fn from_sqlstate(code: &str, message: String) -> StoreError {
    let described = || format!("{message} (SQLSTATE {code})");
    match code_class(code, &message) {
        Class::Conflict(message) => StoreError::Conflict(message),
        Class::KeyTaken => StoreError::IdempotencyKeyTaken,
        Class::Unavailable => unavailable(described()),
        Class::Corrupt => StoreError::Corrupt(described()),
        Class::Unexpected => unexpected(described()),
    }
}

/// A store failure with a plain message as its source, for failures that are not sqlx errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Message(pub String);

/// [`StoreError::Unavailable`] with `message` as its source.
pub(crate) fn unavailable(message: impl Into<String>) -> StoreError {
    StoreError::Unavailable(Box::new(Message(message.into())))
}

/// [`StoreError::Unexpected`] with `message` as its source.
pub(crate) fn unexpected(message: impl Into<String>) -> StoreError {
    StoreError::Unexpected(Box::new(Message(message.into())))
}

/// The same failure again, for answering several callers of one failed operation (the SQLite
/// writer's group commit). Sources are kept as their messages.
pub(crate) fn duplicate(err: &StoreError) -> StoreError {
    match err {
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
        StoreError::InvalidCursor => StoreError::InvalidCursor,
        StoreError::IdempotencyKeyTaken => StoreError::IdempotencyKeyTaken,
        StoreError::Unavailable(source) => unavailable(source.to_string()),
        StoreError::Unexpected(source) => unexpected(source.to_string()),
    }
}

/// A failed migration: the schema is not what this build expects.
pub(crate) fn migration(err: sqlx::migrate::MigrateError) -> StoreError {
    match err {
        // An unreachable database is worth retrying; anything else needs an operator.
        sqlx::migrate::MigrateError::Execute(e) => match classify(e) {
            unavailable @ StoreError::Unavailable(_) => unavailable,
            other => StoreError::Unexpected(Box::new(other)),
        },
        other => StoreError::Unexpected(Box::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A database error as a driver would report it: a code and a kind.
    #[derive(Debug, thiserror::Error)]
    #[error("{message}")]
    struct FakeDbError {
        code: &'static str,
        kind: fn() -> ErrorKind,
        message: &'static str,
    }

    impl DatabaseError for FakeDbError {
        fn message(&self) -> &str {
            self.message
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.code))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            (self.kind)()
        }
    }

    fn db(code: &'static str, kind: fn() -> ErrorKind) -> sqlx::Error {
        sqlx::Error::Database(Box::new(FakeDbError {
            code,
            kind,
            message: "boom",
        }))
    }

    fn other() -> ErrorKind {
        ErrorKind::Other
    }

    fn unique() -> ErrorKind {
        ErrorKind::UniqueViolation
    }

    #[test]
    fn postgres_unique_violation_is_a_conflict() {
        assert!(matches!(classify(db("23505", unique)), StoreError::Conflict(m) if m == "boom"));
    }

    #[test]
    fn postgres_serialization_failure_and_deadlock_are_conflicts() {
        assert!(matches!(
            classify(db("40001", other)),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            classify(db("40P01", other)),
            StoreError::Conflict(_)
        ));
    }

    #[test]
    fn the_commit_functions_checks_are_a_conflict_and_a_taken_key() {
        assert!(matches!(classify(db("ORC01", other)), StoreError::Conflict(m) if m == "boom"));
        assert!(matches!(
            classify(db("ORC02", other)),
            StoreError::IdempotencyKeyTaken
        ));
    }

    #[test]
    fn a_group_commits_failures_are_classified_by_their_sqlstate() {
        assert!(
            matches!(from_sqlstate("ORC01", "session s (expected version 3)".into()), StoreError::Conflict(m) if m.contains("expected version 3"))
        );
        assert!(matches!(
            from_sqlstate("23505", "dup".into()),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            from_sqlstate("ORC02", "taken".into()),
            StoreError::IdempotencyKeyTaken
        ));
        assert!(matches!(
            from_sqlstate("57P01", "shutdown".into()),
            StoreError::Unavailable(_)
        ));
        assert!(
            matches!(from_sqlstate("22P02", "bad uuid".into()), StoreError::Unexpected(e) if e.to_string().contains("22P02"))
        );
    }

    #[test]
    fn sqlite_unique_and_primary_key_violations_are_conflicts() {
        assert!(matches!(
            classify(db("2067", unique)),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            classify(db("1555", unique)),
            StoreError::Conflict(_)
        ));
        // The code alone is enough, whatever kind the driver reports.
        assert!(matches!(
            classify(db("2067", other)),
            StoreError::Conflict(_)
        ));
    }

    #[test]
    fn busy_sqlite_and_postgres_connection_failures_are_unavailable() {
        for code in [
            "5", "517", "773", "6", "08006", "08001", "57P01", "53300", "57014",
        ] {
            assert!(
                matches!(classify(db(code, other)), StoreError::Unavailable(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn pool_and_io_failures_are_unavailable() {
        assert!(matches!(
            classify(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            classify(sqlx::Error::PoolClosed),
            StoreError::Unavailable(_)
        ));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(matches!(
            classify(sqlx::Error::Io(io)),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn undecodable_rows_are_corrupt() {
        let err = sqlx::Error::ColumnDecode {
            index: "state".into(),
            source: "not json".into(),
        };
        assert!(matches!(classify(err), StoreError::Corrupt(m) if m.contains("state")));
    }

    #[test]
    fn other_database_errors_are_unexpected() {
        // 42P01 undefined_table, 1 SQLITE_ERROR, 787 SQLITE_CONSTRAINT_FOREIGNKEY.
        for code in ["42P01", "1", "787", "23503"] {
            assert!(
                matches!(classify(db(code, other)), StoreError::Unexpected(_)),
                "{code}"
            );
        }
        assert!(matches!(
            classify(sqlx::Error::RowNotFound),
            StoreError::Unexpected(_)
        ));
    }
}
