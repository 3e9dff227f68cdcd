//! Generic failures: a rejected key is not retried, server errors and timeouts are retried with
//! the same idempotency key (then unavailable), a replayed answer gives the same result, and
//! malformed successes are unexpected.

use std::time::Duration;

use onramp_domain::ports::{CardOnFile, PaymentError, ProviderError, SubscriptionStatus};
use onramp_stripe::StripeCards;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_rejected_key_is_unauthorized_and_not_retried() {
    let server = MockServer::start().await;
    mount_times(&server, "POST", "/v1/customers", invalid_api_key(), 1).await;
    let result = cards(&server.uri()).create_customer(&new_customer()).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Provider(ProviderError::Unauthorized { .. }))
        ),
        "{result:?}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_server_error_is_retried_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    mount_times(&server, "POST", "/v1/subscriptions", server_error(), 1).await;
    mount_times(
        &server,
        "POST",
        "/v1/subscriptions",
        ok(subscription_object("trialing")),
        1,
    )
    .await;
    let info = cards(&server.uri()).start_trial(&trial()).await.unwrap();
    assert_eq!(info.status, SubscriptionStatus::Trialing);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2, "one 503, then the retry");
    let expected = trial().key;
    assert_eq!(
        idempotency_key(&sent[0]).as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(
        idempotency_key(&sent[1]).as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(sent[0].body, sent[1].body, "the retry sends the same body");
}

#[tokio::test]
async fn a_server_error_that_persists_is_unavailable() {
    let server = MockServer::start().await;
    mount_times(&server, "POST", "/v1/payment_intents", server_error(), 3).await;
    let result = cards(&server.uri()).authorize(&authorization()).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Provider(ProviderError::Unavailable { .. }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_unavailable_after_retries_with_the_same_key() {
    let server = MockServer::start().await;
    let slow = ok(customer_object()).set_delay(Duration::from_secs(3));
    mount(&server, "POST", "/v1/customers", slow).await;
    let c = StripeCards::new(
        settings(&server.uri(), Duration::from_millis(200)),
        SECRET_KEY.to_string().into(),
    )
    .unwrap();
    let result = c.create_customer(&new_customer()).await;
    assert!(
        matches!(&result, Err(PaymentError::Provider(ProviderError::Unavailable { reason, .. })) if reason == "timeout"),
        "{result:?}"
    );
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 3, "a timed-out idempotent call is retried");
    let keys: Vec<_> = sent.iter().map(idempotency_key).collect();
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
}

#[tokio::test]
async fn a_replayed_answer_gives_the_same_result_twice() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_methods/{PAYMENT_METHOD}/attach");
    let replayed = ok(payment_method_object()).insert_header("idempotent-replayed", "true");
    mount_times(&server, "POST", &at, replayed, 2).await;
    let c = cards(&server.uri());
    let first = c.attach_card(&attach()).await.unwrap();
    let second = c.attach_card(&attach()).await.unwrap();
    assert_eq!(first, second);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(idempotency_key(&sent[0]), idempotency_key(&sent[1]));
}

#[tokio::test]
async fn a_malformed_success_is_unexpected() {
    let server = MockServer::start().await;
    let truncated = ResponseTemplate::new(200).set_body_raw(
        br#"{"id": "cus_NffrFeUfNV2Hib", "object": "cust"#.to_vec(),
        "application/json",
    );
    mount(&server, "POST", "/v1/customers", truncated).await;
    let result = cards(&server.uri()).create_customer(&new_customer()).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Provider(ProviderError::Unexpected(_)))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_subscription_without_its_status_is_unexpected() {
    let server = MockServer::start().await;
    let mut object = subscription_object("trialing");
    object.as_object_mut().unwrap().remove("status");
    mount(&server, "POST", "/v1/subscriptions", ok(object)).await;
    let result = cards(&server.uri()).start_trial(&trial()).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Provider(ProviderError::Unexpected(_)))
        ),
        "{result:?}"
    );
}
