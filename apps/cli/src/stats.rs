//! Latency bookkeeping for `onramp bench`: per-endpoint samples grouped by route template,
//! nearest-rank percentiles, and the compact table the bench prints.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Collects one duration per HTTP attempt, keyed by `METHOD /route/{template}`.
///
/// A std `Mutex` is enough: the critical section is a `Vec::push`, never held across an
/// `.await`, so an async mutex would only add overhead (as mini-redis argues for its `Db`).
#[derive(Debug, Default)]
pub struct Recorder {
    endpoints: Mutex<BTreeMap<String, Samples>>,
}

/// The samples of one endpoint.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    /// Every attempt's duration, in the order recorded.
    pub durations: Vec<Duration>,
    /// Attempts that failed (transport error or a 4xx/5xx status).
    pub errors: u64,
}

impl Recorder {
    /// Records one attempt of `method path`; the path is grouped by [`route_template`].
    pub fn record(&self, method: &str, path: &str, took: Duration, failed: bool) {
        let key = format!("{method} {}", route_template(path));
        // A poisoned lock only means another worker panicked mid-push; the data is still usable.
        let mut endpoints = self
            .endpoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let samples = endpoints.entry(key).or_default();
        samples.durations.push(took);
        if failed {
            samples.errors += 1;
        }
    }

    /// A copy of everything recorded so far, by endpoint.
    pub fn snapshot(&self) -> BTreeMap<String, Samples> {
        self.endpoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The route template of a concrete API path: ids become `{id}`, step ids `{step_id}`; the
/// query string is dropped. `/v1/sessions/0193.../steps/goal` -> `/v1/sessions/{id}/steps/{step_id}`.
pub fn route_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut out = String::with_capacity(path.len());
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match previous {
            "sessions" | "verifications" | "flows" | "tenants" => out.push_str("{id}"),
            "steps" => out.push_str("{step_id}"),
            _ => out.push_str(segment),
        }
        previous = segment;
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The `p`-th percentile (0 < p <= 100) of `sorted` by the nearest-rank method: the smallest
/// sample with at least p % of the samples at or below it. `None` for no samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // The float product is exact enough for any sample count a bench produces (< 2^52).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

/// p50, p99 and max of unsorted samples, in that order.
pub fn summary(samples: &[Duration]) -> Option<(Duration, Duration, Duration)> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    Some((
        percentile(&sorted, 50.0)?,
        percentile(&sorted, 99.0)?,
        *sorted.last()?,
    ))
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The per-endpoint table: endpoint, count, errors, p50, p99, max (ms).
pub fn endpoint_table(endpoints: &BTreeMap<String, Samples>) -> String {
    let width = endpoints.keys().map(String::len).max().unwrap_or(8).max(8);
    let mut out = format!(
        "{:<width$}  {:>7}  {:>6}  {:>9}  {:>9}  {:>9}\n",
        "endpoint", "count", "errors", "p50 ms", "p99 ms", "max ms"
    );
    for (endpoint, samples) in endpoints {
        let Some((p50, p99, max)) = summary(&samples.durations) else {
            continue;
        };
        out.push_str(&format!(
            "{:<width$}  {:>7}  {:>6}  {:>9}  {:>9}  {:>9}\n",
            endpoint,
            samples.durations.len(),
            samples.errors,
            ms(p50),
            ms(p99),
            ms(max)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn percentile_of_no_samples_is_none() {
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn percentile_of_one_sample_is_that_sample() {
        let one = millis(&[7]);
        assert_eq!(percentile(&one, 50.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&one, 99.0), Some(Duration::from_millis(7)));
    }

    #[test]
    fn percentile_uses_the_nearest_rank() {
        let sorted = millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted, 100.0), Some(Duration::from_millis(100)));
        let ten = millis(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // ceil(0.99 * 10) = 10: with ten samples the p99 is the maximum.
        assert_eq!(percentile(&ten, 99.0), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&ten, 50.0), Some(Duration::from_millis(5)));
    }

    #[test]
    fn summary_sorts_its_samples_first() {
        let samples = millis(&[30, 10, 20]);
        assert_eq!(
            summary(&samples),
            Some((
                Duration::from_millis(20),
                Duration::from_millis(30),
                Duration::from_millis(30)
            ))
        );
    }

    #[test]
    fn route_template_replaces_session_and_step_ids() {
        assert_eq!(
            route_template("/v1/sessions/0193a4b2-1c2d-7e3f-8a9b-0c1d2e3f4a5b/steps/income_type"),
            "/v1/sessions/{id}/steps/{step_id}"
        );
        assert_eq!(
            route_template("/v1/sessions/abc/steps/ai_features/skip"),
            "/v1/sessions/{id}/steps/{step_id}/skip"
        );
        assert_eq!(
            route_template("/v1/sessions/abc/complete"),
            "/v1/sessions/{id}/complete"
        );
        assert_eq!(
            route_template("/v1/sessions/abc/events?limit=500"),
            "/v1/sessions/{id}/events"
        );
    }

    #[test]
    fn route_template_keeps_collection_routes() {
        assert_eq!(route_template("/v1/sessions"), "/v1/sessions");
        assert_eq!(route_template("/v1/verifications"), "/v1/verifications");
        assert_eq!(
            route_template("/v1/sandbox/messages?to=%2B447700900123"),
            "/v1/sandbox/messages"
        );
        assert_eq!(route_template("/admin/v1/tenants"), "/admin/v1/tenants");
        assert_eq!(route_template("/"), "/");
    }

    #[test]
    fn route_template_replaces_verification_and_flow_ids() {
        assert_eq!(
            route_template("/v1/verifications/123/check"),
            "/v1/verifications/{id}/check"
        );
        assert_eq!(
            route_template("/v1/verifications/123"),
            "/v1/verifications/{id}"
        );
        assert_eq!(route_template("/v1/flows/platform-setup"), "/v1/flows/{id}");
    }

    #[test]
    fn recorder_groups_attempts_by_method_and_template() {
        let recorder = Recorder::default();
        recorder.record(
            "POST",
            "/v1/sessions/a/steps/goal",
            Duration::from_millis(2),
            false,
        );
        recorder.record(
            "POST",
            "/v1/sessions/b/steps/welcome",
            Duration::from_millis(4),
            true,
        );
        recorder.record("GET", "/v1/sessions/b", Duration::from_millis(1), false);
        let snapshot = recorder.snapshot();
        let steps = &snapshot["POST /v1/sessions/{id}/steps/{step_id}"];
        assert_eq!(steps.durations.len(), 2);
        assert_eq!(steps.errors, 1);
        assert_eq!(snapshot["GET /v1/sessions/{id}"].durations.len(), 1);
        let table = endpoint_table(&snapshot);
        assert!(
            table.contains("POST /v1/sessions/{id}/steps/{step_id}"),
            "{table}"
        );
    }
}
