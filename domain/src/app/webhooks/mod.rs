//! The webhook log (issue 3, item 3): a verified provider event is stored once per
//! (provider, provider event id) with a job to process it, in one commit, before the provider
//! gets its 2xx; the job maps delivery statuses to verification commands.

use time::{Duration, OffsetDateTime};

use crate::ids::TenantId;
use crate::ports::{
    AggregateKind, ClaimedJob, DeliveryReport, PaymentReport, ProviderId, StreamId, WhatsAppReport,
};
use crate::verification::VerificationCommand;

use super::aggregates::webhooks::{WebhookLog, WebhookLogEvent};
use super::execute::Tx;
use super::jobs::kinds::ProcessWebhook;
use super::jobs::{Job, JobOutcome};
use super::verifications::{CodeForJobs, ProviderRefState, provider_ref_stream};
use super::{CoreError, WebhookService, WebhookServiceError};

mod parked;

/// The owner of webhooks that name nothing Onramp knows: the nil UUID, which no tenant has
/// (tenant ids are UUID v7).
pub const UNMATCHED_TENANT: TenantId = TenantId::new(uuid::Uuid::nil());

/// How long a delivery report whose provider reference is not known yet is retried (the report
/// can overtake the commit that records the provider's acceptance).
const UNMATCHED_PATIENCE: Duration = Duration::minutes(10);

/// A webhook whose signature was verified and whose body was parsed by the provider's adapter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboundWebhook {
    /// The provider that sent it.
    pub provider: ProviderId,
    /// The provider's id of the event (unique per provider).
    pub event_id: String,
    /// The provider's event type.
    pub event_type: String,
    /// The delivery status it reports, if any.
    pub report: Option<DeliveryReport>,
    /// What it reports about a payment (Stripe, PayPal), if anything.
    #[serde(default)]
    pub payment: Option<PaymentReport>,
    /// What it reports about WhatsApp (messages, statuses, WABA reviews), if anything.
    #[serde(default)]
    pub whatsapp: Option<WhatsAppReport>,
}

impl InboundWebhook {
    fn processable(&self) -> bool {
        self.report.is_some() || self.payment.is_some() || self.whatsapp.is_some()
    }

    pub(crate) fn reference(&self) -> Option<String> {
        self.report
            .as_ref()
            .map(|r| r.provider_ref.clone())
            .or_else(|| self.payment.as_ref().map(|p| p.provider_ref().to_owned()))
            .or_else(|| self.whatsapp.as_ref().map(|w| w.routing_ref().to_owned()))
    }
}

/// What became of an inbound webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookReceipt {
    /// Stored; its processing is queued (or nothing is to be done).
    Stored,
    /// Already stored: acknowledged and ignored.
    Duplicate,
}

/// The stored webhook: the webhook log row.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredWebhook {
    pub(crate) webhook: InboundWebhook,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) received_at: OffsetDateTime,
    /// What became of it: `pending`, `stored`, `parked`, then `processed`, `ignored`,
    /// `unmatched`, `adopted` (empty in rows stored before it was kept in the state).
    #[serde(default)]
    pub(crate) status: String,
}

fn webhook_stream(provider: ProviderId, event_id: &str) -> StreamId {
    StreamId::new(
        AggregateKind::WebhookEvent,
        format!("{provider}:{event_id}"),
    )
}

impl WebhookService {
    /// The tenant a webhook on shared credentials belongs to: the owner of the delivery its
    /// report names. None when it names no delivery Onramp knows.
    ///
    /// # Errors
    /// Store failures.
    pub async fn webhook_tenant(
        &self,
        webhook: &InboundWebhook,
    ) -> Result<Option<TenantId>, WebhookServiceError> {
        if let Some(payment) = &webhook.payment {
            return Ok(self.payments.payment_tenant(webhook, payment).await?);
        }
        if let Some(report) = &webhook.whatsapp {
            return Ok(self.whatsapp.whatsapp_tenant(webhook, report).await?);
        }
        let Some(report) = &webhook.report else {
            return Ok(None);
        };
        Ok(self
            .core
            .store
            .stream_owner(&provider_ref_stream(report.provider, &report.provider_ref))
            .await?)
    }

