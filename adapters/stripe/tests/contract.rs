//! `StripeCards` against a wiremock Stripe: every call's success, the refusals, the generic
//! failures, the retries with the same idempotency key, and the requests themselves
//! (snapshotted and checked against `../shared/provider-specs/stripe.json`).
//!
//! Answers are shaped like Stripe's: the objects of the API reference's examples (Customer,
//! PaymentMethod, PaymentIntent, Subscription; field names as stripe/stripe-go: customer.go,
//! paymentmethod.go, paymentintent.go, subscription.go), errors as `{"error": {"code",
//! "decline_code", "doc_url", "message", "param", "request_log_url", "type"}}`
//! (stripe/stripe-python: stripe/_api_requestor.py), with the codes Stripe's test payment
//! methods produce (doc https://docs.stripe.com/testing, "Declined payments").
//!
//! This file holds each call's success and the wiring; `refusals` holds Stripe's refusals,
//! `failures` the generic failures and retries.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod support;

#[path = "contract/failures.rs"]
mod failures;
#[path = "contract/refusals.rs"]
mod refusals;

use onramp_domain::ports::{
    CardDetails, CardOnFile, PaymentError, ProviderError, ProviderId, SubscriptionInfo,
    SubscriptionStatus,
};
use onramp_stripe::{StripeCards, StripeCredentials};
use serde_json::json;
use wiremock::MockServer;

use support::*;

// ---- each call's success ----

#[tokio::test]
async fn a_customer_is_created_with_the_email_phone_and_trial_metadata() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/v1/customers", ok(customer_object())).await;
    let id = cards(&server.uri())
        .create_customer(&new_customer())
        .await
        .unwrap();
    assert_eq!(id, CUSTOMER);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    let body = form(&sent[0]);
    assert_eq!(body["email"], "jenny.rosen@example.com");
    assert_eq!(body["phone"], "+14155550123");
    assert_eq!(body["metadata[onramp_trial]"], TRIAL_REF);
    assert_eq!(
        idempotency_key(&sent[0]).as_deref(),
        Some(new_customer().key.as_str())
    );
    snapshot("create_customer", &sent[0]);
}

#[tokio::test]
async fn an_attached_card_gives_its_fingerprint_brand_and_last4() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_methods/{PAYMENT_METHOD}/attach");
    mount(&server, "POST", &at, ok(payment_method_object())).await;
    let card = cards(&server.uri()).attach_card(&attach()).await.unwrap();
    assert_eq!(
        card,
        CardDetails {
            payment_method: PAYMENT_METHOD.into(),
            fingerprint: "mToisGZ01V71BCos".into(),
            brand: "visa".into(),
            last4: "4242".into(),
        }
    );
    let sent = requests(&server).await;
    assert_eq!(form(&sent[0])["customer"], CUSTOMER);
    snapshot("attach_card", &sent[0]);
}

#[tokio::test]
async fn an_authorization_held_by_manual_capture_returns_the_intent() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v1/payment_intents",
        ok(payment_intent_object("requires_capture")),
    )
    .await;
    let id = cards(&server.uri())
        .authorize(&authorization())
        .await
        .unwrap();
    assert_eq!(id, INTENT);
    let sent = requests(&server).await;
    let body = form(&sent[0]);
    assert_eq!(body["amount"], "100");
    assert_eq!(body["currency"], "usd");
    assert_eq!(body["capture_method"], "manual");
    assert_eq!(body["confirm"], "true");
    assert_eq!(body["off_session"], "true");
    assert_eq!(body["payment_method"], PAYMENT_METHOD);
    snapshot("authorize", &sent[0]);
}

