//! A trial on Stripe (wiremock) kept current by Stripe's webhooks (issue 4, "Done when"):
//! replaying the whole event history shuffled and duplicated gives the same trial state as
//! delivering it once in order (P-WH-1 end to end, through signature checks, the inbox and the
//! processing jobs). A forged or stale event is refused with STRIPE_WEBHOOK_FAILED.

use std::time::Duration;

use onramp_tests::{Backend, TestApp, spawn_app};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::assert_problem;
use crate::trials::session_at_trial;

const SECRET: &str = "whsec_test_onramp_history";
const SUBSCRIPTION: &str = "sub_1MowQVLkdIwHu7ixeRlqHVzs";
const DAY: i64 = 86_400;

async fn stripe_mock() -> MockServer {
    let server = MockServer::start().await;
    let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(ok(json!({
            "id": "cus_NffrFeUfNV2Hib", "object": "customer", "email": "h@example.com",
            "created": 1680893993, "livemode": false, "metadata": {}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/payment_methods/[A-Za-z0-9_]+/attach$"))
        .respond_with(ok(json!({
            "id": "pm_1MqM05LkdIwHu7ixlDxxO6Mc", "object": "payment_method", "type": "card",
            "card": {"brand": "visa", "last4": "4242", "fingerprint": "mToisGZ01V71BCos",
                     "exp_month": 8, "exp_year": 2027, "country": "US", "funding": "credit"},
            "customer": "cus_NffrFeUfNV2Hib", "created": 1679945299, "livemode": false, "metadata": {}
        })))
        .mount(&server)
        .await;
    let intent = |status: &str| {
        json!({
            "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "object": "payment_intent", "amount": 100,
            "capture_method": "manual", "currency": "usd", "customer": "cus_NffrFeUfNV2Hib",
            "payment_method": "pm_1MqM05LkdIwHu7ixlDxxO6Mc", "status": status,
            "created": 1680800504, "livemode": false, "metadata": {}
        })
    };
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ok(intent("requires_capture")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/payment_intents/[A-Za-z0-9_]+/cancel$"))
        .respond_with(ok(intent("canceled")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ok(subscription("trialing")))
        .mount(&server)
        .await;
    server
}

fn subscription(status: &str) -> Value {
    json!({
        "id": SUBSCRIPTION, "object": "subscription", "status": status,
        "customer": "cus_NffrFeUfNV2Hib", "default_payment_method": "pm_1MqM05LkdIwHu7ixlDxxO6Mc",
        "created": 1680800504, "trial_start": 1680800504, "trial_end": 1681405304,
        "cancel_at_period_end": false, "livemode": false, "metadata": {},
        "trial_settings": {"end_behavior": {"missing_payment_method": "cancel"}}
    })
}

fn invoice(reason: &str, paid: i64) -> Value {
    json!({
        "id": "in_1MowQWLkdIwHu7ixuzkSPfKd", "object": "invoice", "subscription": SUBSCRIPTION,
        "customer": "cus_NffrFeUfNV2Hib", "billing_reason": reason, "amount_paid": paid,
        "status": "paid", "livemode": false
    })
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    json!({
        "id": id, "object": "event", "api_version": "2024-06-20", "created": created,
        "data": {"object": object}, "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null}, "type": kind
    })
    .to_string()
}

/// A trial's whole history at Stripe: created, trial_will_end three days before the end, the
/// $0 first invoice, then the conversion at the end.
fn history(start: i64) -> Vec<String> {
    let end = start + 7 * DAY;
    vec![
        event(
            "evt_1",
            "customer.subscription.created",
            start + 1,
            subscription("trialing"),
        ),
        event(
            "evt_2",
            "invoice.paid",
            start + 1,
            invoice("subscription_create", 0),
        ),
        event(
            "evt_3",
            "customer.subscription.trial_will_end",
            end - 3 * DAY,
            subscription("trialing"),
        ),
        event(
            "evt_4",
            "customer.subscription.updated",
            end,
            subscription("active"),
        ),
        event(
            "evt_5",
            "invoice.paid",
            end,
            invoice("subscription_cycle", 1000),
        ),
    ]
}

async fn post_event(app: &TestApp, body: &str, signature: &str) -> onramp_tests::Reply {
    app.post_webhook(
        &format!("/webhooks/stripe/{}", app.tenant_id),
        &[("stripe-signature", signature)],
        body,
    )
    .await
}

/// A server whose tenant runs its trials on the Stripe mock; the trial started.
async fn started_trial(stripe: &MockServer) -> (TestApp, String) {
    let app = spawn_app(Backend::Sqlite).await;
    let put = app
        .put(
            "/v1/integrations/stripe",
            &json!({ "secret_key": "sk_test_onramp", "webhook_secret": SECRET, "base_url": stripe.uri() }),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let sid = session_at_trial(&app, "+12025550150").await;
    let r = app
        .post(
            &format!("/v1/sessions/{sid}/trial"),
            &json!({ "payment_method": "pm_card_visa", "email": "h@example.com" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "trialing");
    (app, r.body["id"].as_str().unwrap().to_string())
}

/// The trial as shown, without what differs between two trials by nature (ids, times).
async fn comparable(app: &TestApp, trial: &str) -> Value {
    let mut t = app.get(&format!("/v1/trials/{trial}")).await.body;
    for key in ["id", "session_id", "started_at", "ends_at", "customer_id"] {
        let present = !t[key].is_null();
        t[key] = json!(present);
    }
    t
}

async fn settle(app: &TestApp, trial: &str) -> Value {
    // The inbox processes stored events in the background: wait until the view stops moving.
    let mut last = Value::Null;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = comparable(app, trial).await;
        if now == last && now["status"] == "active" {
            return now;
        }
        last = now;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shuffled_and_duplicated_stripe_history_gives_the_same_trial_as_in_order() {
    let stripe = stripe_mock().await;
    let start = time::OffsetDateTime::now_utc().unix_timestamp();
    let events = history(start);

    let (in_order, first) = started_trial(&stripe).await;
    for body in &events {
        let now = in_order.clock.now_unix();
        let sig = onramp_stripe::webhook::sign(body.as_bytes(), SECRET, now);
        let r = post_event(&in_order, body, &sig).await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("stored")),
            "{:?}",
            r.body
        );
    }
    let expected = settle(&in_order, &first).await;
    assert_eq!(expected["status"], "active", "{expected:?}");
    assert_eq!(expected["reminder_sent"], true);
    assert_eq!(expected["customer_id"], true);

    let (shuffled, second) = started_trial(&stripe).await;
    // The conversion first, then newest first twice: every event at least twice, and the last
    // to arrive is the oldest (`trialing`), so arrival order would end trialing.
    let mut replay: Vec<&String> = vec![&events[3]];
    replay.extend(events.iter().rev());
    replay.extend(events.iter().rev());
    for body in replay {
        let now = shuffled.clock.now_unix();
        let sig = onramp_stripe::webhook::sign(body.as_bytes(), SECRET, now);
        let r = post_event(&shuffled, body, &sig).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    assert_eq!(settle(&shuffled, &second).await, expected);
    let accounts = shuffled.get("/v1/customers").await.body;
    assert_eq!(
        accounts["data"].as_array().unwrap().len(),
        1,
        "{accounts:?}"
    );

    // A forged signature, and a stale one, are refused and change nothing.
    let forged = event(
        "evt_9",
        "customer.subscription.updated",
        start + 8 * DAY,
        subscription("canceled"),
    );
    let now = shuffled.clock.now_unix();
    let bad = onramp_stripe::webhook::sign(forged.as_bytes(), "whsec_not_the_secret", now);
    assert_problem(
        &post_event(&shuffled, &forged, &bad).await,
        401,
        "STRIPE_WEBHOOK_FAILED",
    );
    let stale = onramp_stripe::webhook::sign(forged.as_bytes(), SECRET, now - 301);
    assert_problem(
        &post_event(&shuffled, &forged, &stale).await,
        401,
        "STRIPE_WEBHOOK_FAILED",
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(comparable(&shuffled, &second).await["status"], "active");
}
