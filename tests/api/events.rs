//! Tenant-facing events (issue 12, item 1): every change a tenant cares about is an event
//! written in the same commit, exactly once, in order per session (P-EVT-1); personal data
//! masked unless asked for (P-EVT-2); another tenant's events are not found (P-TEN-1); the
//! catalogue is the OpenAPI document's `webhooks`.

use onramp_domain::app::events::CATALOGUE;
use onramp_tests::{TestApp, backends, spawn_app};
use serde_json::{Value, json};

use crate::trials::{session_at_trial, submit_card};
use crate::{assert_problem, id_of};

/// The events of `session`, oldest first, following the cursor two at a time.
async fn session_events(app: &TestApp, session: &str, extra: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = app
            .get(&format!(
                "/v1/events?session_id={session}&order=asc&limit=2{cursor}{extra}"
            ))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let page = r.body["data"].as_array().unwrap().clone();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
        cursor = format!("&cursor={}", r.body["next_cursor"].as_str().unwrap());
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_of_a_journey_is_told_once_in_order_with_personal_data_masked() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let sid = session_at_trial(&app, "+12025550160").await;
        let trial = submit_card(&app, &sid, "pm_card_visa", "owner@example.com").await;
        assert_eq!(trial.status, 200, "{:?}", trial.body);
        // A retried request replays its answer and tells nothing twice.
        let key = "events-pause-1";
        let path = format!("/v1/sessions/{sid}/pause");
        for _ in 0..2 {
            let r = app.post_idempotent(&path, key, &json!({})).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
        }

        let events = session_events(&app, &sid, "").await;
        assert_eq!(
            types(&events),
            [
                "session.started",
                "verification.sent",
                "verification.approved",
                "session.step_completed",
                "session.step_completed",
                "session.step_completed",
                "trial.started",
                "session.paused",
            ],
            "{events:#?}"
        );
        let sequences: Vec<u64> = events
            .iter()
            .map(|e| e["sequence"].as_u64().unwrap())
            .collect();
        assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
        let steps: Vec<&str> = events
            .iter()
            .filter(|e| e["type"] == "session.step_completed")
            .map(|e| e["data"]["step_id"].as_str().unwrap())
            .collect();
        // The approval completes the phone step; the client's own submission of it (as
        // `session_at_trial` does) is a second, later answer.
        assert_eq!(steps, ["phone", "phone", "business"]);
        for e in &events {
            assert_eq!(e["session_id"], sid.as_str(), "{e:?}");
            assert_eq!(e["tenant_id"], app.tenant_id.as_str(), "{e:?}");
            assert!(e["data"]["object"]["id"].is_string(), "{e:?}");
        }
        let paused = events.last().unwrap();
        assert_eq!(paused["data"]["object"]["status"], "paused", "{paused:?}");

        // P-EVT-2: masked by default, whole when asked for.
        let sent = &events[1];
        assert_eq!(sent["data"]["to"], "+120******60", "{sent:?}");
        assert_eq!(sent["data"]["object"]["phone"], "+120******60", "{sent:?}");
        let id = sent["id"].as_str().unwrap();
        let whole = app.get(&format!("/v1/events/{id}?include_pii=true")).await;
        assert_eq!(whole.status, 200, "{:?}", whole.body);
        assert_eq!(whole.body["data"]["to"], "+12025550160");
        let masked = app.get(&format!("/v1/events/{id}")).await;
        assert_eq!(masked.body, *sent);
        let unmasked = session_events(&app, &sid, "&include_pii=true").await;
        assert_eq!(unmasked[1]["data"]["to"], "+12025550160");

        // P-TEN-1: another tenant finds none of them.
        let (_, other) = app.create_tenant("Other").await;
        let r = app.get_as(&other, &format!("/v1/events/{id}")).await;
        assert_problem(&r, 404, "EVENT_NOT_FOUND");
        let r = app.get_as(&other, "/v1/events").await;
        assert_eq!(r.body["data"], json!([]), "{:?}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_filter_by_type_and_time_and_page_newest_first() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let mut sessions = Vec::new();
        for _ in 0..3 {
            sessions.push(id_of(&app.post_session("platform-setup", None).await));
        }
        let started = app.get("/v1/events?type=session.started&limit=2").await;
        assert_eq!(started.status, 200, "{:?}", started.body);
        let first: Vec<&str> = started.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["session_id"].as_str().unwrap())
            .collect();
        assert_eq!(first, [sessions[2].as_str(), sessions[1].as_str()]);
        let cursor = started.body["next_cursor"].as_str().unwrap();
        let rest = app
            .get(&format!(
                "/v1/events?type=session.started&limit=2&cursor={cursor}"
            ))
            .await;
        assert_eq!(rest.body["data"][0]["session_id"], sessions[0].as_str());
        assert_eq!(rest.body["next_cursor"], Value::Null, "{:?}", rest.body);

        let later = app
            .get("/v1/events?created_after=2999-01-01T00:00:00Z")
            .await;
        assert_eq!(later.body["data"], json!([]), "{:?}", later.body);
        let none = app.get("/v1/events?type=session.completed").await;
        assert_eq!(none.body["data"], json!([]), "{:?}", none.body);

        for bad in [
            "type=session.exploded",
            "order=sideways",
            "limit=0",
            "cursor=abc",
            "created_after=yesterday",
        ] {
            let r = app.get(&format!("/v1/events?{bad}")).await;
            assert_problem(&r, 400, "MALFORMED_REQUEST");
        }
        let r = app.get("/v1/events/not-an-id").await;
        assert_problem(&r, 404, "EVENT_NOT_FOUND");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_event_type_as_a_signed_webhook() {
    let app = spawn_app(backends()[0]).await;
    let doc = app.get_public("/openapi.json").await.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let webhooks = doc["webhooks"].as_object().unwrap();
    assert_eq!(webhooks.len(), CATALOGUE.len());
    for entry in CATALOGUE {
        let post = &webhooks[entry.name]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/EventView",
            "{}",
            entry.name
        );
        let headers: Vec<&str> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            headers,
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
    }
    assert!(doc["components"]["schemas"]["EventView"].is_object());
}
