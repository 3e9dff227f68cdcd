//! One-off orders (issue 4, MISSION.md E): created at the provider, approved by the buyer,
//! captured once, with exactly one customer account opened in the capture's commit (P-PAY-1).
//!
//! This module holds the request and view of an order and its creation at the provider;
//! `capture` captures it, applies the provider's facts and the expiry timer, and commits each
//! change with the customer account it opens.

mod capture;

use serde::Serialize;
use time::OffsetDateTime;

use crate::decider::Decider;
use crate::flow::{PaymentTerms, StepId, StepKind};
use crate::ids::{CustomerId, OrderId, SessionId, TenantId};
use crate::money::Money;
use crate::order::OrderClaim;
use crate::order::{OrderCommand, OrderDecider, OrderState, OrderStatus};
use crate::ports::{AggregateKind, IdempotencyKey, NewOrder, StreamId};

use crate::app::payments::order_claim::order_claim_key;
use crate::app::payments::refs::PaymentTarget;
use crate::app::persist::Versioned;
use crate::app::{CoreError, PaymentService, PaymentServiceError};

pub(crate) fn order_stream(id: OrderId) -> StreamId {
    StreamId::new(AggregateKind::Order, id)
}

/// `POST /v1/orders`.
#[derive(Debug, Clone, Default)]
pub struct OrderRequest {
    /// The session it pays for: the plan and amount then come from the session's
    /// `paypal_checkout` step, never from the client.
    pub session_id: Option<SessionId>,
    /// That step; the flow's first `paypal_checkout` step when `None`.
    pub step: Option<String>,
    /// Plan, for an order without a session.
    pub plan: Option<String>,
    /// Amount, for an order without a session.
    pub amount: Option<Money>,
    /// Buyer's e-mail, when known.
    pub email: Option<String>,
    /// The tenant's reference.
    pub external_ref: Option<String>,
    /// Where the buyer returns after approving.
    pub return_url: Option<String>,
    /// Where the buyer returns after canceling.
    pub cancel_url: Option<String>,
}

/// An order as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    /// Id.
    pub id: OrderId,
    /// Status.
    pub status: OrderStatus,
    /// Plan.
    pub plan: String,
    /// Amount.
    pub amount: Money,
    /// The session it pays for.
    pub session_id: Option<SessionId>,
    /// The provider (`paypal`, or `sandbox`).
    pub provider: String,
    /// The provider's order id.
    pub provider_order_id: String,
    /// Where the buyer approves the payment.
    pub approve_url: String,
    /// Approval deadline, RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// The capture's id, once captured.
    pub capture_id: Option<String>,
    /// The amount captured, once captured.
    pub captured_amount: Option<Money>,
    /// The account opened by the capture.
    pub customer_id: Option<CustomerId>,
    /// The tenant's reference.
    pub external_ref: Option<String>,
}

impl OrderView {
    fn of(s: &OrderState) -> Result<Self, PaymentServiceError> {
        let corrupt = || CoreError::Corrupt("order without id".into());
        Ok(Self {
            id: s.id.ok_or_else(corrupt)?,
            status: s.status(),
            plan: s.plan.clone(),
            amount: s.amount.clone().ok_or_else(corrupt)?,
            session_id: s.session_id,
            provider: s.provider.map(|p| p.to_string()).unwrap_or_default(),
            provider_order_id: s.provider_order.clone().unwrap_or_default(),
            approve_url: s.approve_url.clone().unwrap_or_default(),
            expires_at: s.expires_at,
            capture_id: s.capture.as_ref().map(|c| c.capture_id.clone()),
            captured_amount: s.capture.as_ref().map(|c| c.amount.clone()),
            customer_id: s.account,
            external_ref: s.external_ref.clone(),
        })
    }
}

