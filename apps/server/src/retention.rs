//! Retention (issue 11, item 7): a worker deletes done jobs, expired idempotency records, old
//! stored provider webhooks and old tenant-facing events in bounded batches, then returns the freed space (SQLite).
//!
//! Every worker process sweeps on its own interval; the deletes are idempotent and bounded, so
//! replicas sweeping at once only share the work.

use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ports::{Clock, IdempotencyStore, Retention, StoreError};
use tokio::sync::watch;

/// Rows deleted per statement.
pub const BATCH: u32 = 500;
/// Batches per kind of row per sweep: at most 50,000 rows each, then the next sweep goes on.
const MAX_BATCHES: u32 = 100;

/// How long each kind of row is kept, and how often a sweep runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Done jobs (7 days by default).
    pub done_jobs: time::Duration,
    /// Stored provider webhooks (30 days by default).
    pub webhooks: time::Duration,
    /// Tenant-facing events (30 days by default).
    pub tenant_events: time::Duration,
    /// Idempotency records (24 hours by default); their expiry is fixed when written.
    pub idempotency: time::Duration,
    /// Between sweeps (1 hour by default).
    pub interval: Duration,
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Done jobs.
    pub jobs: u64,
    /// Expired idempotency records.
    pub idempotency: u64,
    /// Stored webhooks.
    pub webhooks: u64,
    /// Tenant-facing events.
    pub tenant_events: u64,
}

/// The stores a sweep works on.
#[derive(Clone)]
pub struct Sweeper {
    /// Jobs, webhooks, space.
    pub retention: Arc<dyn Retention>,
    /// Idempotency records.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// The ages.
    pub policy: RetentionPolicy,
}

impl Sweeper {
    /// Deletes what is past its retention at the clock's now, [`BATCH`] rows at a time, then
    /// reclaims the space when anything was deleted.
    ///
    /// # Errors
    /// The store's failure; what was deleted before it stays deleted.
    pub async fn sweep(&self) -> Result<Swept, StoreError> {
        let now = self.clock.now();
        let jobs = batches(|| {
            self.retention
                .delete_done_jobs(now - self.policy.done_jobs, BATCH)
        })
        .await?;
        let idempotency =
            batches(|| self.idempotency.delete_expired_idempotency(now, BATCH)).await?;
        let webhooks = batches(|| {
            self.retention
                .delete_webhooks(now - self.policy.webhooks, BATCH)
        })
        .await?;
        let tenant_events = batches(|| {
            self.retention
                .delete_tenant_events(now - self.policy.tenant_events, BATCH)
        })
        .await?;
        let swept = Swept {
            jobs,
            idempotency,
            webhooks,
            tenant_events,
        };
        if swept != Swept::default() {
            self.retention.reclaim_space().await?;
        }
        Ok(swept)
    }

    /// Sweeps every interval (the first one interval after the start) until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.policy.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                _ = ticks.tick() => match self.sweep().await {
                    Ok(swept) if swept != Swept::default() => {
                        tracing::info!(?swept, "retention: deleted what was past its time");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "retention sweep failed; the next one retries"),
                },
                _ = stop.changed() => return,
            }
        }
    }
}

/// Runs `delete` until a batch deletes fewer than [`BATCH`] rows or [`MAX_BATCHES`] ran.
async fn batches<F, Fut>(mut delete: F) -> Result<u64, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let n = delete().await?;
        total += n;
        if n < u64::from(BATCH) {
            break;
        }
    }
    Ok(total)
}
