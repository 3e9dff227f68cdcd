//! What attaching a card refuses: each of Stripe's declined test tokens with its code and
//! decline code, the generic decline's message, and an unknown token or customer.

use onramp_domain::ports::{CardOnFile, PaymentError};

use super::{attach_request, cards, customer, refused_code};

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
