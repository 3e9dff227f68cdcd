//! Money ports: a card on file with a card-gated trial subscription (`CardOnFile`, Stripe) and
//! one-off orders captured once (`OrderPayments`, PayPal) (DESIGN.md section 3, issue 4).
//!
//! This module holds the payment error, the idempotency key, the card-on-file port with its
//! types and the payment directory; `orders` holds the one-off orders port, `reports` what a
//! payment provider's webhook reports.

mod orders;
mod reports;

pub use orders::*;
pub use reports::*;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::money::Money;

use crate::ports::{ProviderError, ProviderId};

/// Why a payment call failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The card was declined (Stripe `card_error`): the user may try another card.
    #[error("card declined ({code}): {message}")]
    CardDeclined {
        /// The provider's error code, e.g. `card_declined`, `expired_card`, `incorrect_cvc`.
        code: String,
        /// The issuer's decline code when given, e.g. `generic_decline`, `insufficient_funds`.
        decline_code: Option<String>,
        /// The provider's message, safe to show to the user.
        message: String,
    },
    /// The provider refused the request for a reason of its own (an unknown price, an order
    /// not approved yet, a payment method that does not exist): `code` is the provider's.
    #[error("payment refused ({code}): {message}")]
    Refused {
        /// Stable reason: the provider's error code or issue name (`resource_missing`,
        /// `ORDER_NOT_APPROVED`, ...).
        code: String,
        /// The provider's message.
        message: String,
    },
    /// Unavailable, unauthorized or unexpected: see [`ProviderError`].
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The idempotency key of one provider call: the same key MUST make the provider apply the call
/// at most once (Stripe `Idempotency-Key`, PayPal `PayPal-Request-Id`). Onramp derives it from
/// (tenant, session, step, attempt, operation), so a retry after a crash or a timeout replays the
/// provider's first answer instead of doubling an effect.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// `onramp-{tenant}-{scope}-{attempt}-{operation}`, at most 255 characters (Stripe's limit).
    pub fn derive(tenant: TenantId, scope: &str, attempt: u32, operation: &str) -> Self {
        let mut key = format!("onramp-{tenant}-{scope}-{attempt}-{operation}");
        key.truncate(255);
        Self(key)
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A customer to create at the card provider.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The tenant.
    pub tenant: TenantId,
    /// Billing e-mail.
    pub email: String,
    /// Phone, E.164, when verified earlier in the session.
    pub phone: Option<String>,
    /// Onramp's trial id, stored as provider metadata (`metadata[onramp_trial]`).
    pub trial_ref: String,
    /// Idempotency key.
    pub key: IdempotencyKey,
}

/// A payment method to attach to a customer.
#[derive(Debug, Clone)]
pub struct AttachCard {
    /// Provider customer id (`cus_…`).
    pub customer: String,
    /// Payment method id from the client (`pm_…`, or a test token such as `pm_card_visa`).
    pub payment_method: String,
    /// Idempotency key.
    pub key: IdempotencyKey,
}

/// A card attached to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDetails {
    /// The attached payment method id (`pm_…`).
    pub payment_method: String,
    /// The provider's fingerprint of the card number: equal for the same card number
    /// (P-TRI-3's abuse guard).
    pub fingerprint: String,
    /// Card brand, e.g. `visa`.
    pub brand: String,
    /// Last four digits.
    pub last4: String,
}

/// The card check: an authorization (manual capture) that is voided right after.
#[derive(Debug, Clone)]
pub struct CardAuthorization {
    /// Provider customer id.
    pub customer: String,
    /// Attached payment method id.
    pub payment_method: String,
    /// The amount to authorize, e.g. 100 USD minor units for $1.
    pub amount: Money,
    /// Idempotency key.
    pub key: IdempotencyKey,
}

/// A card-gated trial subscription.
#[derive(Debug, Clone)]
pub struct TrialSubscription {
    /// Provider customer id.
    pub customer: String,
    /// The provider's price id (`price_…`).
    pub price: String,
    /// The card to charge after the trial.
    pub payment_method: String,
    /// Trial length in days (7 by default).
    pub trial_days: u32,
    /// Onramp's trial id, stored as provider metadata.
    pub trial_ref: String,
    /// Idempotency key.
    pub key: IdempotencyKey,
}

