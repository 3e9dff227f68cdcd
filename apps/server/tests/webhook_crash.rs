//! A server killed with SIGKILL while webhook deliveries are in flight, and started again on the
//! same database, delivers every event it had committed: none is lost (issue 12, item 2, "Done
//! when"; P-OUT-1). Deliveries are at least once: the ones in flight at the kill are sent again
//! when their lease runs out, and the receiver deduplicates them by `webhook-id`.
//!
//! Runs the real `onramp-server` binary on SQLite and (when `ONRAMP_TEST_DATABASE_URL` is set)
//! on a fresh PostgreSQL database, with a wiremock endpoint that first answers slowly (so the
//! kill finds deliveries in flight), then at once.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Api, scratch_dir, start_server_with};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSIONS: usize = 6;

/// The deliveries' `webhook-id`s the mock answered so far.
async fn delivered_ids(mock: &MockServer) -> BTreeSet<String> {
    mock.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.headers.get("webhook-id"))
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn killed_while_delivering(database_url: &str, dir: &Path) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // Deliveries wait up to 5 s for an answer and are leased for 10 s.
    let env = [
        ("ONRAMP_ALLOW_PRIVATE_WEBHOOK_URLS", "true"),
        ("ONRAMP_WEBHOOK_TIMEOUT_SECONDS", "5"),
    ];
    let server = start_server_with(&http, database_url, dir, &env).await;
    let admin = Api {
        http: http.clone(),
        address: server.address.clone(),
        key: ADMIN_TOKEN.into(),
    };
    let tenant = admin
        .post("/admin/v1/tenants", &json!({ "name": "acme" }))
        .await;
    let key = tenant["api_key"].as_str().unwrap().to_string();
    let api = Api {
        http: http.clone(),
        address: server.address.clone(),
        key: key.clone(),
    };

    // The endpoint answers after 3 s: the deliveries are in flight when the server dies.
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&mock)
        .await;
    let endpoint = api
        .create(
            "/v1/webhook_endpoints",
            &json!({ "url": format!("{}/hook", mock.uri()), "event_types": ["session.started"] }),
        )
        .await;
    let mut told = BTreeSet::new();
    for _ in 0..SESSIONS {
        let session = api
            .create("/v1/sessions", &json!({ "flow_id": "platform-setup" }))
            .await;
        let events = api
            .get(&format!(
                "/v1/events?session_id={session}&type=session.started"
            ))
            .await;
        told.insert(events["data"][0]["id"].as_str().unwrap().to_owned());
    }
    for _ in 0..400 {
        if !mock
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        !delivered_ids(&mock).await.is_empty(),
        "no delivery started"
    );
    server.kill();

    // Started again, the endpoint answering at once: every event arrives, those in flight at
    // the kill once their lease has run out.
    mock.reset().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock)
        .await;
    let server = start_server_with(&http, database_url, dir, &env).await;
    let api = Api {
        http,
        address: server.address.clone(),
        key,
    };
    let mut delivered = BTreeSet::new();
    for _ in 0..1200 {
        delivered = delivered_ids(&mock).await;
        if delivered == told {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(delivered, told, "events lost across the kill");
    let messages = api
        .wait_for(
            &format!("/v1/webhook_endpoints/{endpoint}/messages?status=delivered"),
            |m: &Value| m["data"].as_array().is_some_and(|d| d.len() == SESSIONS),
        )
        .await;
    assert_eq!(messages["data"].as_array().unwrap().len(), SESSIONS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_delivering_on_sqlite_delivers_every_event_after_its_restart() {
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("onramp.db").display());
    killed_while_delivering(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_delivering_on_postgres_delivers_every_event_after_its_restart() {
    let Some(db) = support::PgDatabase::create().await else {
        return;
    };
    let dir = scratch_dir();
    killed_while_delivering(&db.url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_database().await;
}
