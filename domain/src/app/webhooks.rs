//! The webhook inbox (issue 3, item 3): a verified provider event is stored once per
//! (provider, provider event id) with a job to process it, in one commit, before the provider
//! gets its 2xx; the job maps delivery statuses to verification commands.

use time::{Duration, OffsetDateTime};

use crate::ids::TenantId;
use crate::ports::{
    AggregateKind, ClaimedJob, Commit, DeliveryReport, PaymentReport, ProviderId, StoreError,
    StreamId, WhatsAppReport,
};
use crate::verification::VerificationCommand;

use super::jobs::kinds::ProcessWebhook;
use super::jobs::{Job, JobOutcome};
use super::persist::{Columns, Versioned, stream_write};
use super::verifications::{CodeForJobs, ProviderRefState, provider_ref_stream};
use super::{AppError, Services};

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

    fn reference(&self) -> Option<String> {
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

/// The stored webhook: the inbox row.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredWebhook {
    pub(crate) webhook: InboundWebhook,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) received_at: OffsetDateTime,
}

fn webhook_stream(provider: ProviderId, event_id: &str) -> StreamId {
    StreamId::new(
        AggregateKind::WebhookEvent,
        format!("{provider}:{event_id}"),
    )
}

impl Services {
    /// The tenant a webhook on shared credentials belongs to: the owner of the delivery its
    /// report names. None when it names no delivery Onramp knows.
    ///
    /// # Errors
    /// Store failures.
    pub async fn webhook_tenant(
        &self,
        webhook: &InboundWebhook,
    ) -> Result<Option<TenantId>, AppError> {
        if let Some(payment) = &webhook.payment {
            return self.payment_tenant(webhook, payment).await;
        }
        if let Some(report) = &webhook.whatsapp {
            return self.whatsapp_tenant(webhook, report).await;
        }
        let Some(report) = &webhook.report else {
            return Ok(None);
        };
        Ok(self
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
    ) -> Result<WebhookReceipt, AppError> {
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
    ) -> Result<WebhookReceipt, AppError> {
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
    ) -> Result<WebhookReceipt, AppError> {
        let at = self.clock.now();
        let stream = webhook_stream(webhook.provider, &webhook.event_id);
        let stored = StoredWebhook {
            webhook: webhook.clone(),
            received_at: at,
        };
        let mut commit = Commit::new(tenant);
        commit.streams.push(stream_write(
            stream.clone(),
            0,
            &[("webhook.received", stored.clone(), at)],
            &stored,
            Columns {
                status: match (process, webhook.payment.is_some(), webhook.processable()) {
                    (false, true, _) => super::payments::PARKED,
                    (_, _, true) => "pending",
                    _ => "stored",
                }
                .into(),
                flow_id: None,
                phone: None,
                external_ref: webhook.reference(),
                session_id: None,
                created_at: at,
                updated_at: at,
            },
        )?);
        if process && webhook.processable() {
            let process = Job::ProcessWebhook(ProcessWebhook {
                stream_id: stream.id.clone(),
            });
            commit.jobs.push(process.schedule(
                crate::ids::JobId::new(self.ids.new_id()),
                at,
                None,
            )?);
        }
        match self.store.commit(commit).await {
            Ok(()) => Ok(WebhookReceipt::Stored),
            Err(StoreError::Conflict(_)) => Ok(WebhookReceipt::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    /// Processes a stored delivery report: a delivered status marks the delivery; a failed voice
    /// call falls back to SMS with the same code; an undelivered SMS moves to the next provider.
    pub(crate) async fn process_webhook(
        &self,
        job: &ClaimedJob,
        r: ProcessWebhook,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let stream = StreamId::new(AggregateKind::WebhookEvent, &r.stream_id);
        let Some(stored) = self
            .load_versioned::<StoredWebhook>(tenant, &stream)
            .await?
        else {
            return Err(AppError::Corrupt(format!(
                "webhook {} vanished",
                r.stream_id
            )));
        };
        if let Some(payment) = stored.state.webhook.payment.clone() {
            let outcome = self
                .apply_payment_report(tenant, &stored.state.webhook, &payment)
                .await?;
            let Some(status) = outcome else {
                // Its object is not known yet: parked until its reference is recorded.
                let provider = stored.state.webhook.provider;
                return self
                    .park_payment_webhook(job, &stream, &stored, provider, payment.provider_ref())
                    .await;
            };
            return self
                .finish_webhook(tenant, job, &stream, &stored, status)
                .await;
        }
        if let Some(report) = stored.state.webhook.whatsapp.clone() {
            let outcome = self
                .apply_whatsapp_report(tenant, &stored.state.webhook, &report)
                .await?;
            let status = match outcome {
                Some(status) => status,
                None => {
                    let now = self.clock.now();
                    if now - stored.state.received_at < UNMATCHED_PATIENCE {
                        return Ok(JobOutcome::RetryAt {
                            run_at: now + backoff(job.attempts),
                            reason: "WhatsApp reference not known yet".into(),
                        });
                    }
                    "unmatched"
                }
            };
            return self
                .finish_webhook(tenant, job, &stream, &stored, status)
                .await;
        }
        let Some(report) = stored.state.webhook.report.clone() else {
            return self
                .finish_webhook(tenant, job, &stream, &stored, "ignored")
                .await;
        };
        let target = self
            .load_versioned::<ProviderRefState>(
                tenant,
                &provider_ref_stream(report.provider, &report.provider_ref),
            )
            .await?;
        let Some(target) = target else {
            let now = self.clock.now();
            if now - stored.state.received_at < UNMATCHED_PATIENCE {
                return Ok(JobOutcome::RetryAt {
                    run_at: now + backoff(job.attempts),
                    reason: "provider reference not known yet".into(),
                });
            }
            return self
                .finish_webhook(tenant, job, &stream, &stored, "unmatched")
                .await;
        };
        self.retrying(|| async {
            let at = self.clock.now();
            let (current, _, quota) = self
                .load_with_quota(tenant, target.state.verification_id)
                .await?;
            let command = VerificationCommand::ApplyReport {
                provider: report.provider,
                provider_ref: report.provider_ref.clone(),
                status: report.status.clone(),
                quota: self.allowance(&quota.state, at),
                at,
            };
            let sealed = current
                .state
                .sealed_codes
                .get(&target.state.seq)
                .cloned()
                .map_or(CodeForJobs::None, CodeForJobs::Encrypted);
            let mut commit = Commit::new(tenant);
            let (events, _, _) =
                self.decide_into(&mut commit, &current, &quota, &command, &sealed)?;
            let status = if events.is_empty() {
                "ignored"
            } else {
                "processed"
            };
            self.webhook_done_writes(&mut commit, job, &stream, &stored, status, at)?;
            self.store.commit(commit).await?;
            Ok(JobOutcome::Done)
        })
        .await
    }

    async fn finish_webhook(
        &self,
        tenant: TenantId,
        job: &ClaimedJob,
        stream: &StreamId,
        stored: &Versioned<StoredWebhook>,
        status: &str,
    ) -> Result<JobOutcome, AppError> {
        let mut commit = Commit::new(tenant);
        self.webhook_done_writes(&mut commit, job, stream, stored, status, self.clock.now())?;
        self.store.commit(commit).await?;
        Ok(JobOutcome::Done)
    }

    pub(crate) fn webhook_done_writes(
        &self,
        commit: &mut Commit,
        job: &ClaimedJob,
        stream: &StreamId,
        stored: &Versioned<StoredWebhook>,
        status: &str,
        at: OffsetDateTime,
    ) -> Result<(), AppError> {
        commit.complete_job = Some(job.id);
        self.webhook_status_write(commit, stream, stored, status, at)
    }

    /// The write that records what became of a stored webhook (`processed`, `parked`, ...).
    pub(crate) fn webhook_status_write(
        &self,
        commit: &mut Commit,
        stream: &StreamId,
        stored: &Versioned<StoredWebhook>,
        status: &str,
        at: OffsetDateTime,
    ) -> Result<(), AppError> {
        commit.streams.push(stream_write(
            stream.clone(),
            stored.version,
            &[(
                "webhook.processed",
                serde_json::json!({ "outcome": status, "at": at.unix_timestamp() }),
                at,
            )],
            &stored.state,
            Columns {
                status: status.into(),
                flow_id: None,
                phone: None,
                external_ref: stored.state.webhook.reference(),
                session_id: None,
                created_at: stored.state.received_at,
                updated_at: at,
            },
        )?);
        Ok(())
    }
}
