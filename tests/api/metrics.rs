//! `GET /metrics` (issue 12, item 4): the Prometheus text format, read back with an independent
//! parser (prometheus-parse), moving when requests, jobs and webhooks happen; a bearer token
//! when `ONRAMP_METRICS_TOKEN` is set.
//!
//! The recorder is one per process and the tests of this binary run at once, so counters are
//! compared before and after, as at least what this test did.

use onramp_server::settings::Role;
use onramp_tests::{TestApp, backends, spawn_app, spawn_app_with};
use prometheus_parse::{Sample, Scrape, Value};
use secrecy::SecretString;
use tokio::sync::Mutex;

/// One scrape at a time: a scrape sets the store's gauges from its own server's store, and the
/// servers of this binary share one recorder.
static SCRAPES: Mutex<()> = Mutex::const_new(());

/// Scrapes `/metrics` (with `token` as a bearer token when given) and parses it; panics unless
/// it answers 200 in the text format and parses.
pub(crate) async fn scrape(app: &TestApp, token: Option<&str>) -> Scrape {
    let _one = SCRAPES.lock().await;
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = resp.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The sample of `metric` whose labels include every pair of `labels`.
fn sample<'s>(scrape: &'s Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<&'s Sample> {
    scrape.samples.iter().find(|s| {
        s.metric == metric
            && labels
                .iter()
                .all(|(k, v)| s.labels.get(k).is_some_and(|l| l == *v))
    })
}

/// A gauge's value; panics when absent.
pub(crate) fn gauge(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).map(|s| &s.value) {
        Some(Value::Gauge(v)) => *v,
        other => panic!("{metric} {labels:?} is not a gauge: {other:?}"),
    }
}

/// A counter's value (0 when absent), or a histogram's count.
pub(crate) fn count(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).map(|s| &s.value) {
        None => 0.0,
        Some(Value::Counter(v) | Value::Untyped(v)) => *v,
        Some(Value::Histogram(buckets)) => buckets
            .iter()
            .find(|b| b.less_than.is_infinite())
            .map_or(0.0, |b| b.count),
        Some(other) => panic!("{metric} is not a counter or a histogram: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_with_requests_jobs_and_webhooks() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let engine = match backend {
            onramp_tests::Backend::Sqlite => "sqlite",
            onramp_tests::Backend::Postgres => "postgres",
        };
        let before = scrape(&app, None).await;
        let flows = [("method", "GET"), ("route", "/v1/flows"), ("status", "200")];
        let delivered = [("kind", "verification.deliver"), ("outcome", "done")];
        let refused = [("provider", "stripe"), ("result", "refused")];

        for _ in 0..3 {
            assert_eq!(app.get("/v1/flows").await.status, 200);
        }
        let phone = "+447911000931";
        assert_eq!(app.start_verification(phone, None).await.status, 201);
        app.wait_for_code(phone, 1).await;
        let hook = app
            .post_webhook(
                "/webhooks/stripe",
                &[("stripe-signature", "t=1,v1=00")],
                "{}",
            )
            .await;
        assert_eq!(hook.status, 401, "{:?}", hook.body);

        // The job's metric is counted after its commit, which the code's arrival may precede.
        let mut after = scrape(&app, None).await;
        for _ in 0..100 {
            if count(&after, "onramp_jobs_total", &delivered)
                > count(&before, "onramp_jobs_total", &delivered)
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            after = scrape(&app, None).await;
        }
        let moved = |metric: &str, labels: &[(&str, &str)]| {
            count(&after, metric, labels) - count(&before, metric, labels)
        };
        assert!(moved("onramp_http_requests_total", &flows) >= 3.0);
        assert!(
            moved(
                "onramp_http_request_duration_seconds",
                &[("method", "GET"), ("route", "/v1/flows")]
            ) >= 3.0
        );
        assert!(moved("onramp_jobs_total", &delivered) >= 1.0);
        assert!(moved("onramp_job_duration_seconds", &delivered[..1]) >= 1.0);
        assert!(moved("onramp_webhooks_received_total", &refused) >= 1.0);
        assert!(moved("onramp_store_group_size", &[("engine", engine)]) >= 1.0);
        // Route templates, never the ids a client sent.
        assert!(
            after
                .samples
                .iter()
                .filter_map(|s| s.labels.get("route"))
                .all(|r| !r.contains(&app.tenant_id)),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_ask_for_the_metrics_token_when_one_is_set() {
    let backend = backends()[0];
    let app = spawn_app_with(backend, |s| {
        s.metrics_token = Some(SecretString::from("scrape-me"));
    })
    .await;
    let url = format!("{}/metrics", app.address);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    let scraped = scrape(&app, Some("scrape-me")).await;
    assert!(
        scraped
            .samples
            .iter()
            .any(|s| s.metric == "onramp_http_requests_total")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_queue_and_the_store_connections_are_sampled_at_each_scrape() {
    for backend in backends() {
        // No worker: the delivery job stays due.
        let app = spawn_app_with(backend, |s| s.role = Role::Web).await;
        let empty = scrape(&app, None).await;
        assert_eq!(gauge(&empty, "onramp_jobs_due", &[]), 0.0);
        assert_eq!(gauge(&empty, "onramp_jobs_oldest_due_seconds", &[]), 0.0);

        assert_eq!(
            app.start_verification("+447911000932", None).await.status,
            201
        );
        app.clock.advance(90);
        let waiting = scrape(&app, None).await;
        assert_eq!(gauge(&waiting, "onramp_jobs_due", &[]), 1.0);
        assert_eq!(gauge(&waiting, "onramp_jobs_running", &[]), 0.0);
        let age = gauge(&waiting, "onramp_jobs_oldest_due_seconds", &[]);
        assert!((90.0..100.0).contains(&age), "{age}");
        let open = gauge(&waiting, "onramp_store_connections", &[("state", "idle")])
            + gauge(&waiting, "onramp_store_connections", &[("state", "in_use")]);
        assert!(open >= 1.0, "{open}");
        assert_eq!(gauge(&waiting, "onramp_store_queued_writes", &[]), 0.0);
    }
}
