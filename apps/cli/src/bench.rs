//! `onramp bench`: N whole journeys with C concurrent workers against a running server, with
//! per-endpoint latency (p50, p99, max) and the code-delivery wait reported on its own.
//!
//! Its timed subcommands print one machine-readable `RESULT` line each, for `bench/run.sh`,
//! which sets them beside the ceiling measured in the same sitting:
//! - `onramp bench journeys` (`bench/journeys.rs`): the same journeys, back to back for a
//!   number of seconds; step submissions per second and their latency;
//! - `onramp bench webhooks` (`bench/webhooks.rs`): Stripe-signed webhook ingest;
//! - `onramp bench seed` (`bench/seed.rs`): sessions written straight to the database, to
//!   measure the others on a full store;
//! - `bench/result.rs`: the `RESULT` line.

mod journeys;
mod result;
mod seed;
mod webhooks;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use onramp_domain::phone::PhoneNumber;

use crate::answers::{Action, AnswerPolicy, FlowDef, StepDef};
use crate::client::{Client, SandboxMessage, SessionView, StartSession, VerificationView};
use crate::journey::{self, Observer, Timing};
use crate::stats::{self, Recorder};

/// `onramp bench`'s timed subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchMode {
    /// Run whole journeys back to back with C workers for a number of seconds; report step
    /// submissions per second and their latency, and a `RESULT` line.
    Journeys(journeys::JourneysArgs),
    /// POST Stripe-signed webhook events, each with its own id, with C workers for a number
    /// of seconds; report requests per second, latency, the answers, and a `RESULT` line.
    Webhooks(webhooks::WebhooksArgs),
    /// Write N started sessions straight to the server's database (not over HTTP), to measure
    /// journeys on a full store.
    Seed(seed::SeedArgs),
}

/// Runs a timed subcommand.
///
/// # Errors
/// The subcommand's.
pub async fn run_mode(mode: BenchMode) -> anyhow::Result<bool> {
    match mode {
        BenchMode::Journeys(args) => journeys::run(args).await,
        BenchMode::Webhooks(args) => webhooks::run(args).await,
        BenchMode::Seed(args) => seed::run(args).await,
    }
}

/// Inputs of the bench.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// Journeys to run.
    pub journeys: usize,
    /// Concurrent workers.
    pub concurrency: usize,
    /// Flow template.
    pub flow: String,
    /// How long to wait for a code.
    pub code_timeout: Duration,
}

/// What one journey observed.
#[derive(Debug, Default)]
struct Tally {
    submissions: u64,
    skips: u64,
    phone_steps: u64,
    code_waits: Vec<Duration>,
}

impl Observer for Tally {
    fn code_received(&mut self, _m: &SandboxMessage, _v: &VerificationView, waited: Duration) {
        self.code_waits.push(waited);
    }

    fn step_done(&mut self, _step: &StepDef, action: &Action, _view: &SessionView) {
        match action {
            Action::Submit(_) => self.submissions += 1,
            Action::Skip => self.skips += 1,
            Action::VerifyPhone => self.phone_steps += 1,
        }
    }
}

/// Runs the bench and prints its report.
///
/// # Errors
/// The flow not loading, or bad arguments; failed journeys are counted, not returned.
pub async fn run(client: Client, args: BenchArgs) -> anyhow::Result<bool> {
    ensure!(
        args.journeys > 0 && args.concurrency > 0,
        "--journeys and --concurrency must be at least 1"
    );
    let definition = client
        .flow(&args.flow)
        .await
        .with_context(|| format!("fetching flow {}", args.flow))?;
    let flow = Arc::new(FlowDef::from_json(&definition)?);
    let recorder = Arc::new(Recorder::default());
    let client = client.recording(Arc::clone(&recorder));
    let policy = Arc::new(AnswerPolicy::default());
    let next = Arc::new(AtomicUsize::new(0));
    let bar = ProgressBar::new(args.journeys as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos}/{len} journeys  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    let started = Instant::now();
    let mut workers = Vec::with_capacity(args.concurrency);
    for _ in 0..args.concurrency.min(args.journeys) {
        let (client, flow, policy, next, bar) = (
            client.clone(),
            Arc::clone(&flow),
            Arc::clone(&policy),
            Arc::clone(&next),
            bar.clone(),
        );
        let (total, code_timeout) = (args.journeys, args.code_timeout);
        workers.push(tokio::spawn(async move {
            let mut results = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let mut tally = Tally::default();
                let outcome = one_journey(&client, &flow, &policy, code_timeout, &mut tally).await;
                bar.inc(1);
                results.push((tally, outcome.map_err(|e| format!("{e:#}"))));
            }
            results
        }));
    }
    let mut results = Vec::with_capacity(args.journeys);
    for worker in workers {
        results.extend(worker.await.context("a bench worker panicked")?);
    }
    let wall = started.elapsed();
    bar.finish_and_clear();
    let ok = report(&args, &results, wall, &recorder);
    Ok(ok)
}

