//! The job worker: claims due outbox jobs and timers, runs them through the application services,
//! and releases failures with exponential backoff and jitter (backon). Several workers (threads
//! or replicas) may run: the store's claim leases each job to exactly one of them.

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use onramp_domain::app::Services;
use onramp_domain::app::jobs::JobOutcome;
use onramp_domain::ports::{ClaimedJob, JobQueue};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

/// Jobs claimed at once.
const BATCH: u32 = 32;
/// Longest idle sleep; commits that enqueue jobs wake the worker earlier
/// ([`crate::edge_store::EdgeStore`]).
const IDLE: Duration = Duration::from_millis(500);

/// Wait before attempt `attempts + 1`: exponential from 1 s, factor 2, capped at 5 min, jittered.
pub fn backoff(attempts: u32) -> time::Duration {
    let wait = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(300))
        .with_jitter()
        .without_max_times()
        .build()
        .nth(usize::try_from(attempts.saturating_sub(1)).unwrap_or(0))
        .unwrap_or(Duration::from_secs(300));
    time::Duration::try_from(wait).unwrap_or(time::Duration::minutes(5))
}

async fn process(services: Arc<Services>, queue: Arc<dyn JobQueue>, job: ClaimedJob) {
    let span = tracing::info_span!("job", job_id = %job.id, kind = %job.kind, tenant_id = %job.tenant, attempt = job.attempts);
    process_in_span(services, queue, job).instrument(span).await;
}

async fn process_in_span(services: Arc<Services>, queue: Arc<dyn JobQueue>, job: ClaimedJob) {
    let started = std::time::Instant::now();
    let result = services.run_job(&job, backoff).await;
    let outcome = match &result {
        Ok(JobOutcome::Done) => "done",
        Ok(JobOutcome::RetryAt { .. }) => "retried",
        Err(_) => "failed",
    };
    crate::metrics::job_ran(&job.kind, outcome, started.elapsed());
    let release = match result {
        Ok(JobOutcome::Done) => None,
        Ok(JobOutcome::RetryAt { run_at, reason }) => {
            tracing::warn!(%reason, %run_at, "job will be retried");
            Some((reason, run_at))
        }
        Err(e) => {
            tracing::error!(error = %e, "job failed");
            Some((
                e.to_string(),
                services.core.clock.now() + backoff(job.attempts),
            ))
        }
    };
    if let Some((reason, run_at)) = release
        && let Err(e) = queue.fail(job.id, &reason, run_at).await
    {
        tracing::error!(error = %e, "could not release job; its lease will expire");
    }
}

/// True when the fail point `worker-after-claim` is set to `return` (builds with the
/// `failpoints` feature only): the replica tests hold a worker there with its jobs leased, and
/// kill it.
fn held_for_crash_tests() -> bool {
    fail::fail_point!("worker-after-claim", |_| true);
    false
}

/// Runs until `shutdown` changes: claim (leasing each job `lease_seconds`), run concurrently,
/// repeat; sleep when idle.
pub async fn run(
    services: Arc<Services>,
    queue: Arc<dyn JobQueue>,
    wake: Arc<Notify>,
    lease_seconds: u32,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = services.core.clock.now();
        let jobs = match queue.claim(now, lease_seconds, BATCH).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::error!(error = %e, "claiming jobs failed");
                Vec::new()
            }
        };
        if jobs.is_empty() {
            let next = queue.next_due().await.ok().flatten();
            let wait = next
                .map(|t| {
                    Duration::try_from(t - now)
                        .unwrap_or(Duration::ZERO)
                        .clamp(Duration::from_millis(5), IDLE)
                })
                .unwrap_or(IDLE);
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            continue;
        }
        if held_for_crash_tests() {
            std::future::pending::<()>().await;
        }
        let mut running = JoinSet::new();
        for job in jobs {
            running.spawn(process(services.clone(), queue.clone(), job));
        }
        while running.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = backoff(1);
        assert!(
            first >= time::Duration::seconds(1) && first <= time::Duration::seconds(3),
            "{first}"
        );
        assert!(backoff(30) <= time::Duration::minutes(10));
        assert!(backoff(4) >= time::Duration::seconds(8));
    }
}
