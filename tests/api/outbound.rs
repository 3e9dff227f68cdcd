//! Outbound webhooks (issue 12, item 2, "Done when"): every event of a whole
//! `unified-voice-first` journey reaches a local endpoint, verified by the Standard Webhooks
//! project's own library (not Onramp's code), in order per session, once each after
//! deduplication by `webhook-id`; an endpoint answering 500 then 200 gets the retry; a dead
//! endpoint does not delay a healthy one; `410 Gone` disables an endpoint and tells the tenant;
//! secrets are shown once and rotate with an overlap; private destinations are refused.

mod endpoints;

use std::collections::HashSet;
use std::time::Duration;

use onramp_tests::{Receiver, TestApp, backends, spawn_app_with};
use serde_json::{Value, json};

use crate::id_of;
use crate::trials::{session_at_trial, submit_card};

/// Registers the receiver's endpoint `name` with `settings`; returns its id and secret.
async fn endpoint(
    app: &TestApp,
    receiver: &Receiver,
    name: &str,
    settings: Value,
) -> (String, String) {
    let mut body = json!({ "url": receiver.url(name) });
    body.as_object_mut()
        .unwrap()
        .extend(settings.as_object().unwrap().clone());
    let r = app.post("/v1/webhook_endpoints", &body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.set_secret(name, &secret).await;
    (id_of(&r), secret)
}

/// A whole `unified-voice-first` journey, to its completion; returns the session.
async fn journey(app: &TestApp, phone: &str) -> String {
    let sid = session_at_trial(app, phone).await;
    let trial = submit_card(app, &sid, "pm_card_visa", "owner@example.com").await;
    assert_eq!(trial.status, 200, "{:?}", trial.body);
    let r = app
        .submit_step(&sid, "trial", json!({ "trial_id": trial.body["id"] }))
        .await;
    assert_eq!(r.body["current_step"], "whatsapp", "{:?}", r.body);
    let sender = app
        .post(
            "/v1/whatsapp/senders",
            &json!({ "session_id": sid, "display_name": "Bright Dental Care", "phone": phone }),
        )
        .await;
    assert_eq!(sender.status, 201, "{:?}", sender.body);
    let done = app
        .submit_step(&sid, "review", json!({ "confirmed": true }))
        .await;
    assert_eq!(done.body["status"], "completed", "{:?}", done.body);
    sid
}

/// Every event of `session`, oldest first.
async fn session_events(app: &TestApp, session: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = app
            .get(&format!(
                "/v1/events?session_id={session}&order=asc&limit=100{cursor}"
            ))
            .await;
        let page = r.body["data"].as_array().unwrap().clone();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
        cursor = format!("&cursor={}", r.body["next_cursor"].as_str().unwrap());
    }
}

/// The ids of `received`, first arrivals only.
fn first_arrivals(received: &[Value]) -> Vec<&Value> {
    let mut seen = HashSet::new();
    received
        .iter()
        .filter(|d| seen.insert(d["id"].as_str().unwrap().to_owned()))
        .collect()
}

