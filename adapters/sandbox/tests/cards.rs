//! `SandboxCards` through the `CardOnFile` port: Stripe's test tokens, the trial-end outcomes,
//! fingerprints per card number, and idempotent replay by key.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, CardDetails, CardOnFile, Clock, IdempotencyKey, NewCustomer,
    PaymentError, ProviderId, SubscriptionInfo, SubscriptionStatus, TrialSubscription,
};
use onramp_sandbox::{HeldAuthorization, SandboxCards};
use time::OffsetDateTime;
use time::macros::datetime;

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

fn tenant() -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(1))
}

fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey::derive(tenant(), "session-1", 1, name)
}

fn cards() -> SandboxCards {
    SandboxCards::new(Arc::new(FixedClock))
}

fn new_customer(key_name: &str) -> NewCustomer {
    NewCustomer {
        tenant: tenant(),
        email: "ada@example.com".into(),
        phone: None,
        trial_ref: "trial-1".into(),
        key: key(key_name),
    }
}

fn attach_request(customer: &str, token: &str) -> AttachCard {
    AttachCard {
        customer: customer.into(),
        payment_method: token.into(),
        key: key(&format!("attach-{customer}-{token}")),
    }
}

fn one_dollar() -> Money {
    Money::new(100, "USD").unwrap()
}

async fn customer(cards: &SandboxCards, name: &str) -> String {
    cards.create_customer(&new_customer(name)).await.unwrap()
}

async fn attach(cards: &SandboxCards, customer: &str, token: &str) -> CardDetails {
    cards
        .attach_card(&attach_request(customer, token))
        .await
        .unwrap()
}

async fn start_trial(cards: &SandboxCards, customer: &str, pm: &str) -> SubscriptionInfo {
    cards
        .start_trial(&TrialSubscription {
            customer: customer.into(),
            price: "price_pro".into(),
            payment_method: pm.into(),
            trial_days: 7,
            trial_ref: "trial-1".into(),
            key: key(&format!("trial-{customer}")),
        })
        .await
        .unwrap()
}