/// A subscription as the provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionInfo {
    /// Provider subscription id (`sub_…`).
    pub id: String,
    /// Provider status.
    pub status: SubscriptionStatus,
    /// Trial end, unix seconds, when trialing.
    pub trial_end: Option<i64>,
}

/// A subscription's status (Stripe's `status` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// In the free trial.
    Trialing,
    /// Paid: a trial that converted.
    Active,
    /// The first payment needs action.
    Incomplete,
    /// The first payment never succeeded.
    IncompleteExpired,
    /// A payment failed; the provider retries.
    PastDue,
    /// Retries exhausted, left open.
    Unpaid,
    /// Paused (trial ended with no payment method, `end_behavior` pause).
    Paused,
    /// Ended.
    Canceled,
}

impl SubscriptionStatus {
    /// Parses Stripe's word (`trialing`, `active`, `past_due`, ...).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "past_due" => Self::PastDue,
            "unpaid" => Self::Unpaid,
            "paused" => Self::Paused,
            "canceled" => Self::Canceled,
            _ => return None,
        })
    }
}

/// A card on file and a trial subscription at a card provider (Stripe; the sandbox follows
/// Stripe's test payment methods).
///
/// # Errors
/// Every method: [`PaymentError::CardDeclined`] for a card error, [`PaymentError::Refused`] for
/// another 4xx, [`PaymentError::Provider`] for unavailable (timeouts, 5xx, 429, retried first
/// where the idempotency key makes it safe), unauthorized and unexpected answers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait CardOnFile: Send + Sync {
    /// The provider behind it.
    fn provider(&self) -> ProviderId;

    /// Creates a customer; returns its id (`cus_…`).
    async fn create_customer(&self, customer: &NewCustomer) -> Result<String, PaymentError>;

    /// Attaches a payment method to the customer (usable off-session).
    async fn attach_card(&self, card: &AttachCard) -> Result<CardDetails, PaymentError>;

    /// Authorizes `amount` on the card without capturing it; returns the authorization's id
    /// (a PaymentIntent `pi_…` in `requires_capture`).
    async fn authorize(&self, auth: &CardAuthorization) -> Result<String, PaymentError>;

    /// Voids (cancels) an authorization: nothing is charged. Voiding a voided one succeeds.
    async fn void_authorization(
        &self,
        authorization: &str,
        key: &IdempotencyKey,
    ) -> Result<(), PaymentError>;

    /// Starts the subscription with its free trial.
    async fn start_trial(
        &self,
        trial: &TrialSubscription,
    ) -> Result<SubscriptionInfo, PaymentError>;

    /// Cancels the subscription now.
    async fn cancel_subscription(
        &self,
        subscription: &str,
        key: &IdempotencyKey,
    ) -> Result<SubscriptionInfo, PaymentError>;

    /// What the provider did at the trial's end, when the provider answers it directly (the
    /// sandbox, which simulates Stripe's test clock); `None` when the provider reports it by
    /// webhook only (Stripe sends `customer.subscription.updated` and `invoice.*`).
    async fn trial_end_outcome(
        &self,
        subscription: &str,
    ) -> Result<Option<SubscriptionStatus>, PaymentError>;

    /// A cheap authenticated call that proves the credentials work.
    async fn health_check(&self) -> Result<(), ProviderError>;
}

/// Finds a tenant's payment providers: its own credentials first, then the server-wide ones,
/// then the sandbox.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait PaymentDirectory: Send + Sync {
    /// The card provider of `tenant`.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] when stored credentials cannot be read.
    async fn card_on_file(&self, tenant: TenantId) -> Result<Arc<dyn CardOnFile>, ProviderError>;

    /// The order provider of `tenant`.
    ///
    /// # Errors
    /// As [`PaymentDirectory::card_on_file`].
    async fn order_payments(
        &self,
        tenant: TenantId,
    ) -> Result<Arc<dyn OrderPayments>, ProviderError>;
}