async fn attempts(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/v1/webhook_endpoints/{endpoint}/attempts?limit=100"
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_a_journey_is_delivered_signed_in_order_once_retried_and_never_held_up() {
    for backend in backends() {
        // A dead endpoint's attempts time out after 10 s.
        let app = spawn_app_with(backend, |s| s.webhook_timeout_seconds = 10).await;
        let receiver = Receiver::start();
        let (_, _) = endpoint(&app, &receiver, "healthy", json!({ "ordered": true })).await;
        let types = json!(["session.started", "session.completed"]);
        let (flaky, _) = endpoint(&app, &receiver, "flaky", json!({ "event_types": types })).await;
        let (dead, _) = endpoint(&app, &receiver, "dead", json!({})).await;

        let sid = journey(&app, "+12025550180").await;

        // The healthy endpoint gets every event of the session, before any attempt to the dead
        // one has even timed out (each takes 10 s): the dead one holds up nothing.
        let mut expected = Vec::new();
        let mut arrived = Vec::new();
        for _ in 0..400 {
            expected = session_events(&app, &sid).await;
            arrived = receiver.received("healthy").await;
            let ids: HashSet<&str> = arrived.iter().map(|d| d["id"].as_str().unwrap()).collect();
            if expected.len() >= 10
                && expected
                    .iter()
                    .all(|e| ids.contains(e["id"].as_str().unwrap()))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            attempts(&app, &dead).await,
            Vec::<Value>::new(),
            "{backend:?}"
        );
        assert!(!receiver.attempts("dead").await.is_empty(), "{backend:?}");

        let first = first_arrivals(&arrived);
        let delivered: Vec<&str> = first.iter().map(|d| d["id"].as_str().unwrap()).collect();
        let told: Vec<&str> = expected.iter().map(|e| e["id"].as_str().unwrap()).collect();
        // Once each after deduplication, in the session's order (the endpoint is ordered).
        assert_eq!(delivered, told, "{backend:?}");
        for (d, e) in first.iter().zip(&expected) {
            assert_eq!(d["verified"], true, "{backend:?}: {d:?}");
            assert_eq!(
                d["event"], *e,
                "{backend:?}: the body is the event as listed"
            );
        }
        let kinds: HashSet<&str> = expected
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        for t in [
            "session.started",
            "verification.sent",
            "verification.approved",
            "session.step_completed",
            "trial.started",
            "whatsapp_account.submitted",
            "session.completed",
        ] {
            assert!(kinds.contains(t), "{backend:?}: no {t} in {kinds:?}");
        }

        // The flaky endpoint answered 500 to each of its two events; the retry (5 s later on
        // the schedule) gets 200.
        app.clock.advance(6);
        let mut flaky_received = Vec::new();
        for _ in 0..400 {
            flaky_received = receiver.received("flaky").await;
            if flaky_received.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // Not ordered: the two retries may arrive in either order.
        let mut got: Vec<&str> = flaky_received
            .iter()
            .map(|d| d["event"]["type"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, ["session.completed", "session.started"], "{backend:?}");
        assert!(flaky_received.iter().all(|d| d["verified"] == true));
        // Each delivery's attempt is committed after its answer: wait for both.
        let mut delivered = Vec::new();
        for _ in 0..400 {
            let r = app
                .get(&format!(
                    "/v1/webhook_endpoints/{flaky}/messages?status=delivered"
                ))
                .await;
            delivered = r.body["data"].as_array().unwrap().clone();
            if delivered.len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(delivered.len(), 2, "{backend:?}: {delivered:?}");
        // `/metrics` counts the attempts (the recorder is shared by this binary's servers: at
        // least these).
        let scraped = crate::metrics::scrape(&app, None).await;
        let delivered_total = crate::metrics::count(
            &scraped,
            "onramp_webhook_deliveries_total",
            &[("result", "delivered")],
        );
        let retried_total = crate::metrics::count(
            &scraped,
            "onramp_webhook_deliveries_total",
            &[("result", "retried")],
        );
        assert!(
            delivered_total >= 12.0 && retried_total >= 2.0,
            "{delivered_total} {retried_total}"
        );
        let mut statuses: Vec<(u64, u64, u64)> = attempts(&app, &flaky)
            .await
            .iter()
            .map(|a| {
                let number = |k: &str| a[k].as_u64().unwrap();
                (number("sequence"), number("attempt"), number("status_code"))
            })
            .collect();
        statuses.sort_unstable();
        let first_seq = statuses[0].0;
        let attempts_listed = attempts(&app, &flaky).await;
        assert!(
            attempts_listed.iter().all(|a| a["event_id"].is_string()),
            "{attempts_listed:?}"
        );
        assert_eq!(
            statuses[..2],
            [(first_seq, 1, 500), (first_seq, 2, 200)],
            "{backend:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_answering_410_is_disabled_its_message_is_a_dead_letter_and_the_tenant_is_told()
{
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let receiver = Receiver::start();
        let (gone, _) = endpoint(
            &app,
            &receiver,
            "gone",
            json!({ "event_types": ["session.started"], "contact_email": "ops@acme.example.com" }),
        )
        .await;
        id_of(&app.post_session("platform-setup", None).await);
        let mut view = Value::Null;
        for _ in 0..400 {
            view = app.get(&format!("/v1/webhook_endpoints/{gone}")).await.body;
            if view["status"] == "disabled" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(view["status"], "disabled", "{backend:?}: {view:?}");
        assert_eq!(view["disabled_reason"], "the endpoint answered 410 Gone");
        let told = app.get("/v1/events?type=webhook_endpoint.disabled").await;
        let told = told.body["data"].as_array().unwrap().clone();
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["data"]["object"]["id"], gone.as_str());
        // The endpoint's contact is mailed (the sandbox mailbox).
        let mut mails = Value::Null;
        for _ in 0..400 {
            mails = app
                .get("/v1/sandbox/mail?to=ops@acme.example.com")
                .await
                .body;
            if mails["data"].as_array().is_some_and(|m| !m.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let subject = mails["data"][0]["subject"].as_str().unwrap_or_default();
        assert!(
            subject.starts_with("Webhook endpoint disabled"),
            "{mails:?}"
        );
        let dead_letters = app
            .get(&format!(
                "/v1/webhook_endpoints/{gone}/messages?status=failed"
            ))
            .await;
        assert_eq!(
            dead_letters.body["data"].as_array().unwrap().len(),
            1,
            "{:?}",
            dead_letters.body
        );

        // Disabled, it gets no new message; enabled again, it does.
        id_of(&app.post_session("platform-setup", None).await);
        let all = app
            .get(&format!("/v1/webhook_endpoints/{gone}/messages"))
            .await;
        assert_eq!(
            all.body["data"].as_array().unwrap().len(),
            1,
            "{:?}",
            all.body
        );
        let r = app
            .patch(
                &format!("/v1/webhook_endpoints/{gone}"),
                &json!({ "enabled": true }),
            )
            .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("active")),
            "{:?}",
            r.body
        );
        assert_eq!(r.body["disabled_reason"], Value::Null);
        id_of(&app.post_session("platform-setup", None).await);
        let all = app
            .get(&format!("/v1/webhook_endpoints/{gone}/messages"))
            .await;
        assert_eq!(
            all.body["data"].as_array().unwrap().len(),
            2,
            "{:?}",
            all.body
        );
    }
}
