//! What the store reports for monitoring (the server's `/metrics`, issue 12 item 4): the job
//! queue's backlog and the connections' use. Read on demand, at a scrape.

use onramp_domain::ports::StoreError;
use time::OffsetDateTime;

use crate::{Inner, SqlStore};

/// The job queue at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueStats {
    /// Pending jobs whose `run_at` has come and that no worker holds: waiting for a worker.
    pub due: u64,
    /// Pending jobs a worker holds under a lease that has not run out.
    pub running: u64,
    /// Seconds since the `run_at` of the oldest due job that no worker holds; 0 when none is.
    pub oldest_due_seconds: f64,
}

/// The connections of the store at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections (PostgreSQL: the pool's; SQLite: the read connections, the writer's
    /// not counted).
    pub open: u64,
    /// Of those, idle ones.
    pub idle: u64,
    /// Writes waiting for the writer thread (SQLite) or for a committer (PostgreSQL).
    pub queued_writes: u64,
}

impl SqlStore {
    /// The job queue's backlog as of `now` (the clock the workers claim by). Reads only the
    /// pending jobs due by `now`, through the claim's index, not the scheduled timers.
    ///
    /// # Errors
    /// Store failures.
    pub async fn queue_stats(&self, now: OffsetDateTime) -> Result<QueueStats, StoreError> {
        crate::ops::queue_stats(&mut self.reader().await?.conn(), now).await
    }

    /// How the store's connections are used now.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        match &*self.inner {
            Inner::Sqlite(s) => s.pool_stats(),
            Inner::Postgres(p) => p.pool_stats(),
        }
    }
}
