//! SQLite: a file in WAL mode, one writer thread with grouped commits ([`writer`]) and a pool of
//! read-only connections.
//!
//! # Durability
//! `journal_mode=WAL` with `synchronous=NORMAL`: a commit is durable across a process crash
//! (SIGKILL, panic, OOM kill), because the WAL is written before the commit returns, but a power
//! loss or OS crash may lose the last commits before the next checkpoint (the database stays
//! consistent). Use PostgreSQL where that matters.

mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use onramp_domain::ports::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

use crate::db::Pooled;
use crate::error::{classify, classify_native, unavailable, unexpected};
use crate::ops::{WriteOp, WriteOutput};

pub(crate) use writer::MAX_BATCH;
use writer::Writer;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for a lock held by another process (a CLI on the same file)
/// before failing with `SQLITE_BUSY`, classified as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Concurrent readers. WAL lets them all read while the writer writes.
const READERS: u32 = 4;

/// The SQLite backend.
pub(crate) struct SqliteBackend {
    readers: SqlitePool,
    writer: Writer,
}

/// Page cache per connection: a negative value is KiB (32 MiB).
const CACHE_SIZE: &str = "-32768";

impl SqliteBackend {
    /// Opens (creating if missing) the database file of `url`, runs the SQLite migrations and
    /// starts the writer task.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] for an in-memory URL: every connection would get a database
    /// of its own, so the writer's commits would be invisible to readers.
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(unexpected(
                "in-memory SQLite is not supported: use a file (sqlite://onramp.db)",
            ));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(classify)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // A larger page cache than the default 2 MiB keeps the hot pages of the projection
            // and event tables resident.
            .pragma("cache_size", CACHE_SIZE);
        let mut write_conn = options
            .clone()
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Takes effect on a new file, before its tables exist: deleted rows' pages can then
            // be returned to the file system (`Retention::reclaim_space`, issue 11 item 7).
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            .connect()
            .await
            .map_err(classify)?;
        MIGRATOR
            .run(&mut write_conn)
            .await
            .map_err(crate::error::migration)?;
        // The writer runs on a connection of its own thread (`writer`); sqlx's served the set-up.
        write_conn.close().await.map_err(classify)?;
        let writer = Writer::spawn(open_writer(options.get_filename())?)?;
        // Opened after the writer switched the file to WAL (a persistent setting) and migrated it.
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            // A local file cannot drop the connection; skip the ping round trip per acquire.
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await
            .map_err(classify)?;
        Ok(Self { readers, writer })
    }

    /// Runs `op` through the writer, in the next group commit.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        self.writer.write(op).await
    }

    /// A pooled read-only connection.
    pub(crate) async fn reader(&self) -> Result<Pooled, StoreError> {
        self.readers
            .acquire()
            .await
            .map(Pooled::Sqlite)
            .map_err(classify)
    }

    /// Fails when the writer thread has stopped (reads alone would still answer).
    pub(crate) fn check_writer(&self) -> Result<(), StoreError> {
        if self.writer.is_running() {
            Ok(())
        } else {
            Err(unavailable("the SQLite writer has stopped"))
        }
    }
}

/// Opens the writer's connection to the migrated WAL file at `path`, with the settings sqlx's
/// connections get from [`SqliteBackend::connect`]: foreign keys, the busy timeout, the page
/// cache and `synchronous=NORMAL` (see the module docs).
fn open_writer(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(classify_native)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(classify_native)?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = {CACHE_SIZE};"
    ))
    .map_err(classify_native)?;
    conn.set_prepared_statement_cache_capacity(crate::native::STATEMENT_CACHE);
    Ok(conn)
}
