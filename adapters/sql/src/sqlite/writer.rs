//! The SQLite writer: one thread owning the one write connection, committing writes in groups.
//!
//! SQLite allows one writer at a time, and each commit of a WAL database costs a write of the
//! WAL (and, with `synchronous=NORMAL`, no fsync until a checkpoint). Funnelling every write
//! through one thread removes lock contention (no `SQLITE_BUSY` between our own connections) and
//! lets one transaction carry many requests:
//!
//! 1. wait for a request, then take every request already queued, up to [`MAX_BATCH`];
//! 2. `BEGIN IMMEDIATE`;
//! 3. run each request inside its own `SAVEPOINT`: `RELEASE` on success, `ROLLBACK TO` on
//!    failure, so a conflicting request undoes only itself;
//! 4. `COMMIT` once;
//! 5. answer every request through its oneshot, only after the commit, so a caller's next read
//!    (on any connection) sees its write.
//!
//! If the transaction itself fails (BEGIN, a savepoint statement, or COMMIT), every request
//! of the group that had succeeded is answered with that failure: nothing of the group is kept.
//!
//! The connection is SQLite's own (rusqlite, [`crate::native`]) on a thread of its own, not a
//! sqlx connection: sqlx would hand every statement to its connection's worker thread and back,
//! and in the one writer those handoffs were most of a write's time. The shared writes
//! ([`ops::execute`]) run here unchanged: on [`Conn::Native`] their statements complete without
//! awaiting, so their future is polled once.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::{iter, thread};

use onramp_domain::ports::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::db::Conn;
use crate::error::{classify_native, duplicate, unavailable, unexpected};
use crate::ops::{self, WriteOp, WriteOutput};

/// Most requests committed in one transaction. Bounds the latency a request adds to the others
/// of its group, and the work lost to a failed COMMIT.
pub(crate) const MAX_BATCH: usize = 256;

/// Requests waiting for the writer before senders wait (back-pressure).
const QUEUE_DEPTH: usize = 4 * MAX_BATCH;

type Reply = oneshot::Sender<Result<WriteOutput, StoreError>>;

struct Request {
    op: WriteOp,
    reply: Reply,
}

/// The handle to the writer thread. The thread stops, closing its connection, when every handle
/// is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Request>,
}

impl Writer {
    /// Writes queued for the writer thread now.
    pub(crate) fn queued(&self) -> u64 {
        u64::try_from(self.queue.max_capacity() - self.queue.capacity()).unwrap_or(0)
    }

    /// Starts the writer thread, owning `conn`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the thread cannot be started.
    pub(crate) fn spawn(conn: Connection) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel(QUEUE_DEPTH);
        thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, requests))
            .map_err(|e| unavailable(format!("starting the SQLite writer: {e}")))?;
        Ok(Self { queue })
    }

    /// Queues `op` and waits until its group is committed.
    ///
    /// # Errors
    /// The op's own error (a conflict rolls back only this op), the group's commit failure, or
    /// [`StoreError::Unavailable`] when the writer thread has stopped.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Request { op, reply })
            .await
            .map_err(|_| unavailable("the SQLite writer has stopped"))?;
        answer
            .await
            .map_err(|_| unavailable("the SQLite writer stopped before answering"))?
    }

    /// Whether the writer thread is still taking requests.
    pub(crate) fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }
}

fn run(mut conn: Connection, mut requests: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = requests.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        tracing::trace!(size = batch.len(), "sqlite write group");
        crate::group_size("sqlite", batch.len());
        run_batch(&mut conn, &mut batch);
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite write connection failed");
    }
}

/// Runs a statement of the writer's own (BEGIN, SAVEPOINT, COMMIT, ...).
fn control(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.raw_execute())
        .map(|_| ())
        .map_err(classify_native)
}

/// Runs `op` on `conn`, which is inside the writer's transaction.
fn run_op(conn: &mut Connection, op: WriteOp) -> Result<WriteOutput, StoreError> {
    let mut native = Conn::Native(conn);
    let mut write = pin!(ops::execute(&mut native, op));
    match write.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(unexpected(
            "a write on the SQLite writer awaited something other than its connection",
        )),
    }
}

/// Runs and answers every request of `batch` (leaving it empty) in one transaction.
fn run_batch(conn: &mut Connection, batch: &mut Vec<Request>) {
    let mut pending = batch.drain(..);
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        return fail_all(pending.map(|r| r.reply), e);
    }
    // A group of one needs no savepoint: rolling back the transaction undoes exactly that op.
    if pending.len() == 1 {
        if let Some(request) = pending.next() {
            let result = run_op(conn, request.op);
            let done = match &result {
                Ok(_) => control(conn, "COMMIT"),
                Err(_) => control(conn, "ROLLBACK"),
            };
            let _ = request.reply.send(match done {
                Ok(()) => result,
                Err(e) => {
                    roll_back(conn);
                    Err(result.err().unwrap_or(e))
                }
            });
        }
        return;
    }
    let mut answers: Vec<(Reply, Result<WriteOutput, StoreError>)> =
        Vec::with_capacity(pending.len());
    while let Some(request) = pending.next() {
        match in_savepoint(conn, request.op) {
            Ok(result) => answers.push((request.reply, result)),
            Err(e) => {
                // A savepoint statement failed: the transaction's state is unknown, give it up.
                roll_back(conn);
                let replies = answers
                    .into_iter()
                    .map(|(r, _)| r)
                    .chain(iter::once(request.reply))
                    .chain(pending.map(|r| r.reply));
                return fail_all(replies, e);
            }
        }
    }
    match control(conn, "COMMIT") {
        Ok(()) => {
            for (reply, result) in answers {
                // A caller that gave up waiting no longer needs its answer.
                let _ = reply.send(result);
            }
        }
        Err(failure) => {
            roll_back(conn);
            tracing::warn!(error = %failure, size = answers.len(), "SQLite write group failed to commit");
            for (reply, result) in answers {
                let _ = reply.send(Err(result.err().unwrap_or_else(|| duplicate(&failure))));
            }
        }
    }
}

/// Runs `op` inside a savepoint. The outer `Err` is a failure of the savepoint itself.
fn in_savepoint(
    conn: &mut Connection,
    op: WriteOp,
) -> Result<Result<WriteOutput, StoreError>, StoreError> {
    control(conn, "SAVEPOINT op")?;
    let result = run_op(conn, op);
    match result {
        Ok(_) => control(conn, "RELEASE op")?,
        Err(_) => {
            control(conn, "ROLLBACK TO op")?;
            control(conn, "RELEASE op")?;
        }
    }
    Ok(result)
}

/// Ends a transaction that failed part-way, if one is still open (a failed COMMIT can leave it
/// open), so that the next group starts clean.
fn roll_back(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = control(conn, "ROLLBACK")
    {
        tracing::warn!(error = %e, "rolling back a failed SQLite write group failed");
    }
}

fn fail_all(replies: impl Iterator<Item = Reply>, failure: StoreError) {
    tracing::warn!(error = %failure, "SQLite write group failed");
    for reply in replies {
        let _ = reply.send(Err(duplicate(&failure)));
    }
}
