//! `SandboxCards` through the `CardOnFile` port: Stripe's test tokens, the trial-end outcomes,
//! fingerprints per card number, and idempotent replay by key.
//!
//! This file holds the helpers, customers, attached cards, authorizations and fingerprints;
//! `refusals` holds the declined tokens and unknown objects, `trials` the trial subscriptions,
//! `idempotency` the replays by key.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

#[path = "cards/idempotency.rs"]
mod idempotency;
#[path = "cards/refusals.rs"]
mod refusals;
#[path = "cards/trials.rs"]
mod trials;

use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, CardDetails, CardOnFile, Clock, IdempotencyKey, NewCustomer,
    PaymentError, ProviderId, SubscriptionInfo, TrialSubscription,
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
