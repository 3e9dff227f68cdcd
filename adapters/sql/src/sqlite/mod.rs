//! SQLite: a file in WAL mode, one writer thread with grouped commits ([`writer`]) and read-only
//! connections used on the reading request's thread ([`readers`]). sqlx opens the file and runs
//! the migrations; the writer and the readers then use SQLite's own API (rusqlite,
//! [`crate::native`]).
//!
//! # Durability
//! `journal_mode=WAL` with `synchronous=NORMAL`: a commit is durable across a process crash
//! (SIGKILL, panic, OOM kill), because the WAL is written before the commit returns, but a power
//! loss or OS crash may lose the last commits before the next checkpoint (the database stays
//! consistent). Use PostgreSQL where that matters.

mod readers;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ports::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use crate::db::Pooled;
use crate::error::{classify, classify_native, unavailable, unexpected};
use crate::ops::{WriteOp, WriteOutput};

pub(crate) use readers::Reader;
use readers::Readers;
pub(crate) use writer::MAX_BATCH;
use writer::Writer;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for a lock held by another process (a CLI on the same file)
/// before failing with `SQLITE_BUSY`, classified as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite backend.
pub(crate) struct SqliteBackend {
    readers: Arc<Readers>,
    writer: Writer,
}

/// The writer's page cache: a negative value is KiB (32 MiB). Readers keep a smaller one
/// (`readers`).
const CACHE_SIZE: &str = "-32768";

impl SqliteBackend {
    /// The read connections' use and the writer's queue.
    pub(crate) fn pool_stats(&self) -> crate::PoolStats {
        let (in_use, idle) = self.readers.counts();
        crate::PoolStats {
            open: in_use + idle,
            idle,
            queued_writes: self.writer.queued(),
        }
    }

    /// Opens (creating if missing) the database file of `url`, runs the SQLite migrations and
    /// starts the writer thread.
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
        // The writer and the readers use connections of their own (`writer`, `readers`); sqlx's
        // served the set-up.
        write_conn.close().await.map_err(classify)?;
        let path = options.get_filename();
        let writer = Writer::spawn(open_writer(path)?)?;
        let readers = Readers::open(path)?;
        Ok(Self { readers, writer })
    }

    /// Runs `op` through the writer, in the next group commit.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        self.writer.write(op).await
    }

    /// A read-only connection, for one read on the calling thread.
    pub(crate) fn reader(&self) -> Result<Pooled, StoreError> {
        self.readers.take().map(Pooled::Native)
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

/// Opens the writer's connection to the migrated WAL file at `path`, configured as every
/// connection is ([`configure`]) and with `synchronous=NORMAL` (see the module docs).
fn open_writer(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(classify_native)?;
    configure(&conn, CACHE_SIZE)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")
        .map_err(classify_native)?;
    Ok(conn)
}

/// The settings of every connection, as sqlx's set-up connection has them
/// ([`SqliteBackend::connect`]): foreign keys, the busy timeout, a page cache of `cache_size`
/// (`PRAGMA cache_size`: KiB when negative), and room for every statement in the
/// prepared-statement cache.
fn configure(conn: &rusqlite::Connection, cache_size: &str) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(classify_native)?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA cache_size = {cache_size};"
    ))
    .map_err(classify_native)?;
    conn.set_prepared_statement_cache_capacity(crate::native::STATEMENT_CACHE);
    Ok(())
}
