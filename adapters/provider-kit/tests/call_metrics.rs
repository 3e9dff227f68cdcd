//! Every call through `http::execute` is counted under its provider, its operation (the path
//! with ids replaced) and its outcome, and timed (issue 12, item 4).

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::{CallSafety, Exchange, HttpSettings, client, execute};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// 2xx: the body; any other status handed over: a rejection.
fn classify(x: &Exchange) -> Result<String, ProviderError> {
    if x.status.is_success() {
        Ok(x.snippet())
    } else {
        Err(ProviderError::rejected("invalid_number", x.snippet()))
    }
}

/// Answers POST /v2/Services/{sid}/Verifications with 201 for `VA1`, 400 for `VA2` and 503
/// for `VA3`.
async fn provider() -> MockServer {
    let server = MockServer::start().await;
    for (sid, status) in [("VA1", 201), ("VA2", 400), ("VA3", 503)] {
        Mock::given(method("POST"))
            .and(path(format!("/v2/Services/{sid}/Verifications")))
            .respond_with(ResponseTemplate::new(status).set_body_string("{}"))
            .mount(&server)
            .await;
    }
    server
}

/// A recorded metric: its name, its labels and its value.
type Recorded = (String, Vec<(String, String)>, DebugValue);

/// The counter `onramp_provider_calls_total` with these labels, and how many durations were
/// recorded for the operation.
fn counted(snapshot: &[Recorded], outcome: &str) -> (u64, usize) {
    let operation = "POST /v2/Services/{id}/Verifications";
    let has = |labels: &[(String, String)], k: &str, v: &str| {
        labels.iter().any(|(lk, lv)| lk == k && lv == v)
    };
    let calls = snapshot
        .iter()
        .find_map(|(name, labels, value)| match value {
            DebugValue::Counter(n)
                if name == "onramp_provider_calls_total"
                    && has(labels, "provider", "twilio")
                    && has(labels, "operation", operation)
                    && has(labels, "outcome", outcome) =>
            {
                Some(*n)
            }
            _ => None,
        })
        .unwrap_or(0);
    let timed = snapshot
        .iter()
        .find_map(|(name, labels, value)| match value {
            DebugValue::Histogram(samples)
                if name == "onramp_provider_call_duration_seconds"
                    && has(labels, "provider", "twilio")
                    && has(labels, "operation", operation) =>
            {
                Some(samples.len())
            }
            _ => None,
        })
        .unwrap_or(0);
    (calls, timed)
}

#[tokio::test]
async fn calls_are_counted_by_provider_operation_and_outcome_and_timed() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // This test's thread only (a current-thread runtime): other tests record elsewhere.
    let _local = metrics::set_default_local_recorder(&recorder);

    let server = provider().await;
    let mut settings = HttpSettings::parse(&server.uri())
        .unwrap()
        .for_provider("twilio");
    settings.min_backoff = Duration::from_millis(1);
    let http = client(&settings).unwrap();
    for sid in ["VA1", "VA2", "VA3", "VA3"] {
        let url = settings.url(&format!("/v2/Services/{sid}/Verifications"));
        let _ = execute(
            &settings,
            CallSafety::Idempotent,
            || http.post(&url),
            classify,
        )
        .await;
    }

    let snapshot: Vec<Recorded> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_string(), l.value().to_string()))
                .collect();
            (key.name().to_string(), labels, value)
        })
        .collect();
    assert_eq!(counted(&snapshot, "ok").0, 1, "{snapshot:?}");
    assert_eq!(counted(&snapshot, "rejected").0, 1);
    // Each retried three times (idempotent), counted once, as unavailable.
    assert_eq!(counted(&snapshot, "unavailable").0, 2);
    assert_eq!(counted(&snapshot, "ok").1, 4, "one duration per call");
}
