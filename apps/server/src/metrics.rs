//! Prometheus metrics at `GET /metrics` (issue 12, item 4), in the text exposition format
//! 0.0.4.
//!
//! Recorded through the `metrics` facade and rendered by metrics-exporter-prometheus's recorder,
//! installed once per process; the exporter's own HTTP listener is off (CRATES.md pitfall 14),
//! the route renders the recorder's handle. Served by every role, the worker's too. When
//! `ONRAMP_METRICS_TOKEN` is set the route asks for `Authorization: Bearer <token>`.
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `onramp_http_requests_total` | counter | `method`, `route`, `status` | answered requests of the routes; `route` is the route template (`/v1/sessions/{session_id}`) |
//! | `onramp_http_request_duration_seconds` | histogram | `method`, `route` | time to the answer's head, seconds |
//! | `onramp_jobs_total` | counter | `kind`, `outcome` | jobs run: `done`, `retried` (released to run again) or `failed` (an error, released with backoff) |
//! | `onramp_job_duration_seconds` | histogram | `kind` | time to run one job, seconds |
//! | `onramp_webhooks_received_total` | counter | `provider`, `result` | provider webhooks: `stored`, `duplicate`, `unmatched` (about nothing Onramp knows; stored once) or `refused` (signature invalid, or no credentials to verify with) |
//! | `onramp_store_group_size` | histogram | `engine` | commits per group commit (`sqlite`: the writer's transaction; `postgres`: one `onramp_commit_group`) |
//! | `onramp_provider_calls_total` | counter | `provider`, `operation`, `outcome` | provider API calls (recorded by the provider kit): `operation` is the method and the path with ids as `{id}`; `outcome` `ok`, `rejected`, `unavailable` or `failed` |
//! | `onramp_provider_call_duration_seconds` | histogram | `provider`, `operation` | a provider call's time, retries included, seconds |
//! | `onramp_jobs_due` | gauge | | pending jobs due and waiting for a worker, at the scrape |
//! | `onramp_jobs_running` | gauge | | jobs a worker holds under a live lease, at the scrape |
//! | `onramp_jobs_oldest_due_seconds` | gauge | | how long the oldest waiting job has been due, seconds |
//! | `onramp_store_connections` | gauge | `state` (`in_use`, `idle`) | the store's connections (PostgreSQL's pool; SQLite's read connections) |
//! | `onramp_store_queued_writes` | gauge | | writes waiting for the SQLite writer or a PostgreSQL committer |
//! | `onramp_breakers` | gauge | `provider`, `channel`, `state` | circuit breakers in `closed`, `open` or `half_open`, as last recorded: how many tenants', at the scrape |
//! | `onramp_webhook_deliveries_total` | counter | `result` | outbound webhook delivery attempts: `delivered`, `retried` or `failed` (given up) |
//! | `onramp_webhook_delivery_duration_seconds` | histogram | | an outbound delivery attempt's time, seconds |

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::problem::ApiError;
use crate::state::AppState;

/// The content type of the text exposition format.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often the recorder's upkeep runs (drains histogram buffers so they stay bounded).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Buckets of the latency histograms, seconds: 1 ms to 30 s (the request timeout).
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets of the group sizes, commits (a group holds at most 32 on PostgreSQL).
const GROUP_BUCKETS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// The process's recorder handle, installed on first use. Several servers in one process (the
/// tests) share it, as they share the `metrics` facade's one global recorder.
///
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("onramp_store_group_size".into()),
                    &GROUP_BUCKETS,
                )
            })
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            })
            .expect("a thread can be started at start-up");
        handle
    })
}

/// The HELP and unit lines of every metric in the table above.
fn describe() {
    describe_counter!(
        "onramp_http_requests_total",
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        "onramp_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    describe_counter!(
        "onramp_jobs_total",
        "Jobs run, by kind and outcome (done, retried, failed)"
    );
    describe_histogram!(
        "onramp_job_duration_seconds",
        Unit::Seconds,
        "Time to run one job, by kind"
    );
    describe_counter!(
        "onramp_webhooks_received_total",
        "Provider webhooks received, by provider and result (stored, duplicate, unmatched, refused)"
    );
    describe_gauge!(
        "onramp_breakers",
        "Circuit breakers by provider, channel and state (closed, open, half_open): how many tenants' are in it, at the scrape"
    );
    describe_counter!(
        "onramp_webhook_deliveries_total",
        "Outbound webhook delivery attempts, by result (delivered, retried, failed: given up)"
    );
    describe_histogram!(
        "onramp_webhook_delivery_duration_seconds",
        Unit::Seconds,
        "Time of an outbound webhook delivery attempt, to the endpoint's answer or failure"
    );
    describe_counter!(
        "onramp_provider_calls_total",
        "Provider API calls, by provider, operation (path with ids as {id}) and outcome"
    );
    describe_histogram!(
        "onramp_provider_call_duration_seconds",
        Unit::Seconds,
        "Time of a provider API call, retries included, by provider and operation"
    );
    describe_gauge!(
        "onramp_jobs_due",
        "Pending jobs due and waiting for a worker"
    );
    describe_gauge!(
        "onramp_jobs_running",
        "Jobs a worker holds under a live lease"
    );
    describe_gauge!(
        "onramp_jobs_oldest_due_seconds",
        Unit::Seconds,
        "How long the oldest waiting job has been due"
    );
    describe_gauge!(
        "onramp_store_connections",
        "The store's connections, by state (in_use, idle)"
    );
    describe_gauge!(
        "onramp_store_queued_writes",
        "Writes waiting for the SQLite writer or a PostgreSQL committer"
    );
    describe_histogram!(
        "onramp_store_group_size",
        Unit::Count,
        "Commits written together in one group commit, by engine"
    );
}

