//! Payment webhooks (Stripe, PayPal) applied to the trial or order they name.

use crate::ids::TenantId;
use crate::order::OrderFact;
use crate::ports::{OrderEvent, PaymentReport};

use super::super::persist::Versioned;
use super::super::webhooks::InboundWebhook;
use super::super::{PaymentService, PaymentServiceError};
use super::refs::{PaymentTarget, payment_ref_stream};
use super::trial_commit::TrialReport;

impl PaymentService {
    /// Applies a verified payment report. `Ok(None)` when it names no trial or order of the
    /// tenant (yet: the report can overtake the commit that records the reference); otherwise
    /// the webhook's outcome, `processed` or `ignored`.
    pub(crate) async fn apply_payment_report(
        &self,
        tenant: TenantId,
        webhook: &InboundWebhook,
        report: &PaymentReport,
    ) -> Result<Option<&'static str>, PaymentServiceError> {
        let Some(target) = self
            .core
            .load_versioned::<PaymentTarget>(
                tenant,
                &payment_ref_stream(webhook.provider, report.provider_ref()),
            )
            .await?
            .map(|v: Versioned<PaymentTarget>| v.state)
        else {
            return Ok(None);
        };
        match (target, report) {
            (
                PaymentTarget::Trial(id),
                PaymentReport::Subscription {
                    status,
                    trial_will_end,
                    created,
                    ..
                },
            ) => {
                let report = TrialReport {
                    event_id: webhook.event_id.clone(),
                    status: *status,
                    trial_will_end: *trial_will_end,
                    created: *created,
                };
                self.apply_trial_report(tenant, id, &report, None).await?;
                Ok(Some("processed"))
            }
            (PaymentTarget::Order(id), PaymentReport::Order { event, .. }) => {
                let fact = match event {
                    OrderEvent::Approved => OrderFact::Approved,
                    OrderEvent::CaptureCompleted { capture } => {
                        OrderFact::Captured(capture.clone())
                    }
                    OrderEvent::CapturePending { .. } => OrderFact::Pending,
                    OrderEvent::CaptureDenied { .. } => OrderFact::Denied,
                    OrderEvent::CaptureRefunded { .. } => OrderFact::Refunded,
                };
                self.apply_order_fact(tenant, id, fact, None).await?;
                Ok(Some("processed"))
            }
            _ => Ok(Some("ignored")),
        }
    }

    /// The tenant a payment report on shared credentials belongs to: the owner of the
    /// subscription, order or capture it names.
    pub(crate) async fn payment_tenant(
        &self,
        webhook: &InboundWebhook,
        report: &PaymentReport,
    ) -> Result<Option<TenantId>, PaymentServiceError> {
        Ok(self
            .core
            .store
            .stream_owner(&payment_ref_stream(webhook.provider, report.provider_ref()))
            .await?)
    }
}
