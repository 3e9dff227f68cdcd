//! The one-off orders port (`OrderPayments`, PayPal) and its types.

use serde::{Deserialize, Serialize};

use super::{IdempotencyKey, PaymentError};
use crate::ids::TenantId;
use crate::money::Money;
use crate::ports::{ProviderError, ProviderId};

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
/// As [`CardOnFile`](super::CardOnFile); an order not approved yet is `Refused { code: "ORDER_NOT_APPROVED" }`.
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
