//! Payment webhooks that arrive before their object (issue 11, item 8): PayPal redelivers for
//! days, and a `PAYMENT.CAPTURE.REFUNDED` can overtake the capture it refunds. Such a webhook
//! stays in the webhook log with the status `parked` and the reference it names
//! (`{subscription, order or capture id}`, its row's `external_ref`); the commit that records
//! that reference also queues the job that applies every webhook parked under it, at once,
//! whenever that is. Webhooks on shared credentials whose tenant is not known yet are parked
//! under [`UNMATCHED_TENANT`] and handed to the tenant that records the reference.
//!
//! Each parked webhook is its own webhook log row, found by the listing index on the reference: a
//! thousand events about one unknown object cost a thousand small rows, not a growing list.

use crate::ids::TenantId;
use crate::ports::{AggregateKind, ClaimedJob, ListQuery, Loaded, ProviderId, StreamId};

use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::UnparkWebhooks;
use super::super::payments::payment_ref_stream;
use super::super::persist::state_of;
use super::super::{WebhookService, WebhookServiceError};
use super::{StoredWebhook, UNMATCHED_TENANT};

/// The webhook log status of a parked webhook.
pub(crate) const PARKED: &str = "parked";
/// Parked webhooks read per listing page.
const PAGE: u32 = 100;

/// A parked webhook: its webhook log row and what was stored.
struct Parked {
    row: Loaded,
    stored: StoredWebhook,
}

impl WebhookService {
    /// Parks the webhook of `job` (webhook log stream `stream`), completing the job; then looks at
    /// the reference again: recorded meanwhile (its unpark job may have run before this park),
    /// the webhook is queued again at once.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn park_payment_webhook(
        &self,
        job: &ClaimedJob,
        stream: &StreamId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<JobOutcome, WebhookServiceError> {
        let tenant = job.tenant;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job.id);
                self.mark_webhook(tx, &stream.id, PARKED).await
            })
        })
        .await?;
        if self
            .core
            .store
            .load(tenant, &payment_ref_stream(provider, reference))
            .await?
            .is_some()
        {
            self.execute(tenant, |tx| {
                Box::pin(async move {
                    tx.enqueue(self.process_job(&stream.id)?);
                    Ok(())
                })
            })
            .await?;
        }
        Ok(JobOutcome::Done)
    }

    /// After a payment webhook on shared credentials was parked under [`UNMATCHED_TENANT`]:
    /// when a tenant recorded its reference meanwhile, hands it over at once.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn hand_over_if_known(
        &self,
        provider: ProviderId,
        reference: &str,
    ) -> Result<(), WebhookServiceError> {
        let owner = self
            .core
            .store
            .stream_owner(&payment_ref_stream(provider, reference))
            .await?;
        if let Some(tenant) = owner {
            self.adopt_unmatched(tenant, provider, reference).await?;
        }
        Ok(())
    }

    /// The unpark job of a reference `job`'s tenant recorded: hands over the webhooks parked
    /// on shared credentials, then queues every webhook parked under it for the tenant.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn unpark_webhooks(
        &self,
        job: &ClaimedJob,
        p: UnparkWebhooks,
    ) -> Result<JobOutcome, WebhookServiceError> {
        let tenant = job.tenant;
        self.adopt_unmatched(tenant, p.provider, &p.reference)
            .await?;
        let parked = self.parked(tenant, p.provider, &p.reference).await?;
        let parked = &parked;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job.id);
                for webhook in parked {
                    tx.enqueue(self.process_job(&webhook.row.stream.id)?);
                }
                Ok(())
            })
        })
        .await?;
        Ok(JobOutcome::Done)
    }

    /// Hands the webhooks parked on shared credentials under a reference to `tenant`, which
    /// recorded it: each is stored for the tenant (once: one handed over twice is a duplicate)
    /// with its processing job, then marked `adopted` where it was.
    async fn adopt_unmatched(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<(), WebhookServiceError> {
        for parked in self.parked(UNMATCHED_TENANT, provider, reference).await? {
            self.accept_webhook(tenant, parked.stored.webhook.clone())
                .await?;
            // Another hand-over may mark it first: then this one changes nothing.
            let parked = &parked;
            self.execute_once(UNMATCHED_TENANT, |tx| {
                Box::pin(async move {
                    tx.adopt::<StoredWebhook>(&parked.row)?;
                    self.mark_webhook(tx, &parked.row.stream.id, "adopted")
                        .await
                })
            })
            .await?;
        }
        Ok(())
    }

    /// The webhooks of `tenant` parked under `provider`'s `reference`, oldest first.
    async fn parked(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<Vec<Parked>, WebhookServiceError> {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let query = ListQuery {
                status: Some(PARKED.into()),
                external_ref: Some(reference.to_owned()),
                limit: PAGE,
                cursor,
                ..ListQuery::default()
            };
            let page = self
                .core
                .store
                .list(tenant, AggregateKind::WebhookEvent, &query)
                .await?;
            for row in page.items {
                let stored: StoredWebhook = state_of(&row, &self.core.flows)?;
                if stored.webhook.provider == provider {
                    all.push(Parked { row, stored });
                }
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        all.reverse();
        Ok(all)
    }
}