/// Route middleware (`Router::route_layer`, so that the route is known): counts and times every
/// request of a route by its template. A path no route serves is not counted (its label would
/// be whatever a client sent).
pub async fn track_http(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(String::new, |p| p.as_str().to_string());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(
        "onramp_http_request_duration_seconds",
        "method" => method.clone(),
        "route" => route.clone()
    )
    .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "onramp_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => status
    )
    .increment(1);
    response
}

/// Counts one run of a job of `kind` that took `took`, with its `outcome` (`done`, `retried`
/// or `failed`).
pub fn job_ran(kind: &str, outcome: &'static str, took: Duration) {
    metrics::histogram!("onramp_job_duration_seconds", "kind" => kind.to_string())
        .record(took.as_secs_f64());
    metrics::counter!("onramp_jobs_total", "kind" => kind.to_string(), "outcome" => outcome)
        .increment(1);
}

/// Counts one outbound webhook delivery attempt with its `result` (`delivered`, `retried`,
/// `failed`) that took `took`.
pub fn webhook_delivered(result: &'static str, took: Duration) {
    metrics::histogram!("onramp_webhook_delivery_duration_seconds").record(took.as_secs_f64());
    metrics::counter!("onramp_webhook_deliveries_total", "result" => result).increment(1);
}

/// Counts one webhook of `provider` acknowledged or refused with `result`.
pub fn webhook_received(provider: impl ToString, result: &'static str) {
    metrics::counter!(
        "onramp_webhooks_received_total",
        "provider" => provider.to_string(),
        "result" => result
    )
    .increment(1);
}

/// `GET /metrics`: the process's metrics in the text exposition format.
///
/// # Errors
/// 401 `UNAUTHORIZED` when `ONRAMP_METRICS_TOKEN` is set and the request does not carry it.
pub async fn render(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    if let Some(expected) = &state.metrics_token_hash {
        crate::auth::check_bearer(&state, &req, expected, "metrics")?;
    }
    sample_store(&state).await;
    Ok(([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], handle().render()).into_response())
}

/// Sets the gauges read from the store at a scrape: the job queue's backlog (by the workers'
/// clock) and the connections' use. A store that does not answer leaves the queue's gauges as
/// they were (the scrape still answers; `/readyz` reports the store).
#[allow(clippy::cast_precision_loss)] // counts far below 2^52
async fn sample_store(state: &AppState) {
    let pool = state.store.pool_stats();
    let in_use = pool.open.saturating_sub(pool.idle);
    metrics::gauge!("onramp_store_connections", "state" => "in_use").set(in_use as f64);
    metrics::gauge!("onramp_store_connections", "state" => "idle").set(pool.idle as f64);
    metrics::gauge!("onramp_store_queued_writes").set(pool.queued_writes as f64);
    match state
        .store
        .queue_stats(state.services.core.clock.now())
        .await
    {
        Ok(queue) => {
            metrics::gauge!("onramp_jobs_due").set(queue.due as f64);
            metrics::gauge!("onramp_jobs_running").set(queue.running as f64);
            metrics::gauge!("onramp_jobs_oldest_due_seconds").set(queue.oldest_due_seconds);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the job queue for /metrics"),
    }
    match state.store.breaker_counts().await {
        Ok(counts) => {
            // Every state of every breaker seen, zero when no tenant's is in it: a gauge keeps
            // its last value otherwise.
            let mut keys: Vec<(&str, &str)> = counts
                .iter()
                .map(|c| (c.provider.as_str(), c.channel.as_str()))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for (provider, channel) in keys {
                for s in ["closed", "open", "half_open"] {
                    let n: u64 = counts
                        .iter()
                        .filter(|c| c.provider == provider && c.channel == channel && c.state == s)
                        .map(|c| c.count)
                        .sum();
                    metrics::gauge!("onramp_breakers", "provider" => provider.to_owned(), "channel" => channel.to_owned(), "state" => s)
                        .set(n as f64);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read the circuit breakers for /metrics"),
    }
}
