//! What the store reports for monitoring (the server's `/metrics`, issue 12 item 4): the job
//! queue's backlog, the circuit breakers' states and the connections' use. Read on demand, at
//! a scrape.

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

/// How many tenants' circuit breakers of one provider and channel are in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerCount {
    /// The provider (`telnyx`).
    pub provider: String,
    /// The channel (`voice`, `sms`).
    pub channel: String,
    /// `closed`, `open` or `half_open`, as last recorded (an open breaker past its cooldown
    /// stays `open` until its probe is recorded).
    pub state: String,
    /// Tenants.
    pub count: u64,
}

/// Breakers by key and status, across tenants.
const BREAKERS: &str = "\
SELECT id, status, count(*) AS n FROM aggregates WHERE kind = 'breaker' GROUP BY id, status";

#[derive(sqlx::FromRow)]
struct BreakerRow {
    id: String,
    status: String,
    n: i64,
}

crate::native::native_row!(BreakerRow { id, status, n });

impl SqlStore {
    /// The circuit breakers' states: per provider, channel and state, how many tenants'.
    ///
    /// # Errors
    /// Store failures.
    pub async fn breaker_counts(&self) -> Result<Vec<BreakerCount>, StoreError> {
        let rows: Vec<BreakerRow> = self
            .reader()
            .await?
            .conn()
            .fetch_all(BREAKERS, Vec::new())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (provider, channel) = r.id.split_once(':').unwrap_or((r.id.as_str(), ""));
                BreakerCount {
                    provider: provider.to_owned(),
                    channel: channel.to_owned(),
                    state: r.status,
                    count: u64::try_from(r.n).unwrap_or(0),
                }
            })
            .collect())
    }

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