    /// Stores `webhook` for `tenant` once: a second delivery of the same (provider, event id)
    /// answers [`WebhookReceipt::Duplicate`] and changes nothing. A delivery report gets a
    /// processing job in the same commit.
    ///
    /// # Errors
    /// Store failures (the provider then gets a 5xx and delivers again).
    pub async fn accept_webhook(
        &self,
        tenant: TenantId,
        webhook: InboundWebhook,
    ) -> Result<WebhookReceipt, WebhookServiceError> {
        self.store_webhook(tenant, webhook, true).await
    }

    /// Stores a verified webhook that arrived on shared credentials and names nothing Onramp
    /// knows, under [`UNMATCHED_TENANT`] (no tenant's data; the tenant id no tenant can have), once
    /// per (provider, event id), with no processing: it is kept for the audit, and a duplicate
    /// is recognised like any other.
    ///
    /// # Errors
    /// Store failures.
    pub async fn accept_unmatched_webhook(
        &self,
        webhook: InboundWebhook,
    ) -> Result<WebhookReceipt, WebhookServiceError> {
        let parking = webhook
            .payment
            .as_ref()
            .map(|p| (webhook.provider, p.provider_ref().to_owned()));
        let receipt = self.store_webhook(UNMATCHED_TENANT, webhook, false).await?;
        // A payment report is parked under its reference (stored with the status `parked`):
        // the tenant that records the reference gets it.
        if let (WebhookReceipt::Stored, Some((provider, reference))) = (receipt, parking) {
            self.hand_over_if_known(provider, &reference).await?;
        }
        Ok(receipt)
    }