impl PaymentService {
    pub(crate) async fn load_order(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<Versioned<OrderState>, PaymentServiceError> {
        self.core
            .load_versioned(tenant, &order_stream(id))
            .await?
            .ok_or(PaymentServiceError::OrderNotFound)
    }

    /// One order.
    ///
    /// # Errors
    /// [`PaymentServiceError::OrderNotFound`] (also for another tenant's id).
    pub async fn order(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<OrderView, PaymentServiceError> {
        OrderView::of(&self.load_order(tenant, id).await?.state)
    }

    /// Creates an order at the provider (`PayPal-Request-Id` = the order id) and records it,
    /// with its approval deadline.
    ///
    /// # Errors
    /// Validation of the plan and amount, [`PaymentServiceError::NoStepOfKind`], session errors, provider
    /// failures.
    pub async fn create_order(
        &self,
        tenant: TenantId,
        request: OrderRequest,
    ) -> Result<OrderView, PaymentServiceError> {
        let (plan, amount, step) = self.order_terms(tenant, &request).await?;
        // One open order per session step: a second request answers it.
        let claim = match (request.session_id, &step) {
            (Some(session), Some(step)) => {
                let key = order_claim_key(session, step);
                if let Some(order) = self.step_order(tenant, &key).await? {
                    return OrderView::of(&order);
                }
                Some(key)
            }
            _ => None,
        };
        let orders = self.providers.order_payments(tenant).await?;
        let id = OrderId::new(self.core.ids.new_id());
        let created = orders
            .create_order(&NewOrder {
                tenant,
                order_ref: id.to_string(),
                plan: plan.clone(),
                amount: amount.clone(),
                return_url: request.return_url.clone(),
                cancel_url: request.cancel_url.clone(),
                key: IdempotencyKey::derive(tenant, &id.to_string(), 0, "create"),
            })
            .await?;
        let at = self.core.clock.now();
        let command = OrderCommand::Create {
            order: id,
            session: request.session_id,
            step,
            plan,
            amount,
            email: request.email.clone(),
            external_ref: request.external_ref.clone(),
            provider: orders.provider(),
            provider_order: created.provider_order.clone(),
            approve_url: created.approve_url,
            at,
        };
        let events = &OrderDecider.decide(&OrderState::default(), &command)?;
        let provider = orders.provider();
        let provider_order = &created.provider_order;
        let claim = &claim;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                if let Some(key) = &claim {
                    // Taken meanwhile by a concurrent request's order: answer it. (The order this
                    // request made at the provider is never approved, and nothing is charged.)
                    if let Some(held) = self.held_order(tx, key).await? {
                        return OrderView::of(&held);
                    }
                    tx.record(key, OrderClaim { order: Some(id) })?;
                }
                self.record_payment_ref(tx, provider, provider_order, PaymentTarget::Order(id))?;
                let after = self.apply_order(tx, id, events.clone()).await?;
                let answer = OrderView::of(&after)?;
                tx.answer(&answer);
                Ok(answer)
            })
        })
        .await
    }

    async fn order_terms(
        &self,
        tenant: TenantId,
        request: &OrderRequest,
    ) -> Result<(String, Money, Option<StepId>), PaymentServiceError> {
        let Some(session) = request.session_id else {
            return match (&request.plan, &request.amount) {
                (Some(plan), Some(amount)) if !plan.trim().is_empty() => {
                    Ok((plan.clone(), amount.clone(), None))
                }
                _ => Err(PaymentServiceError::Validation(vec![
                    crate::flow::FieldError {
                        field: "plan".into(),
                        code: crate::flow::FieldErrorCode::Required,
                        message: "an order without session_id needs plan, amount and currency"
                            .into(),
                    },
                ])),
            };
        };
        let current = self.core.load_session(tenant, session).await?;
        let flow = self.core.flow_of(&current.state)?;
        let step = flow
            .steps()
            .iter()
            .find(|s| match &request.step {
                Some(name) => s.id().as_str() == name,
                None => s.kind() == StepKind::PaypalCheckout,
            })
            .ok_or(PaymentServiceError::NoStepOfKind("paypal_checkout"))?;
        match step.payment() {
            Some(PaymentTerms::Checkout(terms)) => Ok((
                terms.plan.clone(),
                terms.amount.clone(),
                Some(step.id().clone()),
            )),
            _ => Err(PaymentServiceError::NoStepOfKind("paypal_checkout")),
        }
    }
}
