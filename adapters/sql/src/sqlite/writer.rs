//! The SQLite writer: one task owning the one write connection, committing writes in groups.
//!
//! SQLite allows one writer at a time, and each commit of a WAL database costs a write of the
//! WAL (and, with `synchronous=NORMAL`, no fsync until a checkpoint). Funnelling every write
//! through one task removes lock contention (no `SQLITE_BUSY` between our own connections) and
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

use std::iter;

use onramp_domain::ports::StoreError;
use sqlx::{Acquire, Connection, Sqlite, SqliteConnection, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::db::Conn;
use crate::error::{classify, duplicate, unavailable};
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

/// The handle to the writer task. The task stops, closing its connection, when every handle is
/// dropped.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Request>,
}

impl Writer {
    /// Starts the writer task on the current tokio runtime, owning `conn`.
    pub(crate) fn spawn(conn: SqliteConnection) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(conn, requests));
        Self { queue }
    }

    /// Queues `op` and waits until its group is committed.
    ///
    /// # Errors
    /// The op's own error (a conflict rolls back only this op), the group's commit failure, or
    /// [`StoreError::Unavailable`] when the writer task has stopped.
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

    /// Whether the writer task is still taking requests.
    pub(crate) fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }
}

async fn run(mut conn: SqliteConnection, mut requests: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        tracing::trace!(size = batch.len(), "sqlite write group");
        run_batch(&mut conn, &mut batch).await;
    }
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the SQLite write connection failed");
    }
}

/// Runs and answers every request of `batch` (leaving it empty) in one transaction.
async fn run_batch(conn: &mut SqliteConnection, batch: &mut Vec<Request>) {
    let mut pending = batch.drain(..);
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => return fail_all(pending.map(|r| r.reply), classify(e)),
    };
    let mut answers: Vec<(Reply, Result<WriteOutput, StoreError>)> =
        Vec::with_capacity(pending.len());
    // A group of one needs no savepoint: rolling back the transaction undoes exactly that op.
    if pending.len() == 1 {
        if let Some(request) = pending.next() {
            let result = ops::execute(&mut Conn::Sqlite(&mut tx), request.op).await;
            let done = match &result {
                Ok(_) => tx.commit().await,
                Err(_) => tx.rollback().await,
            };
            let _ = request.reply.send(match done {
                Ok(()) => result,
                Err(e) => Err(result.err().unwrap_or_else(|| classify(e))),
            });
        }
        return;
    }
    while let Some(request) = pending.next() {
        match in_savepoint(&mut tx, request.op).await {
            Ok(result) => answers.push((request.reply, result)),
            Err(e) => {
                // A savepoint statement failed: the transaction's state is unknown, give it up.
                let _ = tx.rollback().await;
                let replies = answers
                    .into_iter()
                    .map(|(r, _)| r)
                    .chain(iter::once(request.reply))
                    .chain(pending.map(|r| r.reply));
                return fail_all(replies, classify(e));
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, result) in answers {
                // A caller that gave up waiting no longer needs its answer.
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let failure = classify(e);
            tracing::warn!(error = %failure, size = answers.len(), "SQLite write group failed to commit");
            for (reply, result) in answers {
                let _ = reply.send(Err(result.err().unwrap_or_else(|| duplicate(&failure))));
            }
        }
    }
}

/// Runs `op` inside a savepoint of `tx`. The outer `Err` is a failure of the savepoint itself.
async fn in_savepoint(
    tx: &mut Transaction<'_, Sqlite>,
    op: WriteOp,
) -> Result<Result<WriteOutput, StoreError>, sqlx::Error> {
    let mut savepoint = tx.begin().await?;
    let result = ops::execute(&mut Conn::Sqlite(&mut savepoint), op).await;
    match result {
        Ok(_) => savepoint.commit().await?,
        Err(_) => savepoint.rollback().await?,
    }
    Ok(result)
}

fn fail_all(replies: impl Iterator<Item = Reply>, failure: StoreError) {
    tracing::warn!(error = %failure, "SQLite write group failed");
    for reply in replies {
        let _ = reply.send(Err(duplicate(&failure)));
    }
}
