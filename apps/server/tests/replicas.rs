//! Scale-out (issue 11, item 6; DESIGN.md section 6): three `onramp-server` processes on one
//! PostgreSQL database.
//!
//! - 50 concurrent code requests for one phone, spread over the three, give exactly 5 sends and
//!   45 `RATE_LIMITED`; every delivery job runs once (each replica's sandbox writes its own
//!   file: together they hold each delivery once).
//! - A session written through all three in turn loses no update.
//! - The jobs leased by a `--role worker` replica that is SIGKILLed are run by another worker
//!   once the lease runs out, and only once.
//!
//! Runs the real binary with its fail points (`worker-after-claim=return` holds a worker with
//! its jobs leased). PostgreSQL only: replicas share a database server, and SQLite's file allows
//! one writer process.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use support::{ADMIN_TOKEN, PgDatabase, Server, inbox_path, scratch_dir, start_server_args};

/// One master key for every replica: a job sealed by one is opened by another.
const MASTER_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const PHONE: &str = "+447911000971";

/// A replica on `database_url` with its own folder (its sandbox inbox file) and `args`.
async fn replica(
    http: &reqwest::Client,
    database_url: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> (Server, PathBuf) {
    let dir = scratch_dir();
    let mut all = vec![("ONRAMP_ENCRYPTION_KEY", MASTER_KEY)];
    all.extend_from_slice(env);
    let server = start_server_args(http, database_url, &dir, &all, args).await;
    (server, dir)
}

async fn post(http: &reqwest::Client, url: String, key: &str, body: &Value) -> (u16, Value) {
    let response = http
        .post(url)
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(http: &reqwest::Client, url: String, key: &str) -> Value {
    let response = http.get(url).bearer_auth(key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Every message of the sandbox inbox files of `dirs`, to `phone`.
fn sent_to(dirs: &[&Path], phone: &str) -> Vec<Value> {
    dirs.iter()
        .flat_map(|dir| {
            std::fs::read_to_string(inbox_path(dir))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .filter(|m| m["to"] == phone)
        .collect()
}

/// Waits (up to 15 s) until `count` messages to `phone` are in the files of `dirs`.
async fn wait_for_messages(dirs: &[&Path], phone: &str, count: usize) -> Vec<Value> {
    for _ in 0..600 {
        let sent = sent_to(dirs, phone);
        if sent.len() >= count {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {count} messages to {phone} within 15 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_one_postgres_share_limits_jobs_and_sessions() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (a, dir_a) = replica(&http, &db.url, &[], &["--role", "all"]).await;
    let (b, dir_b) = replica(&http, &db.url, &[], &["--role", "all"]).await;
    let (c, dir_c) = replica(&http, &db.url, &[], &["--role", "all"]).await;
    let dirs = [dir_a.as_path(), dir_b.as_path(), dir_c.as_path()];
    let addresses = [a.address.clone(), b.address.clone(), c.address.clone()];
    let (status, tenant) = post(
        &http,
        format!("{}/admin/v1/tenants", addresses[0]),
        ADMIN_TOKEN,
        &json!({ "name": "acme" }),
    )
    .await;
    assert_eq!(status, 201, "{tenant:?}");
    let key = tenant["api_key"].as_str().unwrap().to_string();

    // 50 code requests for one phone at once, round robin over the three.
    let body = json!({ "phone": PHONE });
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..50 {
        let url = format!("{}/v1/verifications", addresses[i % 3]);
        let (http, key, body) = (http.clone(), key.clone(), body.clone());
        requests.spawn(async move { post(&http, url, &key, &body).await });
    }
    let answers = requests.join_all().await;
    let sent = answers.iter().filter(|(s, _)| *s == 201).count();
    let limited = answers
        .iter()
        .filter(|(s, b)| *s == 429 && b["code"] == "RATE_LIMITED")
        .count();
    assert_eq!((sent, limited), (5, 45), "{answers:?}");
    // Each delivery job ran once, on one replica or another.
    let messages = wait_for_messages(&dirs, PHONE, 5).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let messages_now = sent_to(&dirs, PHONE);
    assert_eq!(messages_now.len(), messages.len(), "a job ran twice");
    let ids: BTreeSet<&str> = messages_now
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{messages_now:?}");

    // A session written through the three in turn, the code read wherever it was delivered.
    let phone = "+447911000972";
    let (status, session) = post(
        &http,
        format!("{}/v1/sessions", addresses[0]),
        &key,
        &json!({ "flow_id": "conversational-profile", "phone": phone }),
    )
    .await;
    assert_eq!(status, 201, "{session:?}");
    let sid = session["id"].as_str().unwrap().to_string();
    let step = |n: usize, step: &str, answers: Value| {
        let url = format!("{}/v1/sessions/{sid}/steps/{step}", addresses[n % 3]);
        let (http, key) = (http.clone(), key.clone());
        async move { post(&http, url, &key, &json!({ "answers": answers })).await }
    };
    let (status, view) = step(1, "welcome", json!({ "choice": "personal_help" })).await;
    assert_eq!(status, 200, "{view:?}");
    let (status, verification) = post(
        &http,
        format!("{}/v1/verifications", addresses[2]),
        &key,
        &json!({ "phone": phone, "session_id": sid }),
    )
    .await;
    assert_eq!(status, 201, "{verification:?}");
    let vid = verification["id"].as_str().unwrap();
    let code = wait_for_messages(&dirs, phone, 1).await[0]["code"].clone();
    let (status, checked) = post(
        &http,
        format!("{}/v1/verifications/{vid}/check", addresses[0]),
        &key,
        &json!({ "code": code }),
    )
    .await;
    assert_eq!(
        (status, &checked["status"]),
        (200, &json!("approved")),
        "{checked:?}"
    );
    let answers = [
        ("consent", json!({ "accepted": true })),
        ("goal", json!({ "choice": "learn" })),
        ("income_type", json!({ "choice": "salaried" })),
        ("confidence", json!({ "choice": "low" })),
        ("complete", json!({ "confirmed": true })),
    ];
    for (n, (name, answer)) in answers.into_iter().enumerate() {
        let (status, view) = step(n + 1, name, answer).await;
        assert_eq!(status, 200, "{name}: {view:?}");
    }
    let view = get(&http, format!("{}/v1/sessions/{sid}", addresses[2]), &key).await;
    assert_eq!(view["status"], "completed", "{view:?}");
    let events = get(
        &http,
        format!("{}/v1/sessions/{sid}/events", addresses[1]),
        &key,
    )
    .await;
    let submitted = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "session.step_submitted")
        .count();
    // Six answers and the phone step the approved check completed.
    assert_eq!(submitted, 7, "every write kept: {events}");

    // The workers' turn: only a web replica and a worker held after its claim.
    drop((a, b, c));
    let lease = [("ONRAMP_JOB_LEASE_SECONDS", "2")];
    let (web, _) = replica(&http, &db.url, &lease, &["--role", "web"]).await;
    let held = [
        ("ONRAMP_JOB_LEASE_SECONDS", "2"),
        ("FAILPOINTS", "worker-after-claim=return"),
    ];
    let (stuck, stuck_dir) = replica(&http, &db.url, &held, &["--role", "worker"]).await;
    let health = http
        .get(format!("{}/healthz", stuck.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let api = http
        .get(format!("{}/v1/flows", stuck.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404, "a worker serves health only");
    let phone = "+447911000973";
    let (status, _) = post(
        &http,
        format!("{}/v1/verifications", web.address),
        &key,
        &json!({ "phone": phone }),
    )
    .await;
    assert_eq!(status, 201);
    // The stuck worker leased the delivery job (and sends nothing).
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut leased = 0_i64;
    for _ in 0..400 {
        (leased,) = sqlx::query_as(
            "SELECT count(*) FROM jobs WHERE kind = 'verification.deliver' AND done_at IS NULL AND locked_until IS NOT NULL",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if leased > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(leased, 1, "the stuck worker holds the delivery job");
    stuck.kill();
    let (worker, worker_dir) = replica(&http, &db.url, &lease, &["--role", "worker"]).await;
    let dirs = [stuck_dir.as_path(), worker_dir.as_path()];
    let delivered = wait_for_messages(&dirs, phone, 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sent_to(&dirs, phone).len(), 1, "sent once: {delivered:?}");
    assert!(sent_to(&[stuck_dir.as_path()], phone).is_empty());
    drop((web, worker));
    db.drop_database().await;
}
