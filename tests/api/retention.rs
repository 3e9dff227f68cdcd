//! Retention (issue 11, item 7): what is kept only for a while (done jobs 7 days, idempotency
//! records 24 hours, stored provider webhooks and tenant-facing events 30 days, each
//! configurable) is deleted by the worker's sweep, and only that.

use onramp_tests::{backends, spawn_app_with};
use serde_json::json;

use crate::id_of;

const SECRET: &str = "whsec_retention";
const DAY: i64 = 24 * 3600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_deletes_done_jobs_old_idempotency_records_and_webhooks_past_their_time() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| {
            s.retention_jobs_days = 2;
            s.retention_webhooks_days = 3;
            s.retention_events_days = 4;
        })
        .await;
        // A session under a key, a verification whose code goes out (its delivery job done),
        // and a stored Stripe webhook.
        let body = json!({ "flow_id": "platform-setup" });
        let first = app.post_idempotent("/v1/sessions", "keep-1", &body).await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        let sid = id_of(&first);
        let verification = app
            .post(
                "/v1/verifications",
                &json!({ "phone": "+447911000961", "session_id": sid }),
            )
            .await;
        assert_eq!(verification.status, 201, "{:?}", verification.body);
        app.wait_for_code("+447911000961", 1).await;
        let put = app
            .put(
                "/v1/integrations/stripe",
                &json!({ "secret_key": "sk_test_onramp", "webhook_secret": SECRET }),
            )
            .await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        let event = json!({
            "id": "evt_retained", "object": "event", "api_version": "2024-06-20",
            "created": 1_700_000_000, "livemode": false, "pending_webhooks": 1,
            "data": {"object": {"id": "cus_x", "object": "customer"}}, "type": "customer.updated"
        })
        .to_string();
        let post_event = || async {
            let now = app.clock.now_unix();
            let signature = onramp_stripe::webhook::sign(event.as_bytes(), SECRET, now);
            let path = format!("/webhooks/stripe/{}", app.tenant_id);
            app.post_webhook(&path, &[("stripe-signature", &signature)], &event)
                .await
                .body["status"]
                .clone()
        };
        assert_eq!(post_event().await, "stored");

        // Nothing is past its time yet.
        let swept = app.sweeper.sweep().await.unwrap();
        assert_eq!(
            (swept.jobs, swept.idempotency, swept.webhooks),
            (0, 0, 0),
            "{backend:?}"
        );

        // A day and a bit: the idempotency record is gone (the key starts a new session).
        app.clock.advance(DAY + 60);
        let swept = app.sweeper.sweep().await.unwrap();
        assert_eq!(
            (swept.idempotency, swept.webhooks),
            (1, 0),
            "{backend:?}: {swept:?}"
        );
        let again = app.post_idempotent("/v1/sessions", "keep-1", &body).await;
        assert_eq!(again.status, 201, "{:?}", again.body);
        assert!(again.headers.get("idempotent-replayed").is_none());
        assert_ne!(again.body["id"], first.body["id"]);
        // The session itself, its events and its verification are kept.
        assert_eq!(app.get_session(&sid).await.status, 200);

        // Past two days the done jobs go; past three the webhook, which is then new again.
        app.clock.advance(DAY);
        // (The timers the first day made due may still be finishing on a loaded machine.)
        let mut jobs = 0;
        for _ in 0..100 {
            let swept = app.sweeper.sweep().await.unwrap();
            assert_eq!(swept.webhooks, 0, "{backend:?}: {swept:?}");
            jobs += swept.jobs;
            if jobs > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(jobs >= 1, "{backend:?}: no done job deleted");
        assert_eq!(post_event().await, "duplicate");
        app.clock.advance(DAY);
        let swept = app.sweeper.sweep().await.unwrap();
        assert_eq!(swept.webhooks, 1, "{backend:?}: {swept:?}");
        assert_eq!(post_event().await, "stored");
        assert_eq!(app.get_session(&sid).await.status, 200);

        // Past four days the first session's tenant-facing events go; the second's stay.
        let told = |session: String| {
            let app = &app;
            async move {
                let r = app.get(&format!("/v1/events?session_id={session}")).await;
                let data = r.body["data"].as_array().cloned().unwrap_or_default();
                data.iter()
                    .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        let again_id = id_of(&again);
        let before = told(sid.clone()).await;
        assert!(
            before.contains(&"session.started".to_owned()),
            "{backend:?}: {before:?}"
        );
        app.clock.advance(2 * DAY - 3_600);
        let swept = app.sweeper.sweep().await.unwrap();
        assert!(swept.tenant_events >= 2, "{backend:?}: {swept:?}");
        // What the first day told is gone (the code's expiry, told whenever its timer ran
        // after the clock moved, may be kept).
        let after = told(sid.clone()).await;
        assert!(
            after.iter().all(|t| t == "verification.expired"),
            "{backend:?}: {before:?} then {after:?}"
        );
        assert!(told(again_id).await.contains(&"session.started".to_owned()));
        assert_eq!(app.get_session(&sid).await.status, 200);
    }
}
