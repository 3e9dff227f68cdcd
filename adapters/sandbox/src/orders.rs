//! [`SandboxOrders`]: the [`OrderPayments`] port in memory, following PayPal's Orders v2 flow
//! (PROVIDERS.md section 2): create, buyer approval, one capture.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    CaptureInfo, CaptureStatus, CreatedOrder, IdempotencyKey, NewOrder, OrderPayments,
    PaymentError, ProviderError, ProviderId,
};
use serde::{Deserialize, Serialize};

use crate::ids::{lock, random_hex};

/// Where the sandbox's approve links point when no public URL is configured.
pub const DEFAULT_APPROVE_BASE: &str = "http://127.0.0.1:8080";

/// PayPal's orders, simulated.
///
/// - [`OrderPayments::create_order`] answers an id `SBX-<16 upper-case hex>` (PayPal's order ids
///   are 17 upper-case characters, e.g. `5O190127TN364715T`) and the approve link
///   `{approve_base}/v1/sandbox/paypal/orders/{order_ref}/approve`, the sandbox's stand-in for
///   PayPal's `rel: "approve"` page. The same key answers the same order (`PayPal-Request-Id`).
/// - [`SandboxOrders::approve`] is the buyer approving: `CREATED` becomes `APPROVED`.
/// - [`OrderPayments::capture_order`] refuses an order not approved (`ORDER_NOT_APPROVED`),
///   captures an approved one once (`CAPTURE-SBX-<16 upper-case hex>`, `COMPLETED`, the order's
///   amount), and answers that same capture for an order captured already, under any key and
///   however many calls race (one lock covers the check and the capture).
///
/// Cheap to clone: clones share the same orders.
#[derive(Clone)]
pub struct SandboxOrders {
    approve_base: String,
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    state: Arc<Mutex<State>>,
}

/// An order's status (PayPal's order `status` values the sandbox uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SandboxOrderStatus {
    /// Created, waiting for the buyer.
    Created,
    /// Approved by the buyer: it can be captured.
    Approved,
    /// Captured.
    Completed,
}

/// An order as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxOrder {
    /// `SBX-<16 upper-case hex>`.
    pub provider_order: String,
    /// The tenant that created it.
    pub tenant: TenantId,
    /// Onramp's order id.
    pub order_ref: String,
    /// What is bought.
    pub plan: String,
    /// The amount the capture takes.
    pub amount: Money,
    /// Its status.
    pub status: SandboxOrderStatus,
    /// Where the buyer returns after approving, when the order said.
    pub return_url: Option<String>,
    /// Where the buyer returns after canceling, when the order said.
    pub cancel_url: Option<String>,
    /// The capture, once captured.
    pub capture: Option<CaptureInfo>,
}

#[derive(Default)]
struct State {
    orders: HashMap<String, SandboxOrder>,
    /// Idempotency key -> provider order.
    by_key: HashMap<String, String>,
    /// Onramp's order id -> the latest provider order created for it.
    by_ref: HashMap<String, String>,
}

impl SandboxOrders {
    /// Approve links start with `approve_base`, the server's public URL (a trailing `/` is
    /// dropped), e.g. [`DEFAULT_APPROVE_BASE`].
    pub fn new(approve_base: impl Into<String>) -> Self {
        let mut approve_base = approve_base.into();
        while approve_base.ends_with('/') {
            approve_base.pop();
        }
        Self {
            approve_base,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// The buyer approves `provider_order`: `CREATED` becomes `APPROVED`. Approving an order
    /// approved or captured already changes nothing and succeeds (a second click).
    ///
    /// # Errors
    /// `Refused { code: "RESOURCE_NOT_FOUND" }` for an unknown order.
    pub fn approve(&self, provider_order: &str) -> Result<(), PaymentError> {
        let mut state = lock(&self.state);
        let order = state
            .orders
            .get_mut(provider_order)
            .ok_or_else(|| not_found(provider_order))?;
        if order.status == SandboxOrderStatus::Created {
            order.status = SandboxOrderStatus::Approved;
        }
        Ok(())
    }

    /// The provider order created for Onramp's order `order_ref` (the latest, if several).
    pub fn provider_order_of(&self, order_ref: &str) -> Option<String> {
        lock(&self.state).by_ref.get(order_ref).cloned()
    }

    /// The order `provider_order`, if it exists.
    pub fn order(&self, provider_order: &str) -> Option<SandboxOrder> {
        lock(&self.state).orders.get(provider_order).cloned()
    }
}

impl Default for SandboxOrders {
    /// Approve links on [`DEFAULT_APPROVE_BASE`].
    fn default() -> Self {
        Self::new(DEFAULT_APPROVE_BASE)
    }
}

impl std::fmt::Debug for SandboxOrders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxOrders")
            .field("approve_base", &self.approve_base)
            .field("orders", &lock(&self.state).orders.len())
            .finish()
    }
}

