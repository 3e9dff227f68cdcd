//! Orders on PayPal (wiremock): PayPal's answers, the tenant's PayPal integration and its signed
//! webhooks; 20 concurrent captures and a doubled `PAYMENT.CAPTURE.COMPLETED` open exactly one
//! account, and a forged webhook is refused.

use onramp_tests::{TestApp, backends, spawn_app};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{accounts_of, futures_join, purchase_session};
use crate::assert_problem;

const PAYPAL_ORDER: &str = "5O190127TN364715T";
pub(super) const CAPTURE_ID: &str = "3C679366HH908993F";

/// PayPal's order, as created and as captured (shapes of PayPal's Orders v2 answers).
fn created_order() -> Value {
    json!({
        "id": PAYPAL_ORDER,
        "intent": "CAPTURE",
        "status": "CREATED",
        "links": [
            {"href": format!("https://api-m.paypal.com/v2/checkout/orders/{PAYPAL_ORDER}"), "rel": "self", "method": "GET"},
            {"href": format!("https://www.paypal.com/checkoutnow?token={PAYPAL_ORDER}"), "rel": "approve", "method": "GET"},
            {"href": format!("https://api-m.paypal.com/v2/checkout/orders/{PAYPAL_ORDER}/capture"), "rel": "capture", "method": "POST"}
        ]
    })
}

fn captured_order() -> Value {
    json!({
        "id": PAYPAL_ORDER,
        "status": "COMPLETED",
        "purchase_units": [{
            "reference_id": "ref",
            "payments": {"captures": [{
                "id": CAPTURE_ID,
                "status": "COMPLETED",
                "amount": {"currency_code": "USD", "value": "49.00"},
                "final_capture": true,
                "create_time": "2026-11-21T10:05:00Z",
                "update_time": "2026-11-21T10:05:00Z"
            }]}
        }],
        "payer": {"email_address": "buyer@example.com", "payer_id": "QYR5Z8XDVJNXQ"},
        "links": []
    })
}

fn capture_completed_event() -> Value {
    json!({
        "id": "WH-58D329510W468432D-8HN650336L201105X",
        "event_version": "1.0",
        "create_time": "2026-11-21T10:05:01.940Z",
        "resource_type": "capture",
        "resource_version": "2.0",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "summary": "Payment completed for $ 49.0 USD",
        "resource": {
            "id": CAPTURE_ID,
            "amount": {"currency_code": "USD", "value": "49.00"},
            "final_capture": true,
            "status": "COMPLETED",
            "supplementary_data": {"related_ids": {"order_id": PAYPAL_ORDER}},
            "create_time": "2026-11-21T10:05:00Z",
            "update_time": "2026-11-21T10:05:00Z",
            "links": [
                {"href": format!("https://api.paypal.com/v2/payments/captures/{CAPTURE_ID}"), "rel": "self", "method": "GET"},
                {"href": format!("https://api.paypal.com/v2/checkout/orders/{PAYPAL_ORDER}"), "rel": "up", "method": "GET"}
            ]
        },
        "links": []
    })
}

pub(super) async fn paypal_mock() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": "A21AAFakeToken",
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": 32400,
            "nonce": "2026-11-21T10:00:00Z"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/checkout/orders"))
        .respond_with(ResponseTemplate::new(201).set_body_json(created_order()))
        .mount(&server)
        .await;
    // PayPal-Request-Id makes every capture call answer the one capture.
    Mock::given(method("POST"))
        .and(path_regex(r"^/v2/checkout/orders/[A-Z0-9]+/capture$"))
        .respond_with(ResponseTemplate::new(201).set_body_json(captured_order()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/notifications/verify-webhook-signature"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "verification_status": "SUCCESS" })),
        )
        .mount(&server)
        .await;
    server
}

/// The tenant's PayPal integration, on the mock, with webhooks verified online.
pub(super) async fn connect_paypal(app: &TestApp, paypal: &MockServer) {
    let put = app
        .put(
            "/v1/integrations/paypal",
            &json!({
                "client_id": "AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS",
                "client_secret": "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL",
                "webhook_id": "1JE4291016473214C",
                "webhook_verification": "online",
                "base_url": paypal.uri(),
            }),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
}

pub(super) async fn post_paypal_webhook(app: &TestApp, body: &str) -> onramp_tests::Reply {
    app.post_webhook(
        &format!("/webhooks/paypal/{}", app.tenant_id),
        &[
            (
                "paypal-transmission-id",
                "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
            ),
            ("paypal-transmission-time", "2026-11-21T10:05:02Z"),
            ("paypal-transmission-sig", "c2lnbmF0dXJl"),
            (
                "paypal-cert-url",
                "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
            ),
            ("paypal-auth-algo", "SHA256withRSA"),
        ],
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_captures_and_a_doubled_capture_webhook_open_exactly_one_account() {
    for backend in backends() {
        let paypal = paypal_mock().await;
        let app = spawn_app(backend).await;
        connect_paypal(&app, &paypal).await;
        let sid = purchase_session(&app).await;
        let created = app.post("/v1/orders", &json!({ "session_id": sid })).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["provider"], "paypal");
        assert_eq!(created.body["provider_order_id"], PAYPAL_ORDER);
        assert_eq!(
            created.body["approve_url"],
            format!("https://www.paypal.com/checkoutnow?token={PAYPAL_ORDER}")
        );
        let id = created.body["id"].as_str().unwrap().to_string();

        let event = capture_completed_event().to_string();
        let captures = futures_join(&app, &id, 20);
        let hooks = futures::future::join(
            post_paypal_webhook(&app, &event),
            post_paypal_webhook(&app, &event),
        );
        let (captures, (first, second)) = futures::future::join(captures, hooks).await;
        for c in &captures {
            assert_eq!(c.status, 200, "{:?}", c.body);
            assert_eq!(c.body["status"], "captured", "{:?}", c.body);
        }
        let mut acks = [
            first.body["status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            second.body["status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ];
        acks.sort();
        assert_eq!(acks, ["duplicate", "stored"], "{first:?} {second:?}");

        // Let the stored webhook be processed, then count.
        tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
        let accounts = accounts_of(&app, &sid).await;
        assert_eq!(accounts.len(), 1, "{accounts:?}");
        assert_eq!(accounts[0]["status"], "active");
        assert_eq!(accounts[0]["plan"], "receptionist_pro");
        let order = app.get(&format!("/v1/orders/{id}")).await.body;
        assert_eq!(order["status"], "captured");
        assert_eq!(order["capture_id"], CAPTURE_ID);
        assert_eq!(
            order["captured_amount"],
            json!({ "amount": 4900, "currency": "USD" })
        );
        assert_eq!(order["customer_id"], accounts[0]["id"]);
        // Every capture call carried the same PayPal-Request-Id.
        let ids: std::collections::BTreeSet<String> = paypal
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().ends_with("/capture"))
            .map(|r| r.headers["paypal-request-id"].to_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 1, "{ids:?}");

        // A forged webhook (PayPal says FAILURE) is refused and stores nothing.
        paypal.reset().await;
        Mock::given(method("POST"))
            .and(path("/v1/notifications/verify-webhook-signature"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "verification_status": "FAILURE" })),
            )
            .mount(&paypal)
            .await;
        Mock::given(method("POST"))
            .and(path("/v1/oauth2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "A21AAFakeToken", "token_type": "Bearer", "expires_in": 32400
            })))
            .mount(&paypal)
            .await;
        let forged = post_paypal_webhook(&app, &event.replace("WH-58D", "WH-99D")).await;
        assert_problem(&forged, 401, "WEBHOOK_SIGNATURE_INVALID");
    }
}
