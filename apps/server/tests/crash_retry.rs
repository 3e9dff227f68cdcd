//! A server killed with SIGKILL between a request's commit and its answer: the client's retry
//! with the same `Idempotency-Key` gets the committed answer, and nothing happens twice (issue
//! 11, item 2). Before, the key stayed `in_progress` for 60 s and the retry then ran the handler
//! again: a second session, a second code sent to the phone, a step submitted twice.
//!
//! Runs the real `onramp-server` binary, built with its fail points (the `failpoints` feature,
//! which the workspace's test crate turns on): `FAILPOINTS=idempotency-after-handler=return`
//! holds every keyed request's answer after its handler committed, and the test kills the
//! process there. On SQLite and on a fresh PostgreSQL database.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::{ADMIN_TOKEN, inbox_path, scratch_dir, start_server, start_server_with};

const PHONE: &str = "+447911000951";

struct Reply {
    status: u16,
    replayed: bool,
    body: Value,
}

/// POSTs `body`; owned arguments, so that a held request can run in a task of its own.
async fn post(
    http: reqwest::Client,
    url: String,
    bearer: String,
    key: Option<&'static str>,
    body: Value,
) -> Reply {
    let mut request = http.post(url).bearer_auth(bearer).json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        replayed,
        body,
    }
}

/// Sends a request whose answer the server holds; the kill drops its connection.
fn held(
    http: &reqwest::Client,
    url: String,
    bearer: &str,
    key: &str,
    body: &Value,
) -> tokio::task::JoinHandle<()> {
    let request = http
        .post(url)
        .bearer_auth(bearer)
        .header("idempotency-key", key)
        .json(body);
    tokio::spawn(async move {
        let _ = request.send().await;
    })
}

async fn get(http: &reqwest::Client, url: String, bearer: &str) -> Value {
    let response = http.get(url).bearer_auth(bearer).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Polls `read` every 25 ms for up to 10 s until `done` holds of its value.
async fn wait_until<F, Fut>(what: &str, mut read: F, done: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Value>,
{
    for _ in 0..400 {
        let value = read().await;
        if done(&value) {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what}: not within 10 s");
}

fn codes_sent_to(dir: &Path, phone: &str) -> usize {
    let text = std::fs::read_to_string(inbox_path(dir)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["to"] == phone)
        .count()
}

async fn killed_after_commit_then_retried(database_url: &str, dir: &Path) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let hold_answers = [("FAILPOINTS", "idempotency-after-handler=return")];
    let server = start_server_with(&http, database_url, dir, &hold_answers).await;
    let at = |path: &str| format!("{}{path}", server.address);
    let tenant = post(
        http.clone(),
        at("/admin/v1/tenants"),
        ADMIN_TOKEN.into(),
        None,
        json!({ "name": "acme" }),
    )
    .await;
    assert_eq!(tenant.status, 201, "{:?}", tenant.body);
    let key = tenant.body["api_key"].as_str().unwrap().to_string();

    // A session start under a key: committed, its answer held.
    let start = json!({ "flow_id": "platform-setup", "external_ref": "crash-1" });
    let started = held(&http, at("/v1/sessions"), &key, "start-1", &start);
    let list = wait_until(
        "the session is committed",
        || get(&http, at("/v1/sessions"), &key),
        |page| page["data"].as_array().is_some_and(|d| d.len() == 1),
    )
    .await;
    let session = list["data"][0]["id"].as_str().unwrap().to_string();

    // Its first step, held the same way.
    let step = format!("/v1/sessions/{session}/steps/welcome");
    let submitted = held(&http, at(&step), &key, "step-1", &json!({ "answers": {} }));
    wait_until(
        "the step is committed",
        || get(&http, at(&format!("/v1/sessions/{session}")), &key),
        |view| view["current_step"] == "admin_phone",
    )
    .await;

    // A verification: committed (its code queued, then sent by the worker), its answer held.
    let verify = json!({ "phone": PHONE, "session_id": session });
    let verifying = held(&http, at("/v1/verifications"), &key, "verify-1", &verify);
    for _ in 0..400 {
        if codes_sent_to(dir, PHONE) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(codes_sent_to(dir, PHONE), 1, "the code went out once");

    // SIGKILL with three answers unsent; the clients see their connections drop.
    server.kill();
    for request in [started, submitted, verifying] {
        request.abort();
        let _ = request.await;
    }

    let server = start_server(&http, database_url, dir).await;
    let at = |path: &str| format!("{}{path}", server.address);

    // The retries replay the committed answers at once: no second session, step or code.
    let again = post(
        http.clone(),
        at("/v1/sessions"),
        key.clone(),
        Some("start-1"),
        start.clone(),
    )
    .await;
    assert_eq!(
        (again.status, again.replayed),
        (201, true),
        "{:?}",
        again.body
    );
    assert_eq!(again.body["id"], session.as_str());
    assert_eq!(again.body["external_ref"], "crash-1");
    let list = get(&http, at("/v1/sessions"), &key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "one session");

    let again = post(
        http.clone(),
        at(&step),
        key.clone(),
        Some("step-1"),
        json!({ "answers": {} }),
    )
    .await;
    assert_eq!(
        (again.status, again.replayed),
        (200, true),
        "{:?}",
        again.body
    );
    assert_eq!(again.body["current_step"], "admin_phone");
    let events = get(&http, at(&format!("/v1/sessions/{session}/events")), &key).await;
    let submissions = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "session.step_submitted")
        .count();
    assert_eq!(submissions, 1, "the step was submitted once: {events}");

    let again = post(
        http.clone(),
        at("/v1/verifications"),
        key.clone(),
        Some("verify-1"),
        verify.clone(),
    )
    .await;
    assert_eq!(
        (again.status, again.replayed),
        (201, true),
        "{:?}",
        again.body
    );
    let vid = again.body["id"].as_str().unwrap();
    let view = get(&http, at(&format!("/v1/verifications/{vid}")), &key).await;
    assert_eq!(view["status"], "pending");
    // A wrongly re-run start would queue a second code: give it time to show.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(codes_sent_to(dir, PHONE), 1, "no second code");
    let view = get(&http, at(&format!("/v1/verifications/{vid}")), &key).await;
    assert_eq!(view["deliveries"].as_array().unwrap().len(), 1, "{view}");

    // Another request under a used key is still refused.
    let other = json!({ "flow_id": "platform-setup", "external_ref": "crash-2" });
    let reused = post(
        http.clone(),
        at("/v1/sessions"),
        key.clone(),
        Some("start-1"),
        other,
    )
    .await;
    assert_eq!(
        (reused.status, reused.body["code"].as_str()),
        (409, Some("IDEMPOTENCY_KEY_REUSED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_killed_after_its_commit_on_sqlite_is_replayed_and_runs_once() {
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("onramp.db").display());
    killed_after_commit_then_retried(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_killed_after_its_commit_on_postgres_is_replayed_and_runs_once() {
    let Some(db) = support::PgDatabase::create().await else {
        return;
    };
    let dir = scratch_dir();
    killed_after_commit_then_retried(&db.url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_database().await;
}
