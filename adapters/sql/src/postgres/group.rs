//! Group commit on PostgreSQL: concurrent requests' commits share one transaction.
//!
//! A commit is one statement already ([`crate::ops::commit_document`]), but each was
//! still a transaction of its own, with its own commit record, WAL flush and wake-ups, and
//! PostgreSQL was CPU-bound on them. [`GroupCommitter`] runs [`COMMITTERS`] tasks that each take
//! the commits queued while they were busy, up to [`MAX_GROUP`], and send them in one statement to
//! `onramp_commit_group` (migration `0013_commit_function.sql`): each commit runs in a
//! subtransaction, so one that fails (a version conflict, a taken idempotency key) undoes only
//! itself, and the transaction commits the rest at once. A commit that finds the queue empty
//! goes alone, through `onramp_commit`, without the subtransaction. Every caller is answered
//! after the transaction commits, so its next read, on any connection, sees its write.
//!
//! Several tasks, so that several groups wait for their WAL flush at once (PostgreSQL flushes
//! them together; one task at a time left the machine idle, waiting on the disk). A group holds
//! the row locks of all its commits until it commits, so two groups could deadlock each other
//! on two streams taken in opposite orders: a group runs its commits in the order of the first
//! stream each writes, the order in which a commit takes its own streams, so that groups take
//! the rows they share in one order. Anything left (a commit over several streams, another
//! replica's group) waits at most [`LOCK_TIMEOUT`] for a lock, not PostgreSQL's
//! `deadlock_timeout` (1 s): that commit answers [`StoreError::Conflict`] and the domain decides
//! again.
//!
//! If the statement itself fails (the connection is lost, the server shuts down), every commit
//! of the group gets that failure: none of the group is kept.

use std::sync::Arc;

use onramp_domain::ports::{StoreError, StreamId};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::db::Conn;
use crate::error::{classify, duplicate, from_sqlstate, unavailable};

/// Tasks committing groups at once, each on a pooled connection.
pub(crate) const COMMITTERS: usize = 4;

/// How long a commit of a group waits for a row lock another transaction holds (a group runs
/// in milliseconds, so a longer wait is a deadlock in the making); set by `onramp_commit_group`.
pub(crate) const LOCK_TIMEOUT: &str = "200ms";

/// Most commits in one group: under the 64 subtransactions PostgreSQL caches per backend.
pub(crate) const MAX_GROUP: usize = 32;

/// Commits waiting for a committer before callers wait (back-pressure).
const QUEUE_DEPTH: usize = 16 * MAX_GROUP;

const COMMIT_ONE: &str = "SELECT onramp_commit($1)";
const COMMIT_GROUP: &str = "SELECT onramp_commit_group($1, $2)";

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// A commit's first stream, its document ([`crate::ops::commit_document`]) and who waits for it.
type Queued = (Option<StreamId>, Value, Reply);

/// The handle to the committer tasks; they stop when every handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommitter {
    queue: mpsc::Sender<Queued>,
}

/// What `onramp_commit_group` says about one commit it undid.
#[derive(Debug, Deserialize)]
struct Undone {
    code: String,
    message: String,
}

#[derive(sqlx::FromRow)]
struct GroupAnswer {
    onramp_commit_group: sqlx::types::Json<Vec<Option<Undone>>>,
}

crate::native::native_row!(GroupAnswer {
    onramp_commit_group
});

impl GroupCommitter {
    /// Commits queued for a committer task now.
    pub(crate) fn queued(&self) -> u64 {
        u64::try_from(self.queue.max_capacity() - self.queue.capacity()).unwrap_or(0)
    }

    /// Starts the committer tasks on the current tokio runtime, committing on `pool`.
    pub(crate) fn spawn(pool: PgPool) -> Self {
        let (queue, commits) = mpsc::channel(QUEUE_DEPTH);
        let commits = Arc::new(Mutex::new(commits));
        for _ in 0..COMMITTERS {
            tokio::spawn(run(pool.clone(), Arc::clone(&commits)));
        }
        Self { queue }
    }

    /// Queues `document`, a commit whose first stream in stream order is `first_stream`, and
    /// waits until its group is committed.
    ///
    /// # Errors
    /// [`StoreError::Conflict`], [`StoreError::IdempotencyKeyTaken`] as `onramp_commit` raises
    /// them, nothing of this commit written; [`StoreError::Unavailable`] when the database or
    /// the committers are gone.
    pub(crate) async fn commit(
        &self,
        first_stream: Option<StreamId>,
        document: Value,
    ) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((first_stream, document, reply))
            .await
            .map_err(|_| unavailable("the PostgreSQL committers have stopped"))?;
        answer
            .await
            .map_err(|_| unavailable("a PostgreSQL committer stopped before answering"))?
    }
}

async fn run(pool: PgPool, commits: Arc<Mutex<mpsc::Receiver<Queued>>>) {
    while let Some(mut group) = next_group(&commits).await {
        // Stable: commits of one first stream keep their arrival order.
        group.sort_by(|a, b| a.0.cmp(&b.0));
        let (documents, replies): (Vec<Value>, Vec<Reply>) = group
            .into_iter()
            .map(|(_, document, reply)| (document, reply))
            .unzip();
        crate::group_size("postgres", documents.len());
        let answers = commit_group(&pool, documents).await;
        for (reply, answer) in replies.into_iter().zip(answers) {
            // A caller that stopped waiting (its request was cancelled) needs no answer.
            let _ = reply.send(answer);
        }
    }
}

/// The next commit and those queued behind it, up to [`MAX_GROUP`]; `None` once every handle
/// is dropped.
async fn next_group(commits: &Mutex<mpsc::Receiver<Queued>>) -> Option<Vec<Queued>> {
    let mut commits = commits.lock().await;
    let first = commits.recv().await?;
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match commits.try_recv() {
            Ok(next) => group.push(next),
            Err(_) => break,
        }
    }
    Some(group)
}

/// Commits `documents` in one statement; one answer per document, in order.
async fn commit_group(pool: &PgPool, documents: Vec<Value>) -> Vec<Result<(), StoreError>> {
    let count = documents.len();
    let answers = async {
        let mut conn = pool.acquire().await.map_err(classify)?;
        let mut conn = Conn::Postgres(&mut conn);
        if count == 1 {
            let document = documents.into_iter().next().unwrap_or_default();
            conn.execute(COMMIT_ONE, vec![document.into()]).await?;
            return Ok(vec![Ok(())]);
        }
        let row: GroupAnswer = conn
            .fetch_optional(
                COMMIT_GROUP,
                vec![Value::Array(documents).into(), LOCK_TIMEOUT.into()],
            )
            .await?
            .ok_or_else(|| crate::error::unexpected("onramp_commit_group answered no row"))?;
        let undone = row.onramp_commit_group.0;
        if undone.len() != count {
            return Err(crate::error::unexpected(format!(
                "onramp_commit_group answered {} results for {count} commits",
                undone.len()
            )));
        }
        Ok(undone
            .into_iter()
            .map(|u| match u {
                None => Ok(()),
                Some(Undone { code, message }) => Err(from_sqlstate(&code, message)),
            })
            .collect())
    };
    match answers.await {
        Ok(answers) => answers,
        Err(e) => (0..count).map(|_| Err(duplicate(&e))).collect(),
    }
}
