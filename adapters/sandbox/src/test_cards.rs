//! Stripe's test payment methods (doc: <https://docs.stripe.com/testing>, "Declined payments";
//! PROVIDERS.md section 1, "Test payment methods"), with the card number behind each token as
//! listed on that page.

use sha2::{Digest as _, Sha256};

/// What a test card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Attaches, and every charge succeeds.
    Succeeds,
    /// Cannot be attached: Stripe answers this `card_error`.
    Declined {
        /// Stripe's `code`.
        code: &'static str,
        /// Stripe's `decline_code`.
        decline_code: &'static str,
        /// Stripe's `message`.
        message: &'static str,
    },
    /// Attaches, then every charge fails (`pm_card_chargeCustomerFail`).
    ChargesFail,
}

/// One test token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TestCard {
    /// The token a client sends, e.g. `pm_card_visa`.
    pub(crate) token: &'static str,
    /// The card number behind it.
    pub(crate) number: &'static str,
    /// Stripe's `card.brand`.
    pub(crate) brand: &'static str,
    /// What it does.
    pub(crate) behaviour: Behaviour,
}

impl TestCard {
    /// The last four digits of the number.
    pub(crate) fn last4(&self) -> &'static str {
        &self.number[self.number.len().saturating_sub(4)..]
    }

    /// A deterministic fingerprint of the card NUMBER (16 hex digits, like Stripe's 16-character
    /// fingerprints): equal for the same number whoever attaches it, which is what Onramp's
    /// one-trial-per-card guard compares.
    pub(crate) fn fingerprint(&self) -> String {
        let digest = Sha256::digest(format!("onramp-sandbox-card:{}", self.number).as_bytes());
        let mut fingerprint = hex::encode(digest);
        fingerprint.truncate(16);
        fingerprint
    }
}

const fn declined(
    code: &'static str,
    decline_code: &'static str,
    message: &'static str,
) -> Behaviour {
    Behaviour::Declined {
        code,
        decline_code,
        message,
    }
}

const GENERIC: &str = "Your card was declined.";

/// Every token the sandbox knows.
pub(crate) const TEST_CARDS: &[TestCard] = &[
    card(
        "pm_card_visa",
        "4242424242424242",
        "visa",
        Behaviour::Succeeds,
    ),
    card(
        "pm_card_mastercard",
        "5555555555554444",
        "mastercard",
        Behaviour::Succeeds,
    ),
    card(
        "pm_card_amex",
        "371449635398431",
        "amex",
        Behaviour::Succeeds,
    ),
    card(
        "pm_card_discover",
        "6011111111111117",
        "discover",
        Behaviour::Succeeds,
    ),
    card(
        "pm_card_visa_chargeDeclined",
        "4000000000000002",
        "visa",
        declined("card_declined", "generic_decline", GENERIC),
    ),
    card(
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "4000000000009995",
        "visa",
        declined(
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ),
    card(
        "pm_card_visa_chargeDeclinedLostCard",
        "4000000000009987",
        "visa",
        declined("card_declined", "lost_card", GENERIC),
    ),
    card(
        "pm_card_visa_chargeDeclinedStolenCard",
        "4000000000009979",
        "visa",
        declined("card_declined", "stolen_card", GENERIC),
    ),
    card(
        "pm_card_chargeDeclinedExpiredCard",
        "4000000000000069",
        "visa",
        declined("expired_card", "expired_card", "Your card has expired."),
    ),
    card(
        "pm_card_chargeDeclinedIncorrectCvc",
        "4000000000000127",
        "visa",
        declined(
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
    ),
    card(
        "pm_card_chargeDeclinedProcessingError",
        "4000000000000119",
        "visa",
        declined(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    card(
        "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
        "4000000000006975",
        "visa",
        declined(
            "card_declined",
            "card_velocity_exceeded",
            "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
        ),
    ),
    card(
        "pm_card_chargeCustomerFail",
        "4000000000000341",
        "visa",
        Behaviour::ChargesFail,
    ),
];

const fn card(
    token: &'static str,
    number: &'static str,
    brand: &'static str,
    behaviour: Behaviour,
) -> TestCard {
    TestCard {
        token,
        number,
        brand,
        behaviour,
    }
}

/// The test card of `token`, if the sandbox knows it.
pub(crate) fn find(token: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|card| card.token == token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_numbers_are_unique() {
        for (i, a) in TEST_CARDS.iter().enumerate() {
            for b in &TEST_CARDS[i + 1..] {
                assert_ne!(a.token, b.token);
                assert_ne!(a.number, b.number);
                assert_ne!(a.fingerprint(), b.fingerprint());
            }
        }
    }

    #[test]
    fn last4_is_the_end_of_the_number() {
        let last4: Vec<_> = ["pm_card_visa", "pm_card_amex", "pm_card_chargeCustomerFail"]
            .iter()
            .filter_map(|t| find(t))
            .map(TestCard::last4)
            .collect();
        assert_eq!(last4, ["4242", "8431", "0341"]);
    }

    #[test]
    fn a_fingerprint_is_16_hex_digits_and_stable() {
        let visa = find("pm_card_visa").map(TestCard::fingerprint);
        assert_eq!(visa.as_deref().map(str::len), Some(16));
        assert_eq!(visa, find("pm_card_visa").map(TestCard::fingerprint));
        assert_eq!(find("pm_card_Visa"), None);
    }
}
