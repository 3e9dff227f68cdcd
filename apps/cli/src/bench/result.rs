//! The one machine-readable line each timed bench prints last:
//! `RESULT bench=journeys c=16 secs=15.00 step_rps=... step_p99_ms=...`, space-separated
//! `key=value` pairs in a fixed order, like the ceiling's wrk scripts print theirs, so that
//! `bench/run.sh` reads both with the same few lines of awk.

use std::fmt::{self, Display, Write as _};
use std::time::Duration;

use crate::stats;

/// A `RESULT ...` line being built.
#[derive(Debug, Clone)]
pub struct ResultLine {
    text: String,
}

impl ResultLine {
    /// A line for bench `kind` (`journeys`, `webhooks`) at `concurrency` over `wall`.
    pub fn new(kind: &str, concurrency: usize, wall: Duration) -> Self {
        Self {
            text: format!(
                "RESULT bench={kind} c={concurrency} secs={:.2}",
                wall.as_secs_f64()
            ),
        }
    }

    /// Appends `key=value`; a value is never quoted, so it must hold no space.
    #[must_use]
    pub fn field(mut self, key: &str, value: impl Display) -> Self {
        // Writing to a String cannot fail.
        let _ = write!(self.text, " {key}={value}");
        self
    }

    /// Appends `{prefix}rps` for `count` over `wall`, and `{prefix}p50_ms`, `p90_ms`,
    /// `p99_ms`, `max_ms` of `samples` (`nan` when there is none).
    #[must_use]
    pub fn throughput(
        self,
        prefix: &str,
        count: usize,
        wall: Duration,
        samples: &[Duration],
    ) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let at = |p: f64| stats::percentile(&sorted, p).map_or_else(|| "nan".into(), stats::ms);
        let max = sorted
            .last()
            .map_or_else(|| "nan".into(), |d| stats::ms(*d));
        self.field(&format!("{prefix}rps"), format!("{:.1}", rate(count, wall)))
            .field(&format!("{prefix}p50_ms"), at(50.0))
            .field(&format!("{prefix}p90_ms"), at(90.0))
            .field(&format!("{prefix}p99_ms"), at(99.0))
            .field(&format!("{prefix}max_ms"), max)
    }
}

impl Display for ResultLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `count` per second of `wall` (0 for no time).
pub fn rate(count: usize, wall: Duration) -> f64 {
    let secs = wall.as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    // Counts of a bench are far below 2^52: the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let count = count as f64;
    count / secs
}

/// A free-text value made safe for a `RESULT` field: spaces and `=` become `_`, at most 120
/// characters.
pub fn token(text: &str) -> String {
    text.chars()
        .take(120)
        .map(|c| {
            if c.is_whitespace() || c == '=' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_line_lists_its_fields_in_order() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let line = ResultLine::new("webhooks", 16, Duration::from_secs(10))
            .throughput("", 500, Duration::from_secs(10), &samples)
            .field("errors", 0)
            .to_string();
        assert_eq!(
            line,
            "RESULT bench=webhooks c=16 secs=10.00 rps=50.0 p50_ms=50.00 p90_ms=90.00 \
             p99_ms=99.00 max_ms=100.00 errors=0"
        );
    }

    #[test]
    fn no_samples_give_nan_latencies_and_no_time_a_zero_rate() {
        let line = ResultLine::new("journeys", 1, Duration::ZERO)
            .throughput("step_", 0, Duration::ZERO, &[])
            .to_string();
        assert!(
            line.ends_with(
                "step_rps=0.0 step_p50_ms=nan step_p90_ms=nan step_p99_ms=nan step_max_ms=nan"
            ),
            "{line}"
        );
    }

    #[test]
    fn tokens_hold_no_space_or_equals_sign() {
        assert_eq!(token("HTTP 503: a=b c"), "HTTP_503:_a_b_c");
        assert_eq!(token(&"x".repeat(300)).len(), 120);
    }
}