#[tokio::test]
async fn an_authorization_that_is_not_held_is_refused_naming_the_status() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v1/payment_intents",
        ok(payment_intent_object("requires_action")),
    )
    .await;
    let result = cards(&server.uri()).authorize(&authorization()).await;
    assert!(
        matches!(&result, Err(PaymentError::Refused { code, message })
            if code == "authorization_not_held" && message.contains("requires_action")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_voided_authorization_is_canceled_as_abandoned() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_intents/{INTENT}/cancel");
    let mut canceled = payment_intent_object("canceled");
    canceled["cancellation_reason"] = json!("abandoned");
    mount(&server, "POST", &at, ok(canceled)).await;
    cards(&server.uri())
        .void_authorization(INTENT, &key("void"))
        .await
        .unwrap();
    let sent = requests(&server).await;
    assert_eq!(form(&sent[0])["cancellation_reason"], "abandoned");
    assert_eq!(
        idempotency_key(&sent[0]).as_deref(),
        Some(key("void").as_str())
    );
    snapshot("void_authorization", &sent[0]);
}

#[tokio::test]
async fn a_trial_starts_with_the_price_card_and_end_behavior() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v1/subscriptions",
        ok(subscription_object("trialing")),
    )
    .await;
    let info = cards(&server.uri()).start_trial(&trial()).await.unwrap();
    assert_eq!(
        info,
        SubscriptionInfo {
            id: SUBSCRIPTION.into(),
            status: SubscriptionStatus::Trialing,
            trial_end: Some(TRIAL_END),
        }
    );
    let sent = requests(&server).await;
    let body = form(&sent[0]);
    assert_eq!(body["customer"], CUSTOMER);
    assert_eq!(body["items[0][price]"], PRICE);
    assert_eq!(body["default_payment_method"], PAYMENT_METHOD);
    assert_eq!(body["trial_period_days"], "7");
    assert_eq!(
        body["trial_settings[end_behavior][missing_payment_method]"],
        "cancel"
    );
    assert_eq!(body["off_session"], "true");
    assert_eq!(body["metadata[onramp_trial]"], TRIAL_REF);
    snapshot("start_trial", &sent[0]);
}

#[tokio::test]
async fn a_canceled_subscription_is_deleted_without_a_body() {
    let server = MockServer::start().await;
    let at = format!("/v1/subscriptions/{SUBSCRIPTION}");
    mount(&server, "DELETE", &at, ok(subscription_object("canceled"))).await;
    let info = cards(&server.uri())
        .cancel_subscription(SUBSCRIPTION, &key("cancel"))
        .await
        .unwrap();
    assert_eq!(info.status, SubscriptionStatus::Canceled);
    assert_eq!(info.id, SUBSCRIPTION);
    let sent = requests(&server).await;
    assert!(sent[0].body.is_empty());
    assert_eq!(idempotency_key(&sent[0]), None);
    snapshot("cancel_subscription", &sent[0]);
}

#[tokio::test]
async fn the_trial_end_outcome_comes_by_webhook_so_nothing_is_asked() {
    let server = MockServer::start().await;
    let outcome = cards(&server.uri())
        .trial_end_outcome(SUBSCRIPTION)
        .await
        .unwrap();
    assert_eq!(outcome, None);
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn the_health_check_reads_a_missing_customer_and_a_404_proves_the_key() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v1/customers/cus_onramp_health_check",
        resource_missing(404, "No such customer: 'cus_onramp_health_check'", "id"),
    )
    .await;
    let c = cards(&server.uri());
    assert_eq!(c.provider(), ProviderId::Stripe);
    c.health_check().await.unwrap();
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    snapshot("health_check", &sent[0]);
}

#[tokio::test]
async fn the_health_check_with_a_bad_key_is_unauthorized() {
    let server = MockServer::start().await;
    mount_times(
        &server,
        "GET",
        "/v1/customers/cus_onramp_health_check",
        invalid_api_key(),
        1,
    )
    .await;
    let result = cards(&server.uri()).health_check().await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_health_check_treats_another_refusal_as_unexpected() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v1/customers/cus_onramp_health_check",
        resource_missing(400, "Invalid request", "id"),
    )
    .await;
    let result = cards(&server.uri()).health_check().await;
    assert!(
        matches!(result, Err(ProviderError::Unexpected(_))),
        "{result:?}"
    );
}

// ---- wiring ----

#[tokio::test]
async fn from_credentials_uses_the_credentials_base_url() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v1/customers/cus_onramp_health_check",
        resource_missing(404, "No such customer: 'cus_onramp_health_check'", "id"),
    )
    .await;
    let credentials = StripeCredentials {
        secret_key: SECRET_KEY.to_string().into(),
        webhook_secret: None,
        base_url: Some(server.uri()),
    };
    let c = StripeCards::from_credentials(&credentials).unwrap();
    c.health_check().await.unwrap();
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn the_secret_key_never_appears_in_a_snapshot() {
    let Ok(entries) = std::fs::read_dir(snapshot_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains(SECRET_KEY),
            "{} holds the secret key",
            entry.path().display()
        );
    }
}
