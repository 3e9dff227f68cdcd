//! `PaypalOrders` against a wiremock PayPal: the OAuth2 token's life, create, capture (also of
//! an order captured already), PayPal's refusals, retries with the same `PayPal-Request-Id`,
//! timeouts and malformed answers. Every outbound Orders request is snapshotted and checked
//! against `../shared/provider-specs/paypal.json`.
//!
//! Answers are shaped like PayPal's: the `order` schema of the description and the samples of
//! doc https://developer.paypal.com/docs/api/orders/v2/ (order `5O190127TN364715T`, capture
//! `3C679366HH908993F`), errors as the `error` schema with the issues of `orders.capture-422`.
//!
//! This file holds the helpers and the successful creates and captures; `token` holds the
//! token's life and the health check, `failures` the refusals, retries, timeouts and malformed
//! answers.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "contract/failures.rs"]
mod failures;
#[path = "contract/token.rs"]
mod token;

use common::*;
use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{CaptureStatus, IdempotencyKey, NewOrder, OrderPayments, PaymentError};
use onramp_paypal::PaypalOrders;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORDER_ID: &str = "5O190127TN364715T";
const CAPTURE_PATH: &str = "/v2/checkout/orders/5O190127TN364715T/capture";
const ORDER_PATH: &str = "/v2/checkout/orders/5O190127TN364715T";

fn orders(server: &MockServer) -> PaypalOrders {
    PaypalOrders::new(&credentials(), fast_settings(server)).unwrap()
}

fn key(operation: &str) -> IdempotencyKey {
    let tenant = TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap();
    IdempotencyKey::derive(tenant, "order-7f3a", 1, operation)
}

fn new_order(return_url: Option<&str>, cancel_url: Option<&str>) -> NewOrder {
    NewOrder {
        tenant: TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap(),
        order_ref: "0192a3b4-0000-7000-8000-00000000beef".into(),
        plan: "pro".into(),
        amount: Money::new(1234, "USD").unwrap(),
        return_url: return_url.map(str::to_string),
        cancel_url: cancel_url.map(str::to_string),
        key: key("create"),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The create answer with `return=representation`: status CREATED and the approve link.
fn created() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "id": ORDER_ID,
        "intent": "CAPTURE",
        "status": "CREATED",
        "purchase_units": [{
            "reference_id": "0192a3b4-0000-7000-8000-00000000beef",
            "amount": {"currency_code": "USD", "value": "12.34"},
            "payee": {"email_address": "merchant@example.com", "merchant_id": "C7CYMKZDG8D6E"},
            "description": "pro",
            "custom_id": "0192a3b4-0000-7000-8000-00000000beef"
        }],
        "create_time": "2026-11-21T10:00:00Z",
        "links": [
            {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "self", "method": "GET"},
            {"href": "https://www.paypal.com/checkoutnow?token=5O190127TN364715T", "rel": "approve", "method": "GET"},
            {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "update", "method": "PATCH"},
            {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T/capture", "rel": "capture", "method": "POST"}
        ]
    }))
}

/// The create answer when the order carries `payment_source.paypal.experience_context`.
fn payer_action_required() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": ORDER_ID,
        "status": "PAYER_ACTION_REQUIRED",
        "payment_source": {"paypal": {}},
        "links": [
            {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "self", "method": "GET"},
            {"href": "https://www.paypal.com/checkoutnow?token=5O190127TN364715T", "rel": "payer-action", "method": "GET"}
        ]
    }))
}

