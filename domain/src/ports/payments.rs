//! Money ports: a card on file with a card-gated trial subscription (`CardOnFile`, Stripe) and
//! one-off orders captured once (`OrderPayments`, PayPal) (DESIGN.md section 3, issue 4).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::money::Money;

use super::{ProviderError, ProviderId};

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

/// A one-off order to create at the payment provider.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The tenant.
    pub tenant: TenantId,
    /// Onramp's order id (PayPal `reference_id` / `custom_id`).
    pub order_ref: String,
    /// What is bought, e.g. `pro` (PayPal `description`).
    pub plan: String,
    /// The amount to capture.
    pub amount: Money,
    /// Where the buyer returns after approving (PayPal `return_url`), when known.
    pub return_url: Option<String>,
    /// Where the buyer returns after canceling, when known.
    pub cancel_url: Option<String>,
    /// Idempotency key (PayPal `PayPal-Request-Id`).
    pub key: IdempotencyKey,
}

/// An order as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedOrder {
    /// The provider's order id.
    pub provider_order: String,
    /// Where the buyer approves the payment (PayPal's `rel: approve` link).
    pub approve_url: String,
}

/// A capture's status (PayPal's capture `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaptureStatus {
    /// Money moved.
    Completed,
    /// Held by the provider; a webhook will say how it ends.
    Pending,
    /// Declined.
    Declined,
    /// Failed.
    Failed,
    /// Refunded, in part or in full.
    Refunded,
}

/// A capture as the provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureInfo {
    /// The provider's capture id.
    pub capture_id: String,
    /// Its status.
    pub status: CaptureStatus,
    /// The amount captured.
    pub amount: Money,
    /// The payer's e-mail, when the provider gives it.
    pub payer_email: Option<String>,
}

/// One-off orders approved by the buyer and captured once (PayPal Orders v2; the sandbox
/// follows PayPal's flow, with approval through `POST /v1/sandbox/paypal/orders/{id}/approve`).
///
/// # Errors
/// As [`CardOnFile`]; an order not approved yet is `Refused { code: "ORDER_NOT_APPROVED" }`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait OrderPayments: Send + Sync {
    /// The provider behind it.
    fn provider(&self) -> ProviderId;

    /// Creates an order with intent CAPTURE.
    async fn create_order(&self, order: &NewOrder) -> Result<CreatedOrder, PaymentError>;

    /// Captures an approved order. An order captured already answers its capture: success,
    /// not an error.
    async fn capture_order(
        &self,
        provider_order: &str,
        key: &IdempotencyKey,
    ) -> Result<CaptureInfo, PaymentError>;

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

/// What a payment provider's webhook reports, once verified and parsed by its adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentReport {
    /// `customer.subscription.*` and `invoice.*`: the subscription's status as of `created`.
    Subscription {
        /// `sub_…`.
        subscription: String,
        /// The status this event implies: the subscription's own status, `active` for a paid
        /// renewal invoice (`invoice.paid` with `billing_reason` `subscription_cycle`),
        /// `past_due` for `invoice.payment_failed`; `None` for events that change nothing
        /// (a $0 first invoice).
        status: Option<SubscriptionStatus>,
        /// `customer.subscription.trial_will_end`.
        trial_will_end: bool,
        /// The event's `created`, unix seconds: reports are ordered by it, not by arrival.
        created: i64,
    },
    /// `setup_intent.*`: kept for the audit trail.
    SetupIntent {
        /// `seti_…`.
        setup_intent: String,
        /// The SetupIntent's status (`succeeded`, `requires_payment_method`, `canceled`, ...).
        status: String,
        /// The event's `created`, unix seconds.
        created: i64,
    },
    /// PayPal order and capture events.
    Order {
        /// The provider's order id (for captures, `supplementary_data.related_ids.order_id`);
        /// for a refund that names only its capture, the capture id (Onramp records both as
        /// references of the order when it captures).
        reference: String,
        /// What happened.
        event: OrderEvent,
        /// The event's `create_time`, unix seconds.
        created: i64,
    },
}

impl PaymentReport {
    /// The provider reference webhooks are routed by: the subscription, SetupIntent or order.
    pub fn provider_ref(&self) -> &str {
        match self {
            Self::Subscription { subscription, .. } => subscription,
            Self::SetupIntent { setup_intent, .. } => setup_intent,
            Self::Order { reference, .. } => reference,
        }
    }
}

/// An order event reported by the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    /// `CHECKOUT.ORDER.APPROVED`: the buyer approved; capture may follow.
    Approved,
    /// `PAYMENT.CAPTURE.COMPLETED`.
    CaptureCompleted {
        /// The capture.
        capture: CaptureInfo,
    },
    /// `PAYMENT.CAPTURE.PENDING`.
    CapturePending {
        /// The capture id.
        capture_id: String,
    },
    /// `PAYMENT.CAPTURE.DENIED` (or `DECLINED`).
    CaptureDenied {
        /// The capture id.
        capture_id: String,
    },
    /// `PAYMENT.CAPTURE.REFUNDED`.
    CaptureRefunded {
        /// The capture id.
        capture_id: String,
    },
}
