//! Listing sessions (filters, cursor pagination, tenant isolation) and the audit trail.

use std::collections::BTreeSet;

use onramp_tests::{TestApp, backends, spawn_app};
use serde_json::{Value, json};

use crate::{assert_problem, id_of};

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn list(app: &TestApp, query: &str) -> Value {
    let r = app.list_sessions(query).await;
    assert_eq!(r.status, 200, "{query}: {:?}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_newest_first_filtered_and_paged_without_duplicates() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let mut created = Vec::new();
        for flow in [
            "conversational-profile",
            "platform-setup",
            "conversational-profile",
            "platform-setup",
            "conversational-profile",
        ] {
            created.push(id_of(&app.post_session(flow, None).await));
        }
        let abandoned = app.post_session_action(&created[2], "abandon").await;
        assert_eq!(
            (abandoned.status, abandoned.body["status"].as_str()),
            (200, Some("abandoned")),
            "{:?}",
            abandoned.body
        );
        let newest_first: Vec<String> = created.iter().rev().cloned().collect();

        let all = list(&app, "").await;
        assert_eq!(ids(&all), newest_first);
        assert!(all["next_cursor"].is_null());

        let filtered = list(&app, "flow_id=platform-setup").await;
        assert_eq!(ids(&filtered), [created[3].clone(), created[1].clone()]);
        assert!(
            filtered["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["flow_id"] == "platform-setup")
        );
        assert_eq!(
            ids(&list(&app, "status=abandoned").await),
            [created[2].clone()]
        );
        assert_eq!(
            ids(&list(&app, "status=active&flow_id=conversational-profile").await),
            [created[4].clone(), created[0].clone()]
        );
        assert!(ids(&list(&app, "status=completed").await).is_empty());
        assert!(ids(&list(&app, "flow_id=no-such-flow").await).is_empty());

        // Pages of two: 2 + 2 + 1, in order, no duplicates, no cursor after the last.
        let mut paged = Vec::new();
        let mut query = "limit=2".to_string();
        for page_no in 1..=3 {
            let page = list(&app, &query).await;
            let page_ids = ids(&page);
            assert_eq!(
                page_ids.len(),
                if page_no < 3 { 2 } else { 1 },
                "page {page_no}: {page:?}"
            );
            paged.extend(page_ids);
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    assert!(page_no < 3, "a cursor after the last page");
                    query = format!("limit=2&cursor={}", urlencode(cursor));
                }
                None => assert_eq!(page_no, 3, "no cursor before the last page"),
            }
        }
        assert_eq!(paged, newest_first);
        assert_eq!(paged.iter().collect::<BTreeSet<_>>().len(), 5);

        // A filter holds across pages.
        let first = list(&app, "flow_id=conversational-profile&limit=2").await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = list(
            &app,
            &format!(
                "flow_id=conversational-profile&limit=2&cursor={}",
                urlencode(cursor)
            ),
        )
        .await;
        assert_eq!(
            [ids(&first), ids(&second)].concat(),
            [created[4].clone(), created[2].clone(), created[0].clone()]
        );

        for bad in ["limit=0", "limit=101", "status=sleeping", "colour=blue"] {
            assert_problem(&app.list_sessions(bad).await, 400, "MALFORMED_REQUEST");
        }
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_lists_only_its_own_sessions() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let mine = id_of(&app.post_session("platform-setup", None).await);
        let (_, other) = app.create_tenant("globex").await;
        let theirs_reply = app
            .post_as(
                &other,
                "/v1/sessions",
                &json!({ "flow_id": "platform-setup" }),
            )
            .await;
        let theirs = id_of(&theirs_reply);

        assert_eq!(ids(&list(&app, "").await), std::slice::from_ref(&mine));
        let r = app.get_as(&other, "/v1/sessions").await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(ids(&r.body), [theirs]);
        let r = app
            .get_as(&other, "/v1/sessions?flow_id=platform-setup&status=active")
            .await;
        assert!(!ids(&r.body).contains(&mine));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_lists_every_event_of_a_session_in_order() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let sid = id_of(&app.post_session("conversational-profile", None).await);
        assert_eq!(
            app.submit_step(&sid, "welcome", json!({ "choice": "general_info" }))
                .await
                .status,
            200
        );
        assert_eq!(app.post_session_action(&sid, "pause").await.status, 200);
        assert_eq!(app.post_session_action(&sid, "resume").await.status, 200);
        let reason = json!({ "reason": "changed my mind" });
        assert_eq!(
            app.post(&format!("/v1/sessions/{sid}/abandon"), &reason)
                .await
                .status,
            200
        );
        // Refused commands record nothing.
        assert_eq!(app.post_session_action(&sid, "resume").await.status, 409);

        let trail = app.get_session_events(&sid).await;
        assert_eq!(trail.status, 200, "{:?}", trail.body);
        let events = trail.body["data"].as_array().unwrap();
        let versions: Vec<u64> = events
            .iter()
            .map(|e| e["version"].as_u64().unwrap())
            .collect();
        assert_eq!(versions, [1, 2, 3, 4, 5]);
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        insta::assert_json_snapshot!("audit_trail_types", types);
        assert_eq!(
            events[1]["data"]["answers"],
            json!({ "choice": "general_info" })
        );
        assert!(events.iter().all(|e| e["recorded_at"].is_string()));

        let later = app
            .get(&format!("/v1/sessions/{sid}/events?after=2&limit=2"))
            .await;
        let versions: Vec<u64> = later.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_u64().unwrap())
            .collect();
        assert_eq!(versions, [3, 4]);
    }
}