/// A completed order with its capture, as the capture (`return=representation`) and
/// `GET /v2/checkout/orders/{id}` answer it.
fn completed_order() -> serde_json::Value {
    json!({
        "id": ORDER_ID,
        "status": "COMPLETED",
        "payment_source": {"paypal": {"name": {"given_name": "John", "surname": "Doe"},
            "email_address": "customer@example.com", "account_id": "QYR5Z8XDVJNXQ"}},
        "purchase_units": [{
            "reference_id": "0192a3b4-0000-7000-8000-00000000beef",
            "payments": {"captures": [{
                "id": "3C679366HH908993F",
                "status": "COMPLETED",
                "amount": {"currency_code": "USD", "value": "12.34"},
                "seller_protection": {"status": "ELIGIBLE",
                    "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"]},
                "final_capture": true,
                "disbursement_mode": "INSTANT",
                "seller_receivable_breakdown": {
                    "gross_amount": {"currency_code": "USD", "value": "12.34"},
                    "paypal_fee": {"currency_code": "USD", "value": "0.92"},
                    "net_amount": {"currency_code": "USD", "value": "11.42"}
                },
                "create_time": "2026-11-21T10:05:00Z",
                "update_time": "2026-11-21T10:05:00Z",
                "links": [
                    {"href": "https://api-m.paypal.com/v2/payments/captures/3C679366HH908993F", "rel": "self", "method": "GET"},
                    {"href": "https://api-m.paypal.com/v2/payments/captures/3C679366HH908993F/refund", "rel": "refund", "method": "POST"},
                    {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "up", "method": "GET"}
                ]
            }]}
        }],
        "payer": {"name": {"given_name": "John", "surname": "Doe"},
            "email_address": "customer@example.com", "payer_id": "QYR5Z8XDVJNXQ"},
        "links": [{"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "self", "method": "GET"}]
    })
}

async fn mount_create(server: &MockServer, token: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v2/checkout/orders"))
        .and(header("authorization", bearer(token).as_str()))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

async fn mount_capture(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(CAPTURE_PATH))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("paypal-request-id", key("capture").as_str()))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

async fn capture_answered(
    answer: ResponseTemplate,
) -> Result<onramp_domain::ports::CaptureInfo, PaymentError> {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_capture(&server, answer, 1).await;
    orders(&server)
        .capture_order(ORDER_ID, &key("capture"))
        .await
}

#[tokio::test]
async fn creating_an_order_answers_its_approve_link() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    Mock::given(method("POST"))
        .and(path("/v2/checkout/orders"))
        .and(header("paypal-request-id", key("create").as_str()))
        .and(header("prefer", "return=representation"))
        .and(body_json(json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": "0192a3b4-0000-7000-8000-00000000beef",
                "custom_id": "0192a3b4-0000-7000-8000-00000000beef",
                "description": "pro",
                "amount": {"currency_code": "USD", "value": "12.34"}
            }]
        })))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;
    let order = orders(&server)
        .create_order(&new_order(None, None))
        .await
        .unwrap();
    assert_eq!(order.provider_order, ORDER_ID);
    assert_eq!(
        order.approve_url,
        "https://www.paypal.com/checkoutnow?token=5O190127TN364715T"
    );
    snapshot(
        "create_order",
        &received_on(&server, "/v2/checkout/orders").await[0],
    );
}

#[tokio::test]
async fn return_urls_go_in_the_experience_context_and_the_payer_action_link_is_answered() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_create(&server, TOKEN, payer_action_required(), 1).await;
    let order = orders(&server)
        .create_order(&new_order(
            Some("https://onramp.example/s/abc/paypal/return"),
            Some("https://onramp.example/s/abc/paypal/cancel"),
        ))
        .await
        .unwrap();
    assert_eq!(
        order.approve_url,
        "https://www.paypal.com/checkoutnow?token=5O190127TN364715T"
    );
    let request = &received_on(&server, "/v2/checkout/orders").await[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body["payment_source"]["paypal"]["experience_context"],
        json!({"return_url": "https://onramp.example/s/abc/paypal/return",
               "cancel_url": "https://onramp.example/s/abc/paypal/cancel"})
    );
    snapshot("create_order_with_return_urls", request);
}

#[tokio::test]
async fn capturing_an_approved_order_answers_its_capture() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_capture(
        &server,
        ResponseTemplate::new(201).set_body_json(completed_order()),
        1,
    )
    .await;
    let capture = orders(&server)
        .capture_order(ORDER_ID, &key("capture"))
        .await
        .unwrap();
    assert_eq!(capture.capture_id, "3C679366HH908993F");
    assert_eq!(capture.status, CaptureStatus::Completed);
    assert_eq!(capture.amount, Money::new(1234, "USD").unwrap());
    assert_eq!(capture.payer_email.as_deref(), Some("customer@example.com"));
    snapshot(
        "capture_order",
        &received_on(&server, CAPTURE_PATH).await[0],
    );
}

#[tokio::test]
async fn an_order_captured_already_answers_the_capture_read_back() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_capture(
        &server,
        paypal_error(
            422,
            "UNPROCESSABLE_ENTITY",
            "ORDER_ALREADY_CAPTURED",
            "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
        ),
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(ORDER_PATH))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(completed_order()))
        .expect(1)
        .mount(&server)
        .await;
    let capture = orders(&server)
        .capture_order(ORDER_ID, &key("capture"))
        .await
        .unwrap();
    assert_eq!(capture.capture_id, "3C679366HH908993F");
    assert_eq!(capture.status, CaptureStatus::Completed);
    snapshot("get_order", &received_on(&server, ORDER_PATH).await[0]);
}