#[async_trait]
impl OrderPayments for SandboxOrders {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// A new `CREATED` order, or the one created earlier under the same key.
    async fn create_order(&self, order: &NewOrder) -> Result<CreatedOrder, PaymentError> {
        let mut state = lock(&self.state);
        let existing = state
            .by_key
            .get(order.key.as_str())
            .and_then(|id| state.orders.get(id));
        let created = match existing {
            Some(existing) => existing.clone(),
            None => {
                let created = SandboxOrder {
                    provider_order: format!("SBX-{}", random_hex(16).to_ascii_uppercase()),
                    tenant: order.tenant,
                    order_ref: order.order_ref.clone(),
                    plan: order.plan.clone(),
                    amount: order.amount.clone(),
                    status: SandboxOrderStatus::Created,
                    return_url: order.return_url.clone(),
                    cancel_url: order.cancel_url.clone(),
                    capture: None,
                };
                let id = created.provider_order.clone();
                state
                    .by_key
                    .insert(order.key.as_str().to_owned(), id.clone());
                state.by_ref.insert(order.order_ref.clone(), id.clone());
                state.orders.insert(id, created.clone());
                created
            }
        };
        Ok(CreatedOrder {
            approve_url: format!(
                "{}/v1/sandbox/paypal/orders/{}/approve",
                self.approve_base, created.order_ref
            ),
            provider_order: created.provider_order,
        })
    }

    /// The key is not needed for safety: an order captures once whatever the key.
    ///
    /// # Errors
    /// `Refused { code: "ORDER_NOT_APPROVED" }` before the buyer approved,
    /// `Refused { code: "RESOURCE_NOT_FOUND" }` for an unknown order.
    async fn capture_order(
        &self,
        provider_order: &str,
        _key: &IdempotencyKey,
    ) -> Result<CaptureInfo, PaymentError> {
        let mut state = lock(&self.state);
        let order = state
            .orders
            .get_mut(provider_order)
            .ok_or_else(|| not_found(provider_order))?;
        if let Some(capture) = &order.capture {
            return Ok(capture.clone());
        }
        if order.status != SandboxOrderStatus::Approved {
            return Err(PaymentError::Refused {
                code: "ORDER_NOT_APPROVED".to_owned(),
                message: "Payer has not yet approved the Order for payment.".to_owned(),
            });
        }
        let capture = CaptureInfo {
            capture_id: format!("CAPTURE-SBX-{}", random_hex(16).to_ascii_uppercase()),
            status: CaptureStatus::Completed,
            amount: order.amount.clone(),
            // There is no buyer account behind a sandbox approval.
            payer_email: None,
        };
        order.status = SandboxOrderStatus::Completed;
        order.capture = Some(capture.clone());
        Ok(capture)
    }

    /// The sandbox is always healthy.
    async fn health_check(&self) -> Result<(), ProviderError> {
        Ok(())
    }
}

/// PayPal's 404 (`name: RESOURCE_NOT_FOUND`, issue `INVALID_RESOURCE_ID`).
fn not_found(provider_order: &str) -> PaymentError {
    PaymentError::Refused {
        code: "RESOURCE_NOT_FOUND".to_owned(),
        message: format!("Specified resource ID does not exist: {provider_order}"),
    }
}
