//! Payment webhooks that arrive before their object (issue 11, item 8): PayPal redelivers for
//! days, and a `PAYMENT.CAPTURE.REFUNDED` can overtake the capture it refunds. Such a webhook is
//! parked under the reference it names (`{provider}:{subscription, order or capture id}`); the
//! commit that records that reference also queues the job that applies every webhook parked
//! under it, at once, whenever that is. Webhooks on shared credentials whose tenant is not
//! known yet are parked under [`UNMATCHED_TENANT`] and handed to the reference's tenant then.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{JobId, TenantId};
use crate::ports::{AggregateKind, ClaimedJob, Commit, ProviderId, StoreError, StreamId};

use super::super::jobs::kinds::{ProcessWebhook, UnparkWebhooks};
use super::super::jobs::{Job, JobOutcome};
use super::super::persist::{Columns, Versioned, stream_write};
use super::super::webhooks::{StoredWebhook, UNMATCHED_TENANT};
use super::super::{AppError, Services};
use super::refs::{PaymentTarget, payment_ref_stream, payment_ref_write};

/// The webhooks parked under one reference: their inbox stream ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParkedWebhooks {
    webhooks: Vec<String>,
}

fn parked_stream(provider: ProviderId, reference: &str) -> StreamId {
    StreamId::new(
        AggregateKind::ParkedWebhooks,
        format!("{provider}:{reference}"),
    )
}

fn parked_write(
    key: &StreamId,
    current: &Versioned<ParkedWebhooks>,
    after: &ParkedWebhooks,
    event: &'static str,
    at: OffsetDateTime,
) -> Result<crate::ports::StreamWrite, AppError> {
    stream_write(
        key.clone(),
        current.version,
        &[(event, after.clone(), at)],
        after,
        Columns {
            status: if after.webhooks.is_empty() {
                "empty"
            } else {
                "parked"
            }
            .into(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: at,
            updated_at: at,
        },
    )
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

    /// Parks the webhook of `job` (inbox stream `stream`) under the reference it names,
    /// completing the job; then looks at the reference again: recorded meanwhile (its unpark
    /// job may have run before this park), the webhook is queued again at once.
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
        let key = parked_stream(provider, reference);
        self.retrying(|| async {
            let current = self
                .load_versioned::<ParkedWebhooks>(tenant, &key)
                .await?
                .unwrap_or_else(Versioned::empty);
            let mut after = current.state.clone();
            if !after.webhooks.contains(&stream.id) {
                after.webhooks.push(stream.id.clone());
            }
            let at = self.clock.now();
            let mut commit = Commit::new(tenant);
            commit.streams.push(parked_write(
                &key,
                &current,
                &after,
                "parked_webhooks.parked",
                at,
            )?);
            self.webhook_done_writes(&mut commit, job, stream, stored, "parked", at)?;
            self.store.commit(commit).await?;
            Ok(())
        })
        .await?;
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

    /// Parks a webhook stored under [`UNMATCHED_TENANT`] (inbox stream `stream`) under the
    /// payment reference it names; when a tenant recorded that reference meanwhile, hands it
    /// over at once.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn park_unmatched_webhook(
        &self,
        stream: &StreamId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<(), AppError> {
        let key = parked_stream(provider, reference);
        self.retrying(|| async {
            let current = self
                .load_versioned::<ParkedWebhooks>(UNMATCHED_TENANT, &key)
                .await?
                .unwrap_or_else(Versioned::empty);
            if current.state.webhooks.contains(&stream.id) {
                return Ok(());
            }
            let mut after = current.state.clone();
            after.webhooks.push(stream.id.clone());
            let at = self.clock.now();
            let mut commit = Commit::new(UNMATCHED_TENANT);
            commit.streams.push(parked_write(
                &key,
                &current,
                &after,
                "parked_webhooks.parked",
                at,
            )?);
            self.store.commit(commit).await?;
            Ok(())
        })
        .await?;
        let owner = self
            .store
            .stream_owner(&payment_ref_stream(provider, reference))
            .await?;
        if let Some(tenant) = owner {
            self.adopt_unmatched(tenant, provider, reference).await?;
        }
        Ok(())
    }

    /// The unpark job of a reference of `job`'s tenant: queues every webhook parked under it
    /// for the tenant, and hands over the ones parked on shared credentials.
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
        let key = parked_stream(p.provider, &p.reference);
        self.retrying(|| async {
            let mut commit = Commit::new(tenant);
            commit.complete_job = Some(job.id);
            if let Some(current) = self.load_versioned::<ParkedWebhooks>(tenant, &key).await?
                && !current.state.webhooks.is_empty()
            {
                for webhook in &current.state.webhooks {
                    commit.jobs.push(self.process_job(webhook)?);
                }
                let at = self.clock.now();
                let empty = ParkedWebhooks::default();
                commit.streams.push(parked_write(
                    &key,
                    &current,
                    &empty,
                    "parked_webhooks.released",
                    at,
                )?);
            }
            self.store.commit(commit).await?;
            Ok(())
        })
        .await?;
        Ok(JobOutcome::Done)
    }

    /// Hands the webhooks parked on shared credentials under a reference to `tenant`, which
    /// recorded it: each is stored for the tenant (once: a webhook handed over twice is a
    /// duplicate) with its processing job, then the shared list is emptied.
    async fn adopt_unmatched(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<(), AppError> {
        let key = parked_stream(provider, reference);
        let Some(parked) = self
            .load_versioned::<ParkedWebhooks>(UNMATCHED_TENANT, &key)
            .await?
        else {
            return Ok(());
        };
        if parked.state.webhooks.is_empty() {
            return Ok(());
        }
        for id in &parked.state.webhooks {
            let stream = StreamId::new(AggregateKind::WebhookEvent, id);
            if let Some(stored) = self
                .load_versioned::<StoredWebhook>(UNMATCHED_TENANT, &stream)
                .await?
            {
                self.accept_webhook(tenant, stored.state.webhook).await?;
            }
        }
        let mut commit = Commit::new(UNMATCHED_TENANT);
        let empty = ParkedWebhooks::default();
        let at = self.clock.now();
        commit.streams.push(parked_write(
            &key,
            &parked,
            &empty,
            "parked_webhooks.released",
            at,
        )?);
        match self.store.commit(commit).await {
            // Another hand-over emptied it first; what it handed over is stored once anyway.
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn process_job(&self, webhook: &str) -> Result<crate::ports::NewJob, AppError> {
        Job::ProcessWebhook(ProcessWebhook {
            stream_id: webhook.to_owned(),
        })
        .schedule(JobId::new(self.ids.new_id()), self.clock.now(), None)
    }
}
