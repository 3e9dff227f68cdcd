//! At most 5 code sends per phone number per rolling hour per tenant, even under concurrency.

use std::time::Duration;

use futures::future::join_all;
use onramp_tests::{Reply, TestApp, backends, spawn_app};
use serde_json::json;

use crate::assert_problem;

/// Waits (up to 10 s) until the sandbox holds `count` messages for `phone`, then a little longer
/// to see that no more arrive; returns them.
async fn settled_inbox(app: &TestApp, phone: &str, count: usize) -> Vec<serde_json::Value> {
    for _ in 0..400 {
        if app.sandbox_messages(phone).await.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.sandbox_messages(phone).await
}

#[track_caller]
fn assert_rate_limited(r: &Reply) {
    assert_problem(r, 429, "RATE_LIMITED");
    let retry_after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert_eq!(r.body["retry_after_seconds"], retry_after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_send_requests_for_one_phone_number_give_exactly_five_sends_and_forty_five_rate_limited()
 {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000701";
        let replies = join_all((0..50).map(|_| app.start_verification(phone, None))).await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
        let others: Vec<_> = replies
            .iter()
            .filter(|r| r.status != 201 && r.status != 429)
            .map(|r| (r.status, &r.body))
            .collect();
        assert_eq!(
            (created, limited.len()),
            (5, 45),
            "other answers: {others:?}"
        );
        limited.iter().for_each(|r| assert_rate_limited(r));
        insta::assert_json_snapshot!("rate_limited", limited[0].body, { ".detail" => "[detail]", ".retry_after_seconds" => "[s]" });

        let inbox = settled_inbox(&app, phone, 5).await;
        assert_eq!(inbox.len(), 5, "{inbox:?}");
        assert!(
            inbox.iter().all(|m| m["status"] == "delivered"),
            "{inbox:?}"
        );

        // Another phone of the same tenant still gets its code.
        let reply = app.start_verification("+447911000702", None).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        // A sixth send is refused, sequentially too.
        assert_rate_limited(&app.start_verification(phone, None).await);

        // Another tenant's sends to the same phone are counted apart.
        let (_, other) = app.create_tenant("globex").await;
        for _ in 0..5 {
            let reply = app
                .post_as(&other, "/v1/verifications", &json!({ "phone": phone }))
                .await;
            assert_eq!(reply.status, 201, "{:?}", reply.body);
        }
        assert_rate_limited(
            &app.post_as(&other, "/v1/verifications", &json!({ "phone": phone }))
                .await,
        );
        assert_eq!(
            settled_inbox(&app, phone, 5).await.len(),
            5,
            "the first tenant's inbox holds only its own sends"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_may_be_sent_codes_again_once_the_hour_has_passed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000801";
        for _ in 0..5 {
            let reply = app.start_verification(phone, None).await;
            assert_eq!(reply.status, 201, "{:?}", reply.body);
        }
        let limited = app.start_verification(phone, None).await;
        assert_rate_limited(&limited);
        assert_eq!(settled_inbox(&app, phone, 5).await.len(), 5);

        app.clock.advance(3601);
        let reply = app.start_verification(phone, None).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        assert_eq!(reply.body["sends_remaining"], 4);
        app.wait_for_code(phone, 6).await;
    }
}
