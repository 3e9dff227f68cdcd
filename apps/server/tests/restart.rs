//! A server killed with SIGKILL in the middle of a journey and started again continues that
//! session where it stood, with nothing lost and nothing sent twice.
//!
//! Runs the real `onramp-server` binary as a child process, configured only by environment
//! variables, on SQLite and (when `ONRAMP_TEST_DATABASE_URL` is set) on a fresh PostgreSQL
//! database.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use support::{ADMIN_TOKEN, Api, inbox_path, scratch_dir, start_server};

/// The sandbox number whose voice calls are never answered: the code goes out again by SMS.
const VOICE_NEVER_ANSWERED: &str = "+12025550101";
/// A number the sandbox delivers to.
const ADMIN_PHONE: &str = "+447911000901";

impl Api {
    async fn answer(&self, session: &str, step: &str, answers: Value) -> Value {
        let path = format!("/v1/sessions/{session}/steps/{step}");
        self.post(&path, &json!({ "answers": answers })).await
    }

    async fn skip(&self, session: &str, steps: &[&str]) {
        for step in steps {
            self.post(
                &format!("/v1/sessions/{session}/steps/{step}/skip"),
                &json!({}),
            )
            .await;
        }
    }

    /// The session, its audit trail and the verification, as they stand.
    async fn snapshot(&self, sessions: &[&str], verification: &str) -> Vec<Value> {
        let mut all = Vec::new();
        for s in sessions {
            all.push(self.get(&format!("/v1/sessions/{s}")).await);
            all.push(self.get(&format!("/v1/sessions/{s}/events")).await);
        }
        let mut v = self.get(&format!("/v1/verifications/{verification}")).await;
        // Sends left in the rolling hour is a function of the time of reading.
        v["sends_remaining"] = Value::Null;
        all.push(v);
        all
    }

    /// Waits (up to 10 s) until `phone` received a code and the verification has no queued
    /// delivery left; returns the delivered code.
    async fn wait_for_code(&self, phone: &str, verification: &str) -> String {
        let inbox = format!("/v1/sandbox/messages?to={}", phone.replace('+', "%2B"));
        let verification = format!("/v1/verifications/{verification}");
        for _ in 0..400 {
            let v = self.get(&verification).await;
            let queued = v["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["status"] == "queued");
            let messages = self.get(&inbox).await["data"].as_array().cloned().unwrap();
            let delivered = messages.iter().find(|m| m["status"] == "delivered");
            if let (false, Some(m)) = (queued, delivered) {
                return m["code"].as_str().unwrap().to_string();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no code delivered to {phone} within 10 s");
    }
}

/// Every line of the sandbox inbox file.
fn inbox_file(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(inbox_path(dir)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn killed_and_restarted_journey(database_url: &str, dir: &Path) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let server = start_server(&http, database_url, dir).await;
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

    // A wizard with its admin phone verified and two forms answered.
    let wizard = api
        .create("/v1/sessions", &json!({ "flow_id": "platform-setup" }))
        .await;
    api.answer(&wizard, "welcome", json!({})).await;
    let start = json!({ "phone": ADMIN_PHONE, "session_id": wizard });
    let vid = api.create("/v1/verifications", &start).await;
    let code = api.wait_for_code(ADMIN_PHONE, &vid).await;
    api.post(
        &format!("/v1/verifications/{vid}/check"),
        &json!({ "code": code }),
    )
    .await;
    let organization = json!({ "name": "Acme Support Ltd", "industry": "saas", "size": "11-50" });
    api.answer(&wizard, "organization", organization).await;
    let channels =
        json!({ "email": true, "whatsapp": true, "sms": false, "voice": false, "web_chat": true });
    api.answer(&wizard, "channels", channels).await;

    // A conversation waiting for the code that came by SMS after the unanswered call.
    let start = json!({ "flow_id": "conversational-profile", "phone": VOICE_NEVER_ANSWERED });
    let chat = api.create("/v1/sessions", &start).await;
    api.answer(&chat, "welcome", json!({ "choice": "personal_help" }))
        .await;
    let start = json!({ "phone": VOICE_NEVER_ANSWERED, "session_id": chat });
    let vid = api.create("/v1/verifications", &start).await;
    let code = api.wait_for_code(VOICE_NEVER_ANSWERED, &vid).await;

    let before = api.snapshot(&[&wizard, &chat], &vid).await;
    assert_eq!(before[0]["current_step"], "ai_features");
    assert_eq!(before[2]["current_step"], "phone");

    // SIGKILL: no graceful shutdown, no flushing.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = start_server(&http, database_url, dir).await;
    let api = Api {
        http: http.clone(),
        address: server.address.clone(),
        key,
    };
    let after = api.snapshot(&[&wizard, &chat], &vid).await;
    assert_eq!(
        after, before,
        "the sessions and the verification stand where they stood"
    );

    // The code sent before the kill still works, and both journeys finish.
    let checked = api
        .post(
            &format!("/v1/verifications/{vid}/check"),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(checked["status"], "approved");
    let view = api.get(&format!("/v1/sessions/{chat}")).await;
    assert_eq!(
        (
            view["phone_verified"].as_bool(),
            view["current_step"].as_str()
        ),
        (Some(true), Some("consent"))
    );
    api.answer(&chat, "consent", json!({ "accepted": true }))
        .await;
    api.answer(&chat, "goal", json!({ "choice": "learn" }))
        .await;
    api.answer(&chat, "income_type", json!({ "choice": "salaried" }))
        .await;
    api.answer(&chat, "confidence", json!({ "choice": "low" }))
        .await;
    let done = api
        .answer(&chat, "complete", json!({ "confirmed": true }))
        .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["capability"],
        json!({ "level": "beginner", "score": 2 })
    );

    api.skip(&wizard, &["ai_features", "knowledge_base"]).await;
    let payment = json!({ "plan": "growth", "billing_email": "billing@acme.example.com" });
    api.answer(&wizard, "payment", payment).await;
    let optional = [
        "team",
        "workflows",
        "customer_portal",
        "data_import",
        "analytics",
    ];
    api.skip(&wizard, &optional).await;
    let done = api
        .answer(&wizard, "complete", json!({ "confirmed": true }))
        .await;
    assert_eq!(
        (
            done["status"].as_str(),
            done["progress"]["percent"].as_u64()
        ),
        (Some("completed"), Some(100))
    );

    // Nothing was sent twice: give a wrongly re-run delivery time to show, then read the file.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(server);
    let lines = inbox_file(dir);
    let ids: BTreeSet<&str> = lines.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        lines.len(),
        "a delivery id appears twice: {lines:?}"
    );
    let chat_lines: Vec<&Value> = lines
        .iter()
        .filter(|m| m["to"] == VOICE_NEVER_ANSWERED)
        .collect();
    let outcomes: Vec<_> = chat_lines
        .iter()
        .map(|m| (m["channel"].as_str(), m["status"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Some("voice"), Some("failed")),
            (Some("sms"), Some("delivered"))
        ]
    );
    assert_eq!(
        chat_lines[0]["code"], chat_lines[1]["code"],
        "the SMS repeats the call's code"
    );
    assert_eq!(lines.iter().filter(|m| m["to"] == ADMIN_PHONE).count(), 1);
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_journey_on_sqlite_continues_where_it_stood_and_sends_nothing_twice() {
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("onramp.db").display());
    killed_and_restarted_journey(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_journey_on_postgres_continues_where_it_stood_and_sends_nothing_twice()
{
    let Some(db) = support::PgDatabase::create().await else {
        return;
    };
    let dir = scratch_dir();
    killed_and_restarted_journey(&db.url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_database().await;
}