async fn one_journey(
    client: &Client,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    code_timeout: Duration,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let request = StartSession {
        flow_id: flow.id.clone(),
        channel: "web".into(),
        phone: Some(random_mobile()),
        external_ref: None,
    };
    let session = client
        .start_session(&request)
        .await
        .context("starting the session")?;
    let timing = Timing {
        code_timeout,
        step_delay: Duration::ZERO,
    };
    journey::walk(client, flow, policy, session, timing, tally).await?;
    Ok(())
}

/// A random valid UK mobile number, `+4477[1-7]` and 7 digits: 70 million numbers, so each
/// journey gets its own (one phone may receive only 5 codes an hour), none of them one of the
/// sandbox's magic numbers (`+1 202 555 01xx`). Checked with the server's own parser; the
/// fallback after a few unlucky draws is still a valid number. The bench refuses to run unless
/// the server's sandbox is active, so these numbers are never really called.
pub fn random_mobile() -> String {
    for _ in 0..8 {
        let r = uuid::Uuid::new_v4().as_u128();
        let candidate = format!("+4477{}{:07}", 1 + r % 7, (r >> 8) % 10_000_000);
        if PhoneNumber::parse(&candidate, None).is_ok() {
            return candidate;
        }
    }
    format!("+447712{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

fn report(
    args: &BenchArgs,
    results: &[(Tally, Result<(), String>)],
    wall: Duration,
    recorder: &Recorder,
) -> bool {
    let completed = results.iter().filter(|(_, r)| r.is_ok()).count();
    let failed = results.len() - completed;
    let submissions: u64 = results.iter().map(|(t, _)| t.submissions + t.skips).sum();
    let phone_steps: u64 = results.iter().map(|(t, _)| t.phone_steps).sum();
    let waits: Vec<Duration> = results
        .iter()
        .flat_map(|(t, _)| t.code_waits.iter().copied())
        .collect();
    let secs = wall.as_secs_f64().max(f64::EPSILON);
    #[allow(clippy::cast_precision_loss)]
    let per_sec = |n: u64| n as f64 / secs;

    println!(
        "flow {}  journeys {}  concurrency {}",
        args.flow, args.journeys, args.concurrency
    );
    println!("journeys           {completed} completed, {failed} failed");
    println!("wall time          {secs:.2} s");
    println!("journeys/s         {:.1}", per_sec(completed as u64));
    println!(
        "step submissions   {submissions} ({:.1}/s), plus {phone_steps} phone verifications",
        per_sec(submissions)
    );
    match stats::summary(&waits) {
        Some((p50, p99, max)) => println!(
            "code delivery wait p50 {} ms  p99 {} ms  max {} ms  ({} codes, polled every 50 ms, not in the table)",
            stats::ms(p50),
            stats::ms(p99),
            stats::ms(max),
            waits.len()
        ),
        None => println!("code delivery wait none measured"),
    }
    println!();
    print!("{}", stats::endpoint_table(&recorder.snapshot()));

    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in results {
        if let Err(e) = r {
            *errors.entry(e.as_str()).or_default() += 1;
        }
    }
    if !errors.is_empty() {
        println!();
        println!("failures:");
        for (error, n) in errors.iter().take(10) {
            println!("  {n:>5} x {error}");
        }
    }
    failed == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_mobiles_parse_and_avoid_the_sandbox_magic_range() {
        for _ in 0..2_000 {
            let phone = random_mobile();
            assert!(PhoneNumber::parse(&phone, None).is_ok(), "{phone}");
            assert!(phone.starts_with("+4477"), "{phone}");
            assert_eq!(phone.len(), 13, "{phone}");
        }
    }

    #[test]
    fn random_mobiles_are_all_drawn_from_the_first_choice_range() {
        // Every draw of +4477[1-7]xxxxxxx is a valid number, so the fallback never runs.
        for lead in 1..=7 {
            for tail in ["0000000", "5555555", "9999999"] {
                let phone = format!("+4477{lead}{tail}");
                assert!(PhoneNumber::parse(&phone, None).is_ok(), "{phone}");
            }
        }
    }
}
