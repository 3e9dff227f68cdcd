//! `onramp bench journeys`: whole journeys (the phone verified through the sandbox, as in
//! `onramp bench`) run back to back by C workers for a fixed time. Reports the step
//! submissions per second (`POST /v1/sessions/{id}/steps/{step_id}` and its `/skip`, nothing
//! else), their latency, the journeys completed, the errors, the per-endpoint table, and last
//! one `RESULT` line for `bench/run.sh`.
//!
//! At the deadline the latencies recorded so far are taken and the workers are stopped where
//! they are: a request still in flight is neither counted nor waited for, so the rate is that
//! of the window.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Args;
use tokio::task::JoinSet;

use super::result::{ResultLine, rate, token};
use super::{Tally, one_journey};
use crate::TenantAuth;
use crate::answers::{AnswerPolicy, FlowDef};
use crate::client::Client;
use crate::stats::{self, Recorder, Samples};

/// The endpoints counted as step submissions: an answer or a skip.
const STEP_ROUTE: &str = "POST /v1/sessions/{id}/steps/{step_id}";
/// Pause of a worker after a failed journey, so a failing server is not hammered in a loop.
const AFTER_FAILURE: Duration = Duration::from_millis(20);

/// `onramp bench journeys`.
#[derive(Debug, Args)]
pub struct JourneysArgs {
    #[command(flatten)]
    auth: TenantAuth,
    /// Seconds of load.
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Concurrent workers, each running one journey after another.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Flow template.
    #[arg(long, default_value = "conversational-profile")]
    flow: String,
    /// Seconds to wait for a code to reach the sandbox inbox.
    #[arg(long, default_value_t = 10.0)]
    code_timeout: f64,
}

/// How the journeys ended, shared by the workers.
#[derive(Debug, Default)]
struct Outcomes {
    completed: AtomicUsize,
    failed: AtomicUsize,
    /// Failure messages and how often each was seen.
    reasons: Mutex<BTreeMap<String, usize>>,
}

impl Outcomes {
    fn fail(&self, error: &anyhow::Error) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut reasons = self.reasons.lock().unwrap_or_else(PoisonError::into_inner);
        *reasons.entry(format!("{error:#}")).or_default() += 1;
    }
}

/// Runs the load and prints its report and `RESULT` line. True when no journey failed.
///
/// # Errors
/// Bad arguments, the sandbox not being the server's code sender, or the flow not loading.
pub async fn run(args: JourneysArgs) -> anyhow::Result<bool> {
    ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let window = crate::seconds(args.seconds)?;
    ensure!(!window.is_zero(), "--seconds must be more than 0");
    let code_timeout = crate::seconds(args.code_timeout)?;
    let client = Client::new(&args.auth.server.server, &args.auth.api_key)?;
    crate::sandbox::require_sandbox(&client).await?;
    let definition = client
        .flow(&args.flow)
        .await
        .with_context(|| format!("fetching flow {}", args.flow))?;
    let flow = Arc::new(FlowDef::from_json(&definition)?);
    let recorder = Arc::new(Recorder::default());
    let client = client.recording(Arc::clone(&recorder));
    let policy = Arc::new(AnswerPolicy::default());
    let outcomes = Arc::new(Outcomes::default());

    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..args.concurrency {
        let (client, flow, policy, outcomes) = (
            client.clone(),
            Arc::clone(&flow),
            Arc::clone(&policy),
            Arc::clone(&outcomes),
        );
        workers.spawn(async move {
            loop {
                let mut tally = Tally::default();
                match one_journey(&client, &flow, &policy, code_timeout, &mut tally).await {
                    Ok(()) => {
                        outcomes.completed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        outcomes.fail(&e);
                        tokio::time::sleep(AFTER_FAILURE).await;
                    }
                }
            }
        });
    }
    tokio::time::sleep(window).await;
    let endpoints = recorder.snapshot();
    let wall = started.elapsed();
    let completed = outcomes.completed.load(Ordering::Relaxed);
    let failed = outcomes.failed.load(Ordering::Relaxed);
    workers.abort_all();
    while workers.join_next().await.is_some() {}

    let steps = step_samples(&endpoints);
    let http_errors: u64 = endpoints.values().map(|s| s.errors).sum();
    println!(
        "flow {}  concurrency {}  {:.2} s",
        args.flow,
        args.concurrency,
        wall.as_secs_f64()
    );
    println!(
        "journeys           {completed} completed ({:.1}/s), {failed} failed",
        rate(completed, wall)
    );
    println!(
        "step submissions   {} ({:.1}/s), {} failed",
        steps.durations.len(),
        rate(steps.durations.len(), wall),
        steps.errors
    );
    println!();
    print!("{}", stats::endpoint_table(&endpoints));
    let reasons = outcomes
        .reasons
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if !reasons.is_empty() {
        println!();
        println!("failures:");
        for (reason, n) in reasons.iter().take(10) {
            println!("  {n:>5} x {reason}");
        }
    }
    let commonest = reasons
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(r, _)| token(r));
    let mut line = ResultLine::new("journeys", args.concurrency, wall)
        .throughput("step_", steps.durations.len(), wall, &steps.durations)
        .field("steps", steps.durations.len())
        .field("step_errors", steps.errors)
        .field("journeys", completed)
        .field("journeys_failed", failed)
        .field("http_errors", http_errors);
    if let Some(reason) = commonest {
        line = line.field("commonest_failure", reason);
    }
    println!("{line}");
    Ok(failed == 0)
}

/// The step submissions' samples: every endpoint under [`STEP_ROUTE`], answers and skips.
fn step_samples(endpoints: &BTreeMap<String, Samples>) -> Samples {
    let mut steps = Samples::default();
    for (_, samples) in endpoints
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with(STEP_ROUTE))
    {
        steps.durations.extend_from_slice(&samples.durations);
        steps.errors += samples.errors;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_submissions_are_answers_and_skips_only() {
        let recorder = Recorder::default();
        let ms = Duration::from_millis;
        recorder.record("POST", "/v1/sessions/a/steps/goal", ms(3), false);
        recorder.record("POST", "/v1/sessions/a/steps/extra/skip", ms(5), true);
        recorder.record("POST", "/v1/sessions/a/complete", ms(7), false);
        recorder.record("GET", "/v1/sessions/a", ms(1), false);
        recorder.record("POST", "/v1/verifications/v/check", ms(2), false);
        let steps = step_samples(&recorder.snapshot());
        let mut durations = steps.durations;
        durations.sort_unstable();
        assert_eq!(durations, vec![ms(3), ms(5)]);
        assert_eq!(steps.errors, 1);
    }
}
