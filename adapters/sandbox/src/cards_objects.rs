//! The Stripe objects [`SandboxCards`](crate::SandboxCards) keeps in the sandbox's store: one
//! kind each for customers, payment methods, authorizations (PaymentIntents) and
//! subscriptions, by their `…_sbx_…` ids.

use onramp_domain::money::Money;
use onramp_domain::ports::{SubscriptionInfo, SubscriptionStatus};
use serde::{Deserialize, Serialize};

/// Seconds in a trial day (Stripe's `trial_period_days` counts whole days).
pub(crate) const DAY: i64 = 86_400;

/// Kind of the customers ([`Customer`]).
pub(crate) const CUSTOMER: &str = "stripe.customer";
/// Kind of the attached payment methods ([`Attached`]).
pub(crate) const PAYMENT_METHOD: &str = "stripe.payment_method";
/// Kind of the card-check authorizations ([`HeldAuthorization`]).
pub(crate) const PAYMENT_INTENT: &str = "stripe.payment_intent";
/// Kind of the trial subscriptions ([`Subscription`]).
pub(crate) const SUBSCRIPTION: &str = "stripe.subscription";

/// A card-check authorization as the sandbox holds it (a PaymentIntent in `requires_capture`,
/// or `canceled` once voided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAuthorization {
    /// `pi_sbx_<24 hex>`.
    pub id: String,
    /// The customer (`cus_sbx_…`).
    pub customer: String,
    /// The attached payment method (`pm_sbx_…`).
    pub payment_method: String,
    /// The amount authorized.
    pub amount: Money,
    /// Whether it was voided (nothing is ever captured).
    pub voided: bool,
}

/// A trial subscription as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxSubscription {
    /// `sub_sbx_<24 hex>`.
    pub id: String,
    /// The customer (`cus_sbx_…`).
    pub customer: String,
    /// The price id as the request gave it (the sandbox has no catalog: any price is taken).
    pub price: String,
    /// The card charged after the trial (`pm_sbx_…`).
    pub payment_method: String,
    /// Onramp's trial id (Stripe `metadata[onramp_trial]`).
    pub trial_ref: String,
    /// The current status: `trialing`, then the trial-end outcome once asked, or `canceled`.
    pub status: SubscriptionStatus,
    /// Trial end, unix seconds: the sandbox clock at creation plus `trial_days` days.
    pub trial_end: i64,
}

impl SandboxSubscription {
    pub(crate) fn info(&self) -> SubscriptionInfo {
        SubscriptionInfo {
            id: self.id.clone(),
            status: self.status,
            trial_end: Some(self.trial_end),
        }
    }
}

/// A customer: only its existence matters to the sandbox.
#[derive(Serialize, Deserialize)]
pub(crate) struct Customer {}

/// A payment method: its customer and the test token it was cloned from.
#[derive(Serialize, Deserialize)]
pub(crate) struct Attached {
    pub(crate) customer: String,
    pub(crate) token: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Subscription {
    pub(crate) record: SandboxSubscription,
    /// The card is `pm_card_chargeCustomerFail`: the first invoice after the trial fails.
    pub(crate) charges_fail: bool,
}