    async fn store_webhook(
        &self,
        tenant: TenantId,
        webhook: InboundWebhook,
        process: bool,
    ) -> Result<WebhookReceipt, WebhookServiceError> {
        let at = self.core.clock.now();
        let key = webhook_stream(webhook.provider, &webhook.event_id).id;
        let status = match (process, webhook.payment.is_some(), webhook.processable()) {
            (false, true, _) => parked::PARKED,
            (_, _, true) => "pending",
            _ => "stored",
        };
        let stored = StoredWebhook {
            webhook: webhook.clone(),
            received_at: at,
            status: status.into(),
        };
        let key = &key;
        let stored = &stored;
        let webhook = &webhook;
        let receipt = self
            .execute_once(tenant, |tx| {
                Box::pin(async move {
                    tx.apply(
                        &WebhookLog,
                        key,
                        vec![WebhookLogEvent::Received(Box::new(stored.clone()))],
                    )?;
                    if process && webhook.processable() {
                        tx.enqueue(self.process_job(key)?);
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(match receipt {
            Some(()) => WebhookReceipt::Stored,
            None => WebhookReceipt::Duplicate,
        })
    }

    /// The job that processes the webhook log's entry `key`, due now.
    pub(crate) fn process_job(&self, key: &str) -> Result<crate::ports::NewJob, CoreError> {
        Job::ProcessWebhook(ProcessWebhook {
            stream_id: key.to_owned(),
        })
        .schedule(
            crate::ids::JobId::new(self.core.ids.new_id()),
            self.core.clock.now(),
            None,
        )
    }

    /// Processes a stored delivery report: a delivered status marks the delivery; a failed voice
    /// call falls back to SMS with the same code; an undelivered SMS moves to the next provider.
    pub(crate) async fn process_webhook(
        &self,
        job: &ClaimedJob,
        r: ProcessWebhook,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WebhookServiceError> {
        let tenant = job.tenant;
        let stream = StreamId::new(AggregateKind::WebhookEvent, &r.stream_id);
        let Some(stored) = self
            .core
            .load_versioned::<StoredWebhook>(tenant, &stream)
            .await?
        else {
            return Err(CoreError::Corrupt(format!("webhook {} vanished", r.stream_id)).into());
        };
        if let Some(payment) = stored.state.webhook.payment.clone() {
            let outcome = self
                .payments
                .apply_payment_report(tenant, &stored.state.webhook, &payment)
                .await?;
            let Some(status) = outcome else {
                // Its object is not known yet: parked until its reference is recorded.
                let provider = stored.state.webhook.provider;
                return self
                    .park_payment_webhook(job, &stream, provider, payment.provider_ref())
                    .await;
            };
            return self.finish_webhook(tenant, job, &stream, status).await;
        }
        if let Some(report) = stored.state.webhook.whatsapp.clone() {
            let outcome = self
                .whatsapp
                .apply_whatsapp_report(tenant, &stored.state.webhook, &report)
                .await?;
            let status = match outcome {
                Some(status) => status,
                None => {
                    let now = self.core.clock.now();
                    if now - stored.state.received_at < UNMATCHED_PATIENCE {
                        return Ok(JobOutcome::RetryAt {
                            run_at: now + backoff(job.attempts),
                            reason: "WhatsApp reference not known yet".into(),
                        });
                    }
                    "unmatched"
                }
            };
            return self.finish_webhook(tenant, job, &stream, status).await;
        }
        let Some(report) = stored.state.webhook.report.clone() else {
            return self.finish_webhook(tenant, job, &stream, "ignored").await;
        };
        let target = self
            .core
            .load_versioned::<ProviderRefState>(
                tenant,
                &provider_ref_stream(report.provider, &report.provider_ref),
            )
            .await?;
        let Some(target) = target else {
            let now = self.core.clock.now();
            if now - stored.state.received_at < UNMATCHED_PATIENCE {
                return Ok(JobOutcome::RetryAt {
                    run_at: now + backoff(job.attempts),
                    reason: "provider reference not known yet".into(),
                });
            }
            return self.finish_webhook(tenant, job, &stream, "unmatched").await;
        };
        let report = &report;
        let stream = &stream;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
                let (current, quota) = self
                    .verifications
                    .load_with_quota(tx, target.state.verification_id)
                    .await?;
                let command = VerificationCommand::ApplyReport {
                    provider: report.provider,
                    provider_ref: report.provider_ref.clone(),
                    status: report.status.clone(),
                    quota: self.verifications.allowance(&quota, at),
                    at,
                };
                let sealed = current
                    .sealed_codes
                    .get(&target.state.seq)
                    .cloned()
                    .map_or(CodeForJobs::None, CodeForJobs::Encrypted);
                let (events, _, _) = self
                    .verifications
                    .decide_verification(tx, target.state.verification_id, &command, &sealed)
                    .await?;
                let status = if events.is_empty() {
                    "ignored"
                } else {
                    "processed"
                };
                tx.complete_job(job.id);
                self.mark_webhook(tx, &stream.id, status).await?;
                Ok(JobOutcome::Done)
            })
        })
        .await
    }

    async fn finish_webhook(
        &self,
        tenant: TenantId,
        job: &ClaimedJob,
        stream: &StreamId,
        status: &str,
    ) -> Result<JobOutcome, WebhookServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job.id);
                self.mark_webhook(tx, &stream.id, status).await
            })
        })
        .await?;
        Ok(JobOutcome::Done)
    }

    /// Records in `tx` what became of the webhook log's entry `key` (`processed`, `parked`, ...).
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when it is not in the webhook log.
    pub(crate) async fn mark_webhook(
        &self,
        tx: &mut Tx<'_>,
        key: &str,
        status: &str,
    ) -> Result<(), WebhookServiceError> {
        if tx.load::<StoredWebhook>(key).await?.is_none() {
            return Err(CoreError::Corrupt(format!("webhook {key} vanished")).into());
        }
        let event = WebhookLogEvent::Processed {
            outcome: status.into(),
            at: self.core.clock.now().unix_timestamp(),
        };
        tx.apply(&WebhookLog, key, vec![event])?;
        Ok(())
    }
}
