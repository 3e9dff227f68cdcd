//! Payment webhooks that arrive before their object (issue 11, item 8): PayPal redelivers for
//! days, and a `PAYMENT.CAPTURE.REFUNDED` can overtake the capture it refunds. Such a webhook
//! stays in the inbox with the status `parked` and the reference it names
//! (`{subscription, order or capture id}`, its row's `external_ref`); the commit that records
//! that reference also queues the job that applies every webhook parked under it, at once,
//! whenever that is. Webhooks on shared credentials whose tenant is not known yet are parked
//! under [`UNMATCHED_TENANT`] and handed to the tenant that records the reference.
//!
//! Each parked webhook is its own inbox row, found by the listing index on the reference: a
//! thousand events about one unknown object cost a thousand small rows, not a growing list.

use time::OffsetDateTime;

use crate::ids::{JobId, TenantId};
use crate::ports::{
    AggregateKind, ClaimedJob, Commit, ListQuery, ProviderId, StoreError, StreamId,
};

use super::super::jobs::kinds::{ProcessWebhook, UnparkWebhooks};
use super::super::jobs::{Job, JobOutcome};
use super::super::persist::{Versioned, state_of};
use super::super::webhooks::{StoredWebhook, UNMATCHED_TENANT};
use super::super::{AppError, Services};
use super::refs::{PaymentTarget, payment_ref_stream, payment_ref_write};

/// The inbox status of a parked webhook.
pub(crate) const PARKED: &str = "parked";
/// Parked webhooks read per listing page.
const PAGE: u32 = 100;

/// A parked webhook: its inbox stream and what was stored.
struct Parked {
    stream: StreamId,
    stored: Versioned<StoredWebhook>,
}

impl Services {
    /// Records a payment reference in `commit`, with the job that applies the webhooks parked
    /// under it.
    pub(crate) fn record_payment_ref(
        &self,
        commit: &mut Commit,
        provider: ProviderId,
        reference: &str,
        target: PaymentTarget,
        at: OffsetDateTime,
    ) -> Result<(), AppError> {
        commit
            .streams
            .push(payment_ref_write(provider, reference, target, at)?);
        let unpark = Job::UnparkWebhooks(UnparkWebhooks {
            provider,
            reference: reference.to_owned(),
        });
        commit
            .jobs
            .push(unpark.schedule(JobId::new(self.ids.new_id()), self.clock.now(), None)?);
        Ok(())
    }

    /// Parks the webhook of `job` (inbox stream `stream`), completing the job; then looks at
    /// the reference again: recorded meanwhile (its unpark job may have run before this park),
    /// the webhook is queued again at once.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn park_payment_webhook(
        &self,
        job: &ClaimedJob,
        stream: &StreamId,
        stored: &Versioned<StoredWebhook>,
        provider: ProviderId,
        reference: &str,
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let mut commit = Commit::new(tenant);
        self.webhook_done_writes(&mut commit, job, stream, stored, PARKED, self.clock.now())?;
        self.store.commit(commit).await?;
        if self
            .store
            .load(tenant, &payment_ref_stream(provider, reference))
            .await?
            .is_some()
        {
            let mut commit = Commit::new(tenant);
            commit.jobs.push(self.process_job(&stream.id)?);
            self.store.commit(commit).await?;
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
    ) -> Result<(), AppError> {
        let owner = self
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
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        self.adopt_unmatched(tenant, p.provider, &p.reference)
            .await?;
        let mut commit = Commit::new(tenant);
        commit.complete_job = Some(job.id);
        for parked in self.parked(tenant, p.provider, &p.reference).await? {
            commit.jobs.push(self.process_job(&parked.stream.id)?);
        }
        self.store.commit(commit).await?;
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
    ) -> Result<(), AppError> {
        for parked in self.parked(UNMATCHED_TENANT, provider, reference).await? {
            self.accept_webhook(tenant, parked.stored.state.webhook.clone())
                .await?;
            let mut commit = Commit::new(UNMATCHED_TENANT);
            let at = self.clock.now();
            self.webhook_status_write(&mut commit, &parked.stream, &parked.stored, "adopted", at)?;
            match self.store.commit(commit).await {
                // Another hand-over marked it first.
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The webhooks of `tenant` parked under `provider`'s `reference`, oldest first.
    async fn parked(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<Vec<Parked>, AppError> {
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
                .store
                .list(tenant, AggregateKind::WebhookEvent, &query)
                .await?;
            for row in &page.items {
                let stored: StoredWebhook = state_of(row)?;
                if stored.webhook.provider == provider {
                    all.push(Parked {
                        stream: row.stream.clone(),
                        stored: Versioned {
                            state: stored,
                            version: row.version,
                        },
                    });
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

    fn process_job(&self, webhook: &str) -> Result<crate::ports::NewJob, AppError> {
        Job::ProcessWebhook(ProcessWebhook {
            stream_id: webhook.to_owned(),
        })
        .schedule(JobId::new(self.ids.new_id()), self.clock.now(), None)
    }
}
