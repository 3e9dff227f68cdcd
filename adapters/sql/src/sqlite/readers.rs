//! The SQLite read connections: SQLite's own (rusqlite, [`crate::native`]), used on the thread
//! of the request that reads.
//!
//! A read of a WAL database never waits for the writer, and the shared reads complete without
//! awaiting on a [`Conn::Native`](crate::db::Conn), so a read runs where its request runs: no
//! handoff to a connection thread and back (through sqlx, those handoffs and their thread
//! wake-ups were a fifth of the server's CPU under the journeys). A connection is taken for
//! the span of one read; the connections in use at one instant are therefore at most the
//! threads reading at that instant. [`Readers`] opens one when none is free and keeps up to
//! [`MAX_IDLE`] of those given back.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use onramp_domain::ports::StoreError;
use rusqlite::{Connection, OpenFlags};

use crate::error::classify_native;

/// Idle read connections kept open: the server's worker threads, and some.
const MAX_IDLE: usize = 8;

/// A reader's page cache, in KiB when negative (2 MiB, SQLite's default). A read that starts
/// after another connection's commit discards the whole cache (SQLite's WAL mode), which the
/// writer's commits make of nearly every read: a larger cache would only cost more to discard.
const READER_CACHE_SIZE: &str = "-2048";

/// The read connections of one database file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Connections taken and not given back yet (for monitoring).
    in_use: AtomicU64,
}

impl Readers {
    /// Read connections to the (migrated, WAL) database at `path`; opens one now, so that a
    /// file that cannot be read fails here rather than at the first request.
    ///
    /// # Errors
    /// The failure to open or configure the first connection.
    pub(crate) fn open(path: &Path) -> Result<Arc<Self>, StoreError> {
        let first = open_reader(path)?;
        Ok(Arc::new(Self {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![first]),
            in_use: AtomicU64::new(0),
        }))
    }

    /// An idle connection, or a new one when none is idle.
    ///
    /// # Errors
    /// The failure to open or configure a new connection.
    pub(crate) fn take(self: &Arc<Self>) -> Result<Reader, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        };
        self.in_use.fetch_add(1, Ordering::Relaxed);
        Ok(Reader {
            conn: Some(conn),
            readers: Arc::clone(self),
        })
    }

    /// Connections in use and idle now.
    pub(crate) fn counts(&self) -> (u64, u64) {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        (
            self.in_use.load(Ordering::Relaxed),
            u64::try_from(idle).unwrap_or(u64::MAX),
        )
    }

    fn give_back(&self, conn: Connection) {
        self.in_use.fetch_sub(1, Ordering::Relaxed);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// A read connection taken from [`Readers`]; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reader {
    /// `Some` until dropped.
    conn: Option<Connection>,
    readers: Arc<Readers>,
}

impl Reader {
    /// The connection.
    pub(crate) fn conn(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a Reader holds its connection until it is dropped")
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A read that failed part-way leaves no statement running: rusqlite resets a
            // statement when its rows are dropped, so the connection is clean to reuse.
            self.readers.give_back(conn);
        }
    }
}

/// Opens a read-only connection with the settings of the writer's ([`super::open_writer`]).
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(classify_native)?;
    super::configure(&conn, READER_CACHE_SIZE)?;
    Ok(conn)
}
