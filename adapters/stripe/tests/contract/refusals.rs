//! Stripe's refusals: declined cards (at attach and at authorization) with their decline codes,
//! an unknown price, a key reused with other parameters, voids of canceled and captured
//! intents, and a payment method that is not a card.

use onramp_domain::ports::{CardOnFile, PaymentError};
use serde_json::json;
use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn a_card_declined_at_attach_is_card_declined_with_the_decline_code() {
    let server = MockServer::start().await;
    let at = "/v1/payment_methods/pm_card_visa_chargeDeclined/attach";
    let declined = error(
        402,
        json!({
            "code": "card_declined",
            "decline_code": "generic_decline",
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card was declined.",
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_6Yvk2RVwXyOq5R?t=1680800504",
            "type": "card_error"
        }),
    );
    mount_times(&server, "POST", at, declined, 1).await;
    let mut card = attach();
    card.payment_method = "pm_card_visa_chargeDeclined".into();
    let result = cards(&server.uri()).attach_card(&card).await;
    assert!(
        matches!(&result, Err(PaymentError::CardDeclined { code, decline_code, message })
            if code == "card_declined"
                && decline_code.as_deref() == Some("generic_decline")
                && message == "Your card was declined."),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_declined_authorization_is_card_declined_with_the_decline_code() {
    let server = MockServer::start().await;
    let mut intent = payment_intent_object("requires_payment_method");
    intent["last_payment_error"] = json!({
        "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.", "type": "card_error"
    });
    let declined = error(
        402,
        json!({
            "charge": "ch_3MtwBwLkdIwHu7ix2LrHCPKs",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card has insufficient funds.",
            "payment_intent": intent,
            "payment_method": {"id": PAYMENT_METHOD, "object": "payment_method", "type": "card"},
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_6Yvk2RVwXyOq5R?t=1680800504",
            "type": "card_error"
        }),
    );
    mount_times(&server, "POST", "/v1/payment_intents", declined, 1).await;
    let result = cards(&server.uri()).authorize(&authorization()).await;
    assert!(
        matches!(&result, Err(PaymentError::CardDeclined { code, decline_code, .. })
            if code == "card_declined" && decline_code.as_deref() == Some("insufficient_funds")),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_price_is_refused_as_resource_missing() {
    let server = MockServer::start().await;
    mount_times(
        &server,
        "POST",
        "/v1/subscriptions",
        resource_missing(400, "No such price: 'price_missing'", "items[0][price]"),
        1,
    )
    .await;
    let result = cards(&server.uri()).start_trial(&trial()).await;
    assert_eq!(refused_code(result), "resource_missing");
}

#[tokio::test]
async fn a_key_reused_with_other_parameters_is_refused_as_an_idempotency_error() {
    let server = MockServer::start().await;
    let reused = error(
        400,
        json!({
            "message": "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'onramp-x' if you meant to execute a different request.",
            "type": "idempotency_error"
        }),
    );
    mount_times(&server, "POST", "/v1/customers", reused, 1).await;
    let result = cards(&server.uri()).create_customer(&new_customer()).await;
    assert_eq!(refused_code(result), "idempotency_error");
}

#[tokio::test]
async fn a_void_of_a_canceled_intent_succeeds() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_intents/{INTENT}/cancel");
    let unexpected_state = error(
        400,
        json!({
            "code": "payment_intent_unexpected_state",
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
            "message": "You cannot cancel this PaymentIntent because it has a status of canceled. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
            "payment_intent": payment_intent_object("canceled"),
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_6Yvk2RVwXyOq5R?t=1680800504",
            "type": "invalid_request_error"
        }),
    );
    mount_times(&server, "POST", &at, unexpected_state, 1).await;
    cards(&server.uri())
        .void_authorization(INTENT, &key("void"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_void_of_a_captured_intent_is_refused() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_intents/{INTENT}/cancel");
    let unexpected_state = error(
        400,
        json!({
            "code": "payment_intent_unexpected_state",
            "message": "You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
            "payment_intent": payment_intent_object("succeeded"),
            "type": "invalid_request_error"
        }),
    );
    mount_times(&server, "POST", &at, unexpected_state, 1).await;
    let result = cards(&server.uri())
        .void_authorization(INTENT, &key("void"))
        .await;
    assert_eq!(refused_code(result), "payment_intent_unexpected_state");
}

#[tokio::test]
async fn a_payment_method_that_is_not_a_card_is_refused() {
    let server = MockServer::start().await;
    let at = format!("/v1/payment_methods/{PAYMENT_METHOD}/attach");
    let mut sepa = payment_method_object();
    sepa["type"] = json!("sepa_debit");
    sepa.as_object_mut().unwrap().remove("card");
    sepa["sepa_debit"] = json!({"bank_code": "37040044", "country": "DE", "last4": "3000"});
    mount(&server, "POST", &at, ok(sepa)).await;
    let result = cards(&server.uri()).attach_card(&attach()).await;
    assert_eq!(refused_code(result), "not_a_card");
}
