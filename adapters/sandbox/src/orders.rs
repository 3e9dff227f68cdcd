//! [`SandboxOrders`]: the [`OrderPayments`] port following PayPal's Orders v2 flow (PROVIDERS.md
//! section 2): create, buyer approval, one capture; the orders kept in a [`SandboxObjects`]
//! store so that they outlive the process (issue 11, item 8).

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    CaptureInfo, CaptureStatus, CreatedOrder, IdempotencyKey, NewOrder, OrderPayments,
    PaymentError, ProviderError, ProviderId, SandboxObjects,
};
use serde::{Deserialize, Serialize};

use crate::ids::random_hex;
use crate::objects::{Objects, SandboxStoreError};

/// Where the sandbox's approve links point when no public URL is configured.
pub const DEFAULT_APPROVE_BASE: &str = "http://127.0.0.1:8080";

/// Kind of the orders, by provider order id.
const ORDER: &str = "paypal.order";
/// Kind of the idempotency keys (`PayPal-Request-Id`), each naming the provider order it
/// created: the key's row is written before its order, so one key can only ever name one order.
const ORDER_KEY: &str = "paypal.order_key";
/// Kind of Onramp's order ids, each naming the latest provider order created for it.
const ORDER_REF: &str = "paypal.order_ref";

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
///   however many calls race, in this process or another: the capture is a compare-and-set on
///   the order's version, and a call that loses reads the winner's capture.
///
/// The orders live in the [`SandboxObjects`] store it was built on ([`SandboxOrders::stored_in`];
/// [`SandboxOrders::new`] keeps them in memory), under the tenant of
/// [`SandboxOrders::for_tenant`]. Cheap to clone: clones share the same orders.
#[derive(Clone)]
pub struct SandboxOrders {
    approve_base: String,
    objects: Objects,
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

impl SandboxOrders {
    /// Approve links start with `approve_base`, the server's public URL (a trailing `/` is
    /// dropped), e.g. [`DEFAULT_APPROVE_BASE`]. The orders are kept in memory, for as long as
    /// this value and its clones live.
    pub fn new(approve_base: impl Into<String>) -> Self {
        Self::with_objects(approve_base, Objects::in_memory())
    }

    /// As [`SandboxOrders::new`], the orders kept in `store` (the server's database), where
    /// another process on the same store finds them.
    pub fn stored_in(approve_base: impl Into<String>, store: Arc<dyn SandboxObjects>) -> Self {
        Self::with_objects(approve_base, Objects::new(store, crate::objects::UNSCOPED))
    }

    fn with_objects(approve_base: impl Into<String>, objects: Objects) -> Self {
        let mut approve_base = approve_base.into();
        while approve_base.ends_with('/') {
            approve_base.pop();
        }
        Self {
            approve_base,
            objects,
        }
    }

    /// The same simulator, on `tenant`'s orders: another tenant's orders are unknown to it, as
    /// they would be to another PayPal account.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        Self {
            approve_base: self.approve_base.clone(),
            objects: self.objects.scoped(tenant),
        }
    }

    /// The buyer approves `provider_order`: `CREATED` becomes `APPROVED`. Approving an order
    /// approved or captured already changes nothing and succeeds (a second click).
    ///
    /// # Errors
    /// `Refused { code: "RESOURCE_NOT_FOUND" }` for an unknown order; `Provider(Unexpected)`
    /// with the [`SandboxStoreError`] when the store fails.
    pub async fn approve(&self, provider_order: &str) -> Result<(), PaymentError> {
        self.objects
            .update(ORDER, provider_order, |order: &mut SandboxOrder| {
                if order.status == SandboxOrderStatus::Created {
                    order.status = SandboxOrderStatus::Approved;
                }
                Ok::<_, PaymentError>(())
            })
            .await?
            .ok_or_else(|| not_found(provider_order))
    }

    /// The provider order created for Onramp's order `order_ref` (the latest, if several).
    ///
    /// # Errors
    /// The store failed.
    pub async fn provider_order_of(
        &self,
        order_ref: &str,
    ) -> Result<Option<String>, SandboxStoreError> {
        self.objects.get(ORDER_REF, order_ref).await
    }

    /// The order `provider_order`, if it exists.
    ///
    /// # Errors
    /// The store failed.
    pub async fn order(
        &self,
        provider_order: &str,
    ) -> Result<Option<SandboxOrder>, SandboxStoreError> {
        self.objects.get(ORDER, provider_order).await
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
            .field("tenant", &self.objects.tenant())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl OrderPayments for SandboxOrders {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// A new `CREATED` order, or the one created earlier under the same key.
    ///
    /// # Errors
    /// `Provider(Unexpected)` with the [`SandboxStoreError`] when the store fails.
    async fn create_order(&self, order: &NewOrder) -> Result<CreatedOrder, PaymentError> {
        let fresh = format!("SBX-{}", random_hex(16).to_ascii_uppercase());
        let (id, _) = self
            .objects
            .insert::<String>(ORDER_KEY, order.key.as_str(), &fresh)
            .await?;
        let new = SandboxOrder {
            provider_order: id.clone(),
            tenant: order.tenant,
            order_ref: order.order_ref.clone(),
            plan: order.plan.clone(),
            amount: order.amount.clone(),
            status: SandboxOrderStatus::Created,
            return_url: order.return_url.clone(),
            cancel_url: order.cancel_url.clone(),
            capture: None,
        };
        let (stored, is_new) = self.objects.insert(ORDER, &id, &new).await?;
        // A replay also sets a reference its first call may have died before setting.
        let unreferenced = !is_new
            && self
                .objects
                .get::<String>(ORDER_REF, &stored.order_ref)
                .await?
                .is_none();
        if is_new || unreferenced {
            self.objects.set(ORDER_REF, &stored.order_ref, &id).await?;
        }
        Ok(CreatedOrder {
            approve_url: format!(
                "{}/v1/sandbox/paypal/orders/{}/approve",
                self.approve_base, stored.order_ref
            ),
            provider_order: stored.provider_order,
        })
    }

    /// The key is not needed for safety: an order captures once whatever the key.
    ///
    /// # Errors
    /// `Refused { code: "ORDER_NOT_APPROVED" }` before the buyer approved,
    /// `Refused { code: "RESOURCE_NOT_FOUND" }` for an unknown order; `Provider(Unexpected)`
    /// with the [`SandboxStoreError`] when the store fails.
    async fn capture_order(
        &self,
        provider_order: &str,
        _key: &IdempotencyKey,
    ) -> Result<CaptureInfo, PaymentError> {
        self.objects
            .update(ORDER, provider_order, |order: &mut SandboxOrder| {
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
            })
            .await?
            .ok_or_else(|| not_found(provider_order))
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
