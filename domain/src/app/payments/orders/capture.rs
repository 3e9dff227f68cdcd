//! Capturing an order and applying what happens to it (the provider's facts, the buyer's
//! approval, the expiry timer), each in one commit with the customer account a capture opens
//! (P-PAY-1).

use time::OffsetDateTime;

use crate::customer::{AccountSource, AccountStatus};
use crate::decider::Decider;
use crate::ids::{CustomerId, JobId, OrderId, TenantId};
use crate::order::{OrderCommand, OrderDecider, OrderEvent, OrderFact, OrderState, OrderStatus};
use crate::ports::{ClaimedJob, IdempotencyKey};

use super::OrderView;
use crate::app::execute::Tx;
use crate::app::jobs::JobOutcome;
use crate::app::jobs::kinds::{Job, OrderTimer};
use crate::app::payments::accounts::NewAccount;
use crate::app::payments::refs::PaymentTarget;
use crate::app::payments::timer_now;
use crate::app::{PaymentService, PaymentServiceError};

impl PaymentService {
    /// Captures an order: the provider's capture (`PayPal-Request-Id` derived from the order, so
    /// concurrent and repeated calls make one capture), then its record with the account, once.
    ///
    /// # Errors
    /// [`PaymentServiceError::OrderNotFound`], `PaymentRefused` with `ORDER_NOT_APPROVED`, provider failures.
    pub async fn capture_order(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<OrderView, PaymentServiceError> {
        let current = self.load_order(tenant, id).await?;
        if current.state.capture.is_some() || current.state.status() == OrderStatus::Refunded {
            return OrderView::of(&current.state);
        }
        let provider_order = current
            .state
            .provider_order
            .clone()
            .ok_or(PaymentServiceError::OrderNotFound)?;
        let orders = self.providers.order_payments(tenant).await?;
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
    ) -> Result<OrderState, PaymentServiceError> {
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
    ) -> Result<OrderState, PaymentServiceError> {
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<OrderState>(id)
                    .await?
                    .ok_or(PaymentServiceError::OrderNotFound)?;
                let at = self.core.clock.now();
                let account = CustomerId::new(self.core.ids.new_id());
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
    pub(super) async fn apply_order(
        &self,
        tx: &mut Tx<'_>,
        id: OrderId,
        events: Vec<OrderEvent>,
    ) -> Result<OrderState, PaymentServiceError> {
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
                        JobId::new(self.core.ids.new_id()),
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
    ) -> Result<JobOutcome, PaymentServiceError> {
        let at = timer_now(timer.due_at, self.core.clock.now());
        match self
            .execute_order(
                job.tenant,
                timer.order_id,
                |_, _| OrderCommand::Expire { at },
                Some(job.id),
            )
            .await
        {
            Err(PaymentServiceError::OrderNotFound) => {
                self.core.complete_bare(job.tenant, job.id).await?
            }
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
    /// [`PaymentServiceError::OrderNotFound`].
    pub async fn record_order_approval(
        &self,
        tenant: TenantId,
        id: OrderId,
    ) -> Result<OrderView, PaymentServiceError> {
        let after = self
            .apply_order_fact(tenant, id, OrderFact::Approved, None)
            .await?;
        OrderView::of(&after)
    }
}
