//! Endpoints' settings (issue 12, item 2): secrets shown once and rotated with an overlap,
//! redelivery and replay, the rate limit, private destinations refused.

use std::time::Duration;

use onramp_tests::{Receiver, backends, spawn_app_with};
use serde_json::{Value, json};

use super::endpoint;
use crate::{assert_problem, id_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_shown_once_rotate_with_an_overlap_and_events_redeliver_and_replay() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let receiver = Receiver::start();
        let body = json!({ "url": receiver.url("healthy"), "event_types": ["session.started"] });
        let created = app
            .post_idempotent("/v1/webhook_endpoints", "ep-1", &body)
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let id = id_of(&created);
        let secret = created.body["secret"].as_str().unwrap().to_owned();
        let again = app
            .post_idempotent("/v1/webhook_endpoints", "ep-1", &body)
            .await;
        assert_problem(&again, 409, "SECRET_SHOWN_ONCE");
        let shown = app.get(&format!("/v1/webhook_endpoints/{id}")).await;
        assert!(shown.body.get("secret").is_none(), "{:?}", shown.body);
        receiver.set_secret("healthy", &secret).await;

        // After a rotation both secrets sign: the receiver still on the old one verifies, and
        // so does one on the new.
        let rotated = app
            .post(
                &format!("/v1/webhook_endpoints/{id}/rotate_secret"),
                &json!({}),
            )
            .await;
        assert_eq!(rotated.status, 200, "{:?}", rotated.body);
        let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        assert!(rotated.body["previous_secret_expires_at"].is_string());
        let sid = id_of(&app.post_session("platform-setup", None).await);
        let arrived = wait_for(&receiver, "healthy", 1).await;
        assert_eq!(
            (
                arrived[0]["verified"].as_bool(),
                arrived[0]["signatures"].as_u64()
            ),
            (Some(true), Some(2))
        );
        receiver.set_secret("healthy", &new_secret).await;
        let event_id = arrived[0]["id"].as_str().unwrap().to_owned();

        // A redelivery sends the same event (same webhook-id) again.
        let r = app
            .post(&format!("/v1/events/{event_id}/redeliver"), &json!({}))
            .await;
        assert_eq!(r.body["endpoint_ids"], json!([id]), "{:?}", r.body);
        let arrived = wait_for(&receiver, "healthy", 2).await;
        assert_eq!(arrived[1]["id"], event_id.as_str());
        assert_eq!(arrived[1]["verified"], true);
        assert_eq!(arrived[1]["event"]["session_id"], sid.as_str());
        // A replay since the start sends every kept event the filter takes.
        let r = app
            .post(
                &format!("/v1/webhook_endpoints/{id}/replay"),
                &json!({ "since": "2000-01-01T00:00:00Z" }),
            )
            .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        let arrived = wait_for(&receiver, "healthy", 3).await;
        assert_eq!(arrived[2]["id"], event_id.as_str());

        // Refusals: an unknown type, an unknown event, a deleted endpoint.
        let r = app
            .post(
                "/v1/webhook_endpoints",
                &json!({ "url": receiver.url("x"), "event_types": ["session.exploded"] }),
            )
            .await;
        assert_problem(&r, 422, "INVALID_WEBHOOK_ENDPOINT");
        let r = app
            .post(
                &format!("/v1/events/{}/redeliver", uuid::Uuid::nil()),
                &json!({}),
            )
            .await;
        assert_problem(&r, 404, "EVENT_NOT_FOUND");
        let r = app.delete(&format!("/v1/webhook_endpoints/{id}")).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        let r = app.get(&format!("/v1/webhook_endpoints/{id}")).await;
        assert_problem(&r, 404, "WEBHOOK_ENDPOINT_NOT_FOUND");
        let listed = app.get("/v1/webhook_endpoints").await;
        assert_eq!(listed.body["data"], json!([]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_with_a_rate_limit_gets_no_more_than_it_allows() {
    let app = spawn_app_with(backends()[0], |_| {}).await;
    let receiver = Receiver::start();
    let settings = json!({ "event_types": ["session.started"], "rate_limit_per_second": 2 });
    endpoint(&app, &receiver, "healthy", settings).await;
    for _ in 0..6 {
        id_of(&app.post_session("platform-setup", None).await);
    }
    let arrived = wait_for(&receiver, "healthy", 6).await;
    // 2 a second with a burst of 2: the 6th arrives at least 2 s after the 1st.
    let span = arrived[5]["at"].as_f64().unwrap() - arrived[0]["at"].as_f64().unwrap();
    assert!(span >= 1.9, "6 deliveries in {span} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_destinations_are_refused_unless_allowed() {
    let app = spawn_app_with(backends()[0], |s| s.allow_private_webhook_urls = false).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest",
        "http://10.1.2.3/",
        "ftp://example.com/",
    ] {
        let r = app
            .post("/v1/webhook_endpoints", &json!({ "url": url }))
            .await;
        assert_problem(&r, 422, "INVALID_WEBHOOK_ENDPOINT");
    }
}

async fn wait_for(receiver: &Receiver, name: &str, count: usize) -> Vec<Value> {
    let mut arrived = Vec::new();
    for _ in 0..400 {
        arrived = receiver.received(name).await;
        if arrived.len() >= count {
            return arrived;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "{name} received {} deliveries, not {count}: {arrived:?}",
        arrived.len()
    );
}
