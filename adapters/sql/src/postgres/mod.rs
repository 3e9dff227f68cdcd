//! PostgreSQL: one connection pool. Commits go through the group committer ([`group`]): one
//! statement per group of concurrent commits, each commit in a subtransaction. Every other
//! write is its own READ COMMITTED transaction. Both are safe under concurrency by the
//! conditional statements in [`crate::ops`] and the commit function.

use std::str::FromStr;
use std::time::Duration;

use onramp_domain::ports::StoreError;
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

mod group;

use self::group::GroupCommitter;
use crate::db::{Conn, Pooled};
use crate::error::classify;
use crate::ops::{self, WriteOp, WriteOutput};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process; several replicas share one server, so stay well under its
/// `max_connections` (100 by default).
const MAX_CONNECTIONS: u32 = 16;

/// A pooled connection idle this long is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How long a request waits for a free connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL backend.
pub(crate) struct PgBackend {
    pool: PgPool,
    committer: GroupCommitter,
}

impl PgBackend {
    /// The pool's connections and the committers' queue.
    pub(crate) fn pool_stats(&self) -> crate::PoolStats {
        crate::PoolStats {
            open: u64::from(self.pool.size()),
            idle: u64::try_from(self.pool.num_idle()).unwrap_or(0),
            queued_writes: self.committer.queued(),
        }
    }

    /// Connects to `url` and runs the PostgreSQL migrations (under sqlx's advisory lock, so
    /// replicas starting together migrate once).
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(classify)?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection idle for a while is pinged before use, so one broken by a server
            // restart or failover is replaced before a request fails on it; a connection back
            // from a request a moment ago is not: under load, a ping on every acquire was one
            // more round trip for every read and every commit.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(classify)?;
        MIGRATOR.run(&pool).await.map_err(crate::error::migration)?;
        let committer = GroupCommitter::spawn(pool.clone());
        Ok(Self { pool, committer })
    }

    /// Runs `op` in a transaction of its own; a commit goes to the group committer
    /// ([`group`]), which commits it in one statement, with the commits queued beside it.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        // A commit that changes the outbound webhook queue (an endpoint's route, an attempt, a
        // requeue: rare next to a step) runs its statements in a transaction; every other goes
        // to `onramp_commit` in one round trip.
        if let WriteOp::Commit(prepared) = &op
            && prepared.commit().touches_outbound()
        {
            return self.in_transaction(op).await;
        }
        if let WriteOp::Commit(prepared) = op {
            let first_stream = prepared
                .commit()
                .streams
                .iter()
                .map(|w| &w.stream)
                .min()
                .cloned();
            let document = ops::commit_document(*prepared)?;
            self.committer.commit(first_stream, document).await?;
            return Ok(WriteOutput::Done);
        }
        self.in_transaction(op).await
    }

    async fn in_transaction(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        match ops::execute(&mut Conn::Postgres(&mut tx), op).await {
            Ok(output) => {
                tx.commit().await.map_err(classify)?;
                Ok(output)
            }
            Err(e) => {
                // The error is the news; a failed rollback only means the connection is gone,
                // and the pool discards it.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// A pooled connection for reads.
    pub(crate) async fn reader(&self) -> Result<Pooled, StoreError> {
        self.pool
            .acquire()
            .await
            .map(Pooled::Postgres)
            .map_err(classify)
    }
}
