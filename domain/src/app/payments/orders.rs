//! One-off orders (issue 4, MISSION.md E): created at the provider, approved by the buyer,
//! captured once, with exactly one customer account opened in the capture's commit (P-PAY-1).

use serde::Serialize;
use time::OffsetDateTime;

use crate::customer::{AccountSource, AccountStatus};
use crate::decider::Decider;
use crate::flow::{PaymentTerms, StepId, StepKind};
use crate::ids::{CustomerId, JobId, OrderId, SessionId, TenantId};
use crate::money::Money;
use crate::order::OrderClaim;
use crate::order::{OrderCommand, OrderDecider, OrderEvent, OrderFact, OrderState, OrderStatus};
use crate::ports::{AggregateKind, ClaimedJob, IdempotencyKey, NewOrder, StreamId};

use super::super::execute::Tx;
use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::{Job, OrderTimer};
use super::super::persist::Versioned;
use super::super::{AppError, Services};
use super::accounts::NewAccount;
use super::order_claim::order_claim_key;
use super::refs::PaymentTarget;
use super::timer_now;

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
    fn of(s: &OrderState) -> Result<Self, AppError> {
        let corrupt = || AppError::Corrupt("order without id".into());
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

impl Services {
    pub(crate) async fn load_order(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<Versioned<OrderState>, AppError> {
        self.load_versioned(tenant, &order_stream(id))
            .await?
            .ok_or(AppError::OrderNotFound)
    }

    /// One order.
    ///
    /// # Errors
    /// [`AppError::OrderNotFound`] (also for another tenant's id).
    pub async fn order(&self, tenant: TenantId, id: OrderId) -> Result<OrderView, AppError> {
        OrderView::of(&self.load_order(tenant, id).await?.state)
    }

    /// Creates an order at the provider (`PayPal-Request-Id` = the order id) and records it,
    /// with its approval deadline.
    ///
    /// # Errors
    /// Validation of the plan and amount, [`AppError::NoStepOfKind`], session errors, provider
    /// failures.
    pub async fn create_order(
        &self,
        tenant: TenantId,
        request: OrderRequest,
    ) -> Result<OrderView, AppError> {
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
        let orders = self.payments.order_payments(tenant).await?;
        let id = OrderId::new(self.ids.new_id());
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
        let at = self.clock.now();
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
    ) -> Result<(String, Money, Option<StepId>), AppError> {
        let Some(session) = request.session_id else {
            return match (&request.plan, &request.amount) {
                (Some(plan), Some(amount)) if !plan.trim().is_empty() => {
                    Ok((plan.clone(), amount.clone(), None))
                }
                _ => Err(AppError::Validation(vec![crate::flow::FieldError {
                    field: "plan".into(),
                    code: crate::flow::FieldErrorCode::Required,
                    message: "an order without session_id needs plan, amount and currency".into(),
                }])),
            };
        };
        let current = self.load_session(tenant, session).await?;
        let flow = self.flow_of(&current.state)?;
        let step = flow
            .steps()
            .iter()
            .find(|s| match &request.step {
                Some(name) => s.id().as_str() == name,
                None => s.kind() == StepKind::PaypalCheckout,
            })
            .ok_or(AppError::NoStepOfKind("paypal_checkout"))?;
        match step.payment() {
            Some(PaymentTerms::Checkout(terms)) => Ok((
                terms.plan.clone(),
                terms.amount.clone(),
                Some(step.id().clone()),
            )),
            _ => Err(AppError::NoStepOfKind("paypal_checkout")),
        }
    }

    /// Captures an order: the provider's capture (`PayPal-Request-Id` derived from the order, so
    /// concurrent and repeated calls make one capture), then its record with the account, once.
    ///
    /// # Errors
    /// [`AppError::OrderNotFound`], `PaymentRefused` with `ORDER_NOT_APPROVED`, provider failures.
    pub async fn capture_order(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<OrderView, AppError> {
        let current = self.load_order(tenant, id).await?;
        if current.state.capture.is_some() || current.state.status() == OrderStatus::Refunded {
            return OrderView::of(&current.state);
        }
        let provider_order = current
            .state
            .provider_order
            .clone()
            .ok_or(AppError::OrderNotFound)?;
        let orders = self.payments.order_payments(tenant).await?;
        let capture = orders
            .capture_order(
                &provider_order,
                &IdempotencyKey::derive(tenant, &id.to_string(), 0, "capture"),
            )
            .await?;
        let after = self
            .apply_order_fact(tenant, id, OrderFact::Captured(capture), None)
            .await?;
        OrderView::of(&after)
    }

    /// Records a fact about an order (the capture's answer, a webhook, the sandbox's approval),
    /// retried from a fresh load on conflicts: whoever commits first opens the account, the
    /// others find it open (P-PAY-1).
    pub(crate) async fn apply_order_fact(
        &self,
        tenant: TenantId,
        id: OrderId,
        fact: OrderFact,
        job: Option<JobId>,
    ) -> Result<OrderState, AppError> {
        self.execute_order(
            tenant,
            id,
            |at, account| OrderCommand::Apply {
                fact: fact.clone(),
                account,
                at,
            },
            job,
        )
        .await
    }

    async fn execute_order(
        &self,
        tenant: TenantId,
        id: OrderId,
        command: impl Fn(OffsetDateTime, CustomerId) -> OrderCommand + Sync,
        job: Option<JobId>,
    ) -> Result<OrderState, AppError> {
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<OrderState>(id)
                    .await?
                    .ok_or(AppError::OrderNotFound)?;
                let at = self.clock.now();
                let account = CustomerId::new(self.ids.new_id());
                let events = OrderDecider.decide(&current, &command(at, account))?;
                if let Some(job) = job {
                    tx.complete_job(job);
                }
                self.apply_order(tx, id, events).await
            })
        })
        .await
    }

    /// Records an order's events in `tx` with their effects: the approval deadline at creation;
    /// at the capture the capture's reference (refunds may name only it) and the deadline's
    /// cancellation; the account it opens; the account's closing on a refund.
    async fn apply_order(
        &self,
        tx: &mut Tx<'_>,
        id: OrderId,
        events: Vec<OrderEvent>,
    ) -> Result<OrderState, AppError> {
        let before = tx.load::<OrderState>(id).await?.unwrap_or_default();
        let after = tx.apply(&OrderDecider, id, events.clone())?;
        for event in &events {
            match event {
                OrderEvent::Created { expires_at, .. } => {
                    let timer = Job::OrderExpire(OrderTimer {
                        order_id: id,
                        due_at: *expires_at,
                    });
                    tx.enqueue(timer.schedule(
                        JobId::new(self.ids.new_id()),
                        *expires_at,
                        Some(format!("order:{id}:expire")),
                    )?);
                }
                OrderEvent::CaptureCompleted { capture, .. } if before.capture.is_none() => {
                    if let Some(provider) = after.provider {
                        self.record_payment_ref(
                            tx,
                            provider,
                            &capture.capture_id,
                            PaymentTarget::Order(id),
                        )?;
                    }
                    tx.cancel_timer(format!("order:{id}:expire"));
                }
                OrderEvent::AccountOpened { account, at } => {
                    let email = after
                        .email
                        .clone()
                        .or_else(|| after.capture.as_ref().and_then(|c| c.payer_email.clone()));
                    self.open_account(
                        tx,
                        NewAccount {
                            id: *account,
                            plan: after.plan.clone(),
                            status: if after.refunded {
                                AccountStatus::Closed
                            } else {
                                AccountStatus::Active
                            },
                            source: AccountSource::Order(id),
                            session_id: after.session_id,
                            email,
                            external_ref: after.external_ref.clone(),
                        },
                        *at,
                    )?;
                }
                OrderEvent::Refunded { at } => {
                    if let Some(account) = before.account {
                        self.set_account_status(tx, account, AccountStatus::Closed, *at)
                            .await?;
                    }
                }
                _ => {}
            }
        }
        Ok(after)
    }

    /// The approval deadline: an order neither approved nor captured expires.
    pub(crate) async fn expire_order(
        &self,
        job: &ClaimedJob,
        timer: OrderTimer,
    ) -> Result<JobOutcome, AppError> {
        let at = timer_now(timer.due_at, self.clock.now());
        match self
            .execute_order(
                job.tenant,
                timer.order_id,
                |_, _| OrderCommand::Expire { at },
                Some(job.id),
            )
            .await
        {
            Err(AppError::OrderNotFound) => self.complete_bare(job.tenant, job.id).await?,
            other => {
                other?;
            }
        }
        Ok(JobOutcome::Done)
    }

    /// The sandbox's approval (`POST /v1/sandbox/paypal/orders/{id}/approve`), recorded like
    /// PayPal's `CHECKOUT.ORDER.APPROVED`.
    ///
    /// # Errors
    /// [`AppError::OrderNotFound`].
    pub async fn record_order_approval(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<OrderView, AppError> {
        let after = self
            .apply_order_fact(tenant, id, OrderFact::Approved, None)
            .await?;
        OrderView::of(&after)
    }
}
