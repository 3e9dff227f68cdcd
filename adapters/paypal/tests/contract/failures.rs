//! PayPal's refusals of a capture (not approved, instrument declined, unknown order), an id
//! PayPal could not have issued, retries with the same `PayPal-Request-Id`, a timeout, and
//! malformed answers.

use std::time::Duration;

use onramp_domain::ports::{OrderPayments, PaymentError, ProviderError};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    CAPTURE_PATH, ORDER_ID, capture_answered, completed_order, created, key, mount_capture,
    mount_create, new_order, orders,
};
use crate::common::*;

#[tokio::test]
async fn an_order_not_approved_is_refused() {
    let result = capture_answered(paypal_error(
        422,
        "UNPROCESSABLE_ENTITY",
        "ORDER_NOT_APPROVED",
        "Payer has not yet approved the Order for payment.",
    ))
    .await;
    assert!(
        matches!(&result, Err(PaymentError::Refused { code, .. }) if code == "ORDER_NOT_APPROVED"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_declined_instrument_is_a_card_decline() {
    let result = capture_answered(paypal_error(
        422,
        "UNPROCESSABLE_ENTITY",
        "INSTRUMENT_DECLINED",
        "The instrument presented  was either declined by the processor or bank, or it can't be used for this payment.",
    ))
    .await;
    assert!(
        matches!(&result, Err(PaymentError::CardDeclined { code, decline_code: None, message })
            if code == "INSTRUMENT_DECLINED" && message.contains("debug_id f3391198e4dae")),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_order_is_refused_with_paypals_name() {
    let result = capture_answered(
        ResponseTemplate::new(404).set_body_json(json!({
            "name": "RESOURCE_NOT_FOUND",
            "message": "The specified resource does not exist.",
            "debug_id": "a9ec2e7c2c5e0",
            "details": [{"issue": "INVALID_RESOURCE_ID",
                         "description": "Specified resource ID does not exist. Please check the resource ID and try again."}]
        })),
    )
    .await;
    assert!(
        matches!(&result, Err(PaymentError::Refused { code, .. }) if code == "INVALID_RESOURCE_ID"),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_id_paypal_could_not_have_issued_is_refused_without_a_request() {
    let server = MockServer::start().await;
    let result = orders(&server)
        .capture_order("5O1/../../v1/oauth2/token", &key("capture"))
        .await;
    assert!(
        matches!(&result, Err(PaymentError::Refused { code, .. }) if code == "INVALID_RESOURCE_ID"),
        "{result:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_capture(
        &server,
        ResponseTemplate::new(500).set_body_json(json!({
            "name": "INTERNAL_SERVER_ERROR",
            "message": "An internal server error occurred.",
            "debug_id": "90957fca61718"
        })),
        1,
    )
    .await;
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
    let attempts = received_on(&server, CAPTURE_PATH).await;
    assert_eq!(attempts.len(), 2);
    let ids: Vec<_> = attempts
        .iter()
        .map(|r| r.headers.get("paypal-request-id").unwrap().clone())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0].to_str().unwrap(), key("capture").as_str());
}

#[tokio::test]
async fn a_create_answered_500_then_201_is_retried_with_the_same_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_create(&server, TOKEN, ResponseTemplate::new(503), 1).await;
    mount_create(&server, TOKEN, created(), 1).await;
    orders(&server)
        .create_order(&new_order(None, None))
        .await
        .unwrap();
    let attempts = received_on(&server, "/v2/checkout/orders").await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[0].headers.get("paypal-request-id"),
        attempts[1].headers.get("paypal-request-id")
    );
}

#[tokio::test]
async fn a_timeout_is_unavailable() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    Mock::given(method("POST"))
        .and(path(CAPTURE_PATH))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(completed_order())
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let result = orders(&server)
        .capture_order(ORDER_ID, &key("capture"))
        .await;
    assert!(
        matches!(&result, Err(PaymentError::Provider(ProviderError::Unavailable { reason, .. }))
            if reason == "timeout"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_malformed_201_is_unexpected() {
    let result = capture_answered(
        ResponseTemplate::new(201).set_body_json(json!({"id": ORDER_ID, "status": "COMPLETED"})),
    )
    .await;
    assert!(
        matches!(&result, Err(PaymentError::Provider(ProviderError::Unexpected(e)))
            if e.to_string().contains("captures[0]")),
        "{result:?}"
    );

    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_create(
        &server,
        TOKEN,
        ResponseTemplate::new(201)
            .set_body_json(json!({"id": ORDER_ID, "status": "CREATED", "links": []})),
        1,
    )
    .await;
    let result = orders(&server).create_order(&new_order(None, None)).await;
    assert!(
        matches!(&result, Err(PaymentError::Provider(ProviderError::Unexpected(e)))
            if e.to_string().contains("approve")),
        "{result:?}"
    );
}