fn refused_code<T: std::fmt::Debug>(result: Result<T, PaymentError>) -> (String, String) {
    match result {
        Err(PaymentError::Refused { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_is_sandbox_and_healthy() {
    let cards = cards();
    assert_eq!(cards.provider(), ProviderId::Sandbox);
    cards.health_check().await.unwrap();
}

#[tokio::test]
async fn a_customer_id_is_cus_sbx_and_24_hex_digits() {
    let id = customer(&cards(), "customer").await;
    let hex = id.strip_prefix("cus_sbx_").unwrap();
    assert_eq!(hex.len(), 24, "{id}");
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

#[tokio::test]
async fn the_succeeding_test_cards_attach_with_stripes_brand_and_last4() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    for (token, brand, last4) in [
        ("pm_card_visa", "visa", "4242"),
        ("pm_card_mastercard", "mastercard", "4444"),
        ("pm_card_amex", "amex", "8431"),
        ("pm_card_discover", "discover", "1117"),
        ("pm_card_chargeCustomerFail", "visa", "0341"),
    ] {
        let card = attach(&cards, &cus, token).await;
        assert!(card.payment_method.starts_with("pm_sbx_"), "{card:?}");
        assert_ne!(card.payment_method, token);
        assert_eq!((card.brand.as_str(), card.last4.as_str()), (brand, last4));
    }
}

#[tokio::test]
async fn visa_attaches_authorizes_and_voids_and_voiding_twice_is_ok() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let card = attach(&cards, &cus, "pm_card_visa").await;
    let pi = cards
        .authorize(&CardAuthorization {
            customer: cus.clone(),
            payment_method: card.payment_method.clone(),
            amount: one_dollar(),
            key: key("authorize"),
        })
        .await
        .unwrap();
    assert!(pi.starts_with("pi_sbx_"), "{pi}");
    let held = HeldAuthorization {
        id: pi.clone(),
        customer: cus,
        payment_method: card.payment_method,
        amount: one_dollar(),
        voided: false,
    };
    assert_eq!(
        cards.held_authorizations().await.unwrap(),
        std::slice::from_ref(&held)
    );

    cards.void_authorization(&pi, &key("void")).await.unwrap();
    cards.void_authorization(&pi, &key("void-2")).await.unwrap();
    let voided = HeldAuthorization {
        voided: true,
        ..held
    };
    assert_eq!(cards.held_authorizations().await.unwrap(), [voided]);
}

#[tokio::test]
async fn voiding_an_unknown_authorization_is_resource_missing() {
    let (code, message) = refused_code(cards().void_authorization("pi_nope", &key("void")).await);
    assert_eq!(code, "resource_missing");
    assert_eq!(message, "No such payment_intent: 'pi_nope'");
}

#[tokio::test]
async fn each_declined_token_fails_at_attach_with_stripes_code_and_decline_code() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    for (token, code, decline_code) in [
        (
            "pm_card_visa_chargeDeclined",
            "card_declined",
            "generic_decline",
        ),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
        ),
        (
            "pm_card_visa_chargeDeclinedLostCard",
            "card_declined",
            "lost_card",
        ),
        (
            "pm_card_visa_chargeDeclinedStolenCard",
            "card_declined",
            "stolen_card",
        ),
        (
            "pm_card_chargeDeclinedExpiredCard",
            "expired_card",
            "expired_card",
        ),
        (
            "pm_card_chargeDeclinedIncorrectCvc",
            "incorrect_cvc",
            "incorrect_cvc",
        ),
        (
            "pm_card_chargeDeclinedProcessingError",
            "processing_error",
            "processing_error",
        ),
        (
            "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
            "card_declined",
            "card_velocity_exceeded",
        ),
    ] {
        match cards.attach_card(&attach_request(&cus, token)).await {
            Err(PaymentError::CardDeclined {
                code: got,
                decline_code: got_decline,
                message,
            }) => {
                assert_eq!(
                    (got.as_str(), got_decline.as_deref()),
                    (code, Some(decline_code)),
                    "{token}"
                );
                assert!(!message.is_empty(), "{token}");
            }
            other => panic!("{token}: expected a decline, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_generic_decline_says_your_card_was_declined() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let result = cards
        .attach_card(&attach_request(&cus, "pm_card_visa_chargeDeclined"))
        .await;
    assert!(
        matches!(&result, Err(PaymentError::CardDeclined { message, .. }) if message == "Your card was declined."),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_token_or_customer_is_resource_missing() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let (code, message) = refused_code(
        cards
            .attach_card(&attach_request(&cus, "pm_card_unknown"))
            .await,
    );
    assert_eq!(code, "resource_missing");
    assert_eq!(message, "No such PaymentMethod: 'pm_card_unknown'");

    let (code, message) = refused_code(
        cards
            .attach_card(&attach_request("cus_nope", "pm_card_visa"))
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("resource_missing", "No such customer: 'cus_nope'")
    );
}

#[tokio::test]
async fn authorizing_needs_the_card_attached_to_that_customer() {
    let cards = cards();
    let ada = customer(&cards, "ada").await;
    let bob = customer(&cards, "bob").await;
    let card = attach(&cards, &ada, "pm_card_visa").await;
    for (customer, pm) in [
        (bob.as_str(), card.payment_method.as_str()),
        (ada.as_str(), "pm_sbx_nope"),
        ("cus_nope", card.payment_method.as_str()),
    ] {
        let result = cards
            .authorize(&CardAuthorization {
                customer: customer.into(),
                payment_method: pm.into(),
                amount: one_dollar(),
                key: key(&format!("authorize-{customer}-{pm}")),
            })
            .await;
        assert_eq!(refused_code(result).0, "resource_missing");
    }
    assert!(cards.held_authorizations().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_same_card_has_one_fingerprint_across_customers_and_cards_differ() {
    let cards = cards();
    let ada = customer(&cards, "ada").await;
    let bob = customer(&cards, "bob").await;
    let ada_visa = attach(&cards, &ada, "pm_card_visa").await;
    let bob_visa = attach(&cards, &bob, "pm_card_visa").await;
    let bob_mastercard = attach(&cards, &bob, "pm_card_mastercard").await;
    assert_ne!(ada_visa.payment_method, bob_visa.payment_method);
    assert_eq!(ada_visa.fingerprint, bob_visa.fingerprint);
    assert_ne!(ada_visa.fingerprint, bob_mastercard.fingerprint);
    // Across instances too: the fingerprint depends on the card number only.
    let other = SandboxCards::new(Arc::new(FixedClock));
    let carl = customer(&other, "carl").await;
    assert_eq!(
        attach(&other, &carl, "pm_card_visa").await.fingerprint,
        ada_visa.fingerprint
    );
}

#[tokio::test]
async fn a_trial_starts_trialing_for_its_days_and_a_good_card_ends_active() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let card = attach(&cards, &cus, "pm_card_visa").await;
    let sub = start_trial(&cards, &cus, &card.payment_method).await;
    assert!(sub.id.starts_with("sub_sbx_"), "{sub:?}");
    assert_eq!(sub.status, SubscriptionStatus::Trialing);
    assert_eq!(sub.trial_end, Some(NOW.unix_timestamp() + 7 * 86_400));
    let stored = cards.subscription(&sub.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.price.as_str(), stored.trial_ref.as_str()),
        ("price_pro", "trial-1")
    );

    assert_eq!(
        cards.trial_end_outcome(&sub.id).await.unwrap(),
        Some(SubscriptionStatus::Active)
    );
    assert_eq!(
        cards.subscription(&sub.id).await.unwrap().unwrap().status,
        SubscriptionStatus::Active
    );
}

#[tokio::test]
async fn charge_customer_fail_passes_the_card_check_and_ends_past_due() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let card = attach(&cards, &cus, "pm_card_chargeCustomerFail").await;
    cards
        .authorize(&CardAuthorization {
            customer: cus.clone(),
            payment_method: card.payment_method.clone(),
            amount: one_dollar(),
            key: key("authorize"),
        })
        .await
        .unwrap();
    let sub = start_trial(&cards, &cus, &card.payment_method).await;
    assert_eq!(sub.status, SubscriptionStatus::Trialing);
    assert_eq!(
        cards.trial_end_outcome(&sub.id).await.unwrap(),
        Some(SubscriptionStatus::PastDue)
    );
}

#[tokio::test]
async fn a_canceled_trial_ends_canceled_and_canceling_twice_is_ok() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let card = attach(&cards, &cus, "pm_card_chargeCustomerFail").await;
    let sub = start_trial(&cards, &cus, &card.payment_method).await;
    for attempt in ["cancel-1", "cancel-2"] {
        let canceled = cards
            .cancel_subscription(&sub.id, &key(attempt))
            .await
            .unwrap();
        assert_eq!(canceled.status, SubscriptionStatus::Canceled);
    }
    assert_eq!(
        cards.trial_end_outcome(&sub.id).await.unwrap(),
        Some(SubscriptionStatus::Canceled)
    );
    assert_eq!(
        refused_code(cards.trial_end_outcome("sub_nope").await).0,
        "resource_missing"
    );
}

#[tokio::test]
async fn one_key_replays_the_first_answer_and_a_new_key_makes_a_new_object() {
    let cards = cards();
    let first = customer(&cards, "customer").await;
    assert_eq!(customer(&cards, "customer").await, first);
    assert_ne!(customer(&cards, "customer-2").await, first);

    let request = attach_request(&first, "pm_card_visa");
    let card = cards.attach_card(&request).await.unwrap();
    assert_eq!(cards.attach_card(&request).await.unwrap(), card);

    let auth = CardAuthorization {
        customer: first.clone(),
        payment_method: card.payment_method.clone(),
        amount: one_dollar(),
        key: key("authorize"),
    };
    let pi = cards.authorize(&auth).await.unwrap();
    assert_eq!(cards.authorize(&auth).await.unwrap(), pi);
    assert_eq!(
        cards.held_authorizations().await.unwrap().len(),
        1,
        "no second hold"
    );
}

#[tokio::test]
async fn a_decline_is_replayed_under_its_key() {
    let cards = cards();
    let cus = customer(&cards, "customer").await;
    let request = attach_request(&cus, "pm_card_visa_chargeDeclinedInsufficientFunds");
    for _ in 0..2 {
        let result = cards.attach_card(&request).await;
        assert!(
            matches!(&result, Err(PaymentError::CardDeclined { decline_code: Some(d), .. }) if d == "insufficient_funds"),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn reusing_a_key_with_other_parameters_is_an_idempotency_error() {
    let cards = cards();
    customer(&cards, "customer").await;
    let mut other = new_customer("customer");
    other.email = "bob@example.com".into();
    let (code, _) = refused_code(cards.create_customer(&other).await);
    assert_eq!(code, "idempotency_error");
}
