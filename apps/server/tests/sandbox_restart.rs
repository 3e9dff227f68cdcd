//! The sandbox's provider objects survive a restart (issue 11, item 8; P-SBX-1). Before, the
//! sandbox kept PayPal orders, Stripe customers and subscriptions and BSP senders in the
//! server's memory while the orders, trials and accounts that name them were in the database:
//! after a restart, approving or capturing an order answered 422, a trial never converted and
//! a sender stayed `in_review`.
//!
//! Runs the real `onramp-server` binary: an order, a card-gated trial and a BSP sender are made
//! on the sandbox, the server is SIGKILLed and started again on the same database, and the
//! order is then approved and captured, the trial converts at its end and the sender leaves its
//! review. On SQLite and on a fresh PostgreSQL database.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Api, scratch_dir, start_server};

/// The trial's phone: a number the sandbox delivers to.
const TRIAL_PHONE: &str = "+12025550181";
/// The sender's number.
const SENDER_PHONE: &str = "+12025550182";
const DAY: i64 = 86_400;

/// A session of `unified-voice-first` at its trial step, with a trial started on `pm_card_visa`;
/// answers the trial's id.
async fn trialing(api: &Api) -> String {
    let start = json!({ "flow_id": "unified-voice-first", "channel": "web", "phone": TRIAL_PHONE });
    let session = api.create("/v1/sessions", &start).await;
    let verify = json!({ "phone": TRIAL_PHONE, "session_id": session });
    let verification = api.create("/v1/verifications", &verify).await;
    let inbox = format!(
        "/v1/sandbox/messages?to={}",
        TRIAL_PHONE.replace('+', "%2B")
    );
    let messages = api
        .wait_for(&inbox, |page| {
            page["data"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["status"] == "delivered"))
        })
        .await;
    let code = messages["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "delivered")
        .map(|m| m["code"].clone())
        .unwrap();
    let checked = api
        .post(
            &format!("/v1/verifications/{verification}/check"),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(checked["status"], "approved", "{checked}");
    let step = |name: &str| format!("/v1/sessions/{session}/steps/{name}");
    api.post(
        &step("phone"),
        &json!({ "answers": { "verification_id": verification } }),
    )
    .await;
    let business = json!({ "company_name": "Bright Dental Care", "industry": "healthcare", "team_size": "2-10" });
    let at_trial = api
        .post(&step("business"), &json!({ "answers": business }))
        .await;
    assert_eq!(at_trial["current_step"], "trial", "{at_trial}");
    let card = json!({ "payment_method": "pm_card_visa", "email": "owner@bright.example.com" });
    let trial = api
        .post(&format!("/v1/sessions/{session}/trial"), &card)
        .await;
    assert_eq!(trial["status"], "trialing", "{trial}");
    trial["id"].as_str().unwrap().to_string()
}

async fn objects_survive_a_restart(database_url: &str, dir: &Path) {
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

    // A PayPal order waiting for its buyer.
    let start = json!({ "flow_id": "ai-receptionist", "channel": "web" });
    let purchase = api.create("/v1/sessions", &start).await;
    let order = api
        .post(
            "/v1/orders",
            &json!({ "session_id": purchase, "email": "front@harbor.example.com" }),
        )
        .await;
    assert_eq!(order["status"], "created", "{order}");
    let order = order["id"].as_str().unwrap().to_string();

    // A card-gated trial, trialing.
    let trial = trialing(&api).await;

    // A BSP sender in review.
    let sender = json!({ "display_name": "Harbor Clinic", "phone": SENDER_PHONE });
    let account = api.create("/v1/whatsapp/senders", &sender).await;
    let account_path = format!("/v1/whatsapp/accounts/{account}");
    api.wait_for(&account_path, |a| a["status"] == "in_review")
        .await;

    // SIGKILL: whatever the sandbox held in memory is gone.
    server.kill();
    let server = start_server(&http, database_url, dir).await;
    let api = Api {
        http: http.clone(),
        address: server.address.clone(),
        key,
    };

    // The buyer approves the order made before the restart, and it is captured.
    let approved = api
        .post(
            &format!("/v1/sandbox/paypal/orders/{order}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(approved["status"], "approved", "{approved}");
    let captured = api
        .post(&format!("/v1/orders/{order}/capture"), &json!({}))
        .await;
    assert_eq!(captured["status"], "captured", "{captured}");
    let accounts = api
        .get(&format!("/v1/customers?session_id={purchase}"))
        .await;
    assert_eq!(
        accounts["data"].as_array().map(Vec::len),
        Some(1),
        "{accounts}"
    );

    // The trial's end and the sender's review poll come due: the trial converts, the sender is
    // approved.
    let moved = api
        .post("/v1/sandbox/clock/advance", &json!({ "seconds": 7 * DAY }))
        .await;
    assert!(moved["timers_moved"].as_u64().unwrap_or(0) > 0, "{moved}");
    let converted = api
        .wait_for(&format!("/v1/trials/{trial}"), |t| {
            t["status"] != "trialing"
        })
        .await;
    assert_eq!(converted["status"], "active", "{converted}");
    let reviewed = api
        .wait_for(&account_path, |a| {
            a["status"] != "in_review" || !a["review_failure"].is_null()
        })
        .await;
    assert_eq!(reviewed["status"], "approved", "{reviewed}");
    assert_eq!(reviewed["review_failure"], Value::Null, "{reviewed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_objects_survive_a_restart_on_sqlite() {
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("onramp.db").display());
    objects_survive_a_restart(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_objects_survive_a_restart_on_postgres() {
    let Some(db) = support::PgDatabase::create().await else {
        return;
    };
    let dir = scratch_dir();
    objects_survive_a_restart(&db.url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_database().await;
}
