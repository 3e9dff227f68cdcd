//! The OAuth2 token's life: fetched once and shared, not kept within the safety margin, dropped
//! on a 401 (one new attempt only), refused client credentials; and the health check, which
//! fetches a fresh token each time.

use std::time::Duration;

use onramp_domain::ports::{OrderPayments, PaymentError, ProviderError};
use onramp_provider_kit::testing::request_snapshot;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{ORDER_ID, created, mount_create, new_order, orders};
use crate::common::*;

#[tokio::test]
async fn the_token_is_fetched_once_and_reused_for_two_calls() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_create(&server, TOKEN, created(), 2).await;
    let paypal = orders(&server);
    paypal.create_order(&new_order(None, None)).await.unwrap();
    paypal.create_order(&new_order(None, None)).await.unwrap();

    let token_requests = received_on(&server, "/v1/oauth2/token").await;
    assert_eq!(token_requests.len(), 1);
    let value = request_snapshot("paypal", &token_requests[0], &[]);
    snapshot_unchecked("token", value);
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(TOKEN, 32400).set_delay(Duration::from_millis(150)),
        1,
    )
    .await;
    mount_create(&server, TOKEN, created(), 2).await;
    let paypal = orders(&server);
    let (one, two) = (new_order(None, None), new_order(None, None));
    let (first, second) = tokio::join!(paypal.create_order(&one), paypal.create_order(&two));
    assert!(first.is_ok() && second.is_ok(), "{first:?} {second:?}");
}

#[tokio::test]
async fn a_token_expiring_within_the_safety_margin_is_not_kept() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 60), 2).await;
    mount_create(&server, TOKEN, created(), 2).await;
    let paypal = orders(&server);
    paypal.create_order(&new_order(None, None)).await.unwrap();
    paypal.create_order(&new_order(None, None)).await.unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_call_is_sent_again_with_a_new_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .respond_with(token_answer("A21AA-revoked", 32400))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_create(&server, "A21AA-revoked", authentication_failure(), 1).await;
    mount_create(&server, TOKEN, created(), 2).await;
    let paypal = orders(&server);
    let order = paypal.create_order(&new_order(None, None)).await.unwrap();
    assert_eq!(order.provider_order, ORDER_ID);
    // The new token is kept for the next call.
    paypal.create_order(&new_order(None, None)).await.unwrap();
}

#[tokio::test]
async fn a_second_401_is_unauthorized_without_a_third_attempt() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 2).await;
    mount_create(&server, TOKEN, authentication_failure(), 2).await;
    let result = orders(&server).create_order(&new_order(None, None)).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Provider(ProviderError::Unauthorized { .. }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn refused_client_credentials_are_unauthorized() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
        ),
        1,
    )
    .await;
    let result = orders(&server).create_order(&new_order(None, None)).await;
    assert!(
        matches!(&result, Err(PaymentError::Provider(ProviderError::Unauthorized { reason }))
            if reason.contains("invalid_client")),
        "{result:?}"
    );
    assert!(received_on(&server, "/v2/checkout/orders").await.is_empty());
}

#[tokio::test]
async fn the_health_check_fetches_a_fresh_token_each_time() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 2).await;
    let paypal = orders(&server);
    paypal.health_check().await.unwrap();
    paypal.health_check().await.unwrap();
}

#[tokio::test]
async fn the_health_check_reports_refused_credentials() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
        ),
        1,
    )
    .await;
    let result = orders(&server).health_check().await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{result:?}"
    );
}
