//! Idempotent replay by key: one key replays the first answer (a decline too), a new key makes
//! a new object, and a key reused with other parameters is an idempotency error.

use onramp_domain::ports::{CardAuthorization, CardOnFile, PaymentError};

use super::{attach_request, cards, customer, key, new_customer, one_dollar, refused_code};

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
