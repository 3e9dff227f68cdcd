//! Trial subscriptions: trialing for the trial's days, then active for a good card, past due for
//! `pm_card_chargeCustomerFail`, canceled when canceled (twice is fine).

use onramp_domain::ports::{CardAuthorization, CardOnFile, SubscriptionStatus};

use super::{NOW, attach, cards, customer, key, one_dollar, refused_code, start_trial};

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
