//! Outbox and timer jobs: what a worker does with a claimed job.

use time::{Duration, OffsetDateTime};

use crate::ids::{SessionId, VerificationId};
use crate::ports::{ClaimedJob, CodeDelivery, ProviderError};
use crate::verification::DeliveryOutcome;

use super::sessions::EXPIRE_SESSION_JOB;
use super::verifications::{DELIVER_CODE_JOB, DeliverPayload, EXPIRE_VERIFICATION_JOB};
use super::{AppError, Services};

/// What became of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done: its effects are committed and the job is marked done in the same commit.
    Done,
    /// Not done yet: run it again at `run_at` (provider unavailable).
    RetryAt {
        /// When to try again.
        run_at: OffsetDateTime,
        /// Why, for `last_error`.
        reason: String,
    },
}

#[derive(serde::Deserialize)]
struct SessionRef {
    session_id: SessionId,
}

#[derive(serde::Deserialize)]
struct VerificationRef {
    verification_id: VerificationId,
}

fn payload<T: serde::de::DeserializeOwned>(job: &ClaimedJob) -> Result<T, AppError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| AppError::Corrupt(format!("job {} payload: {e}", job.id)))
}

impl Services {
    /// Runs one claimed job. `backoff` gives the wait before attempt `n + 1` after `n` failed
    /// attempts (exponential with jitter, chosen by the caller).
    ///
    /// # Errors
    /// Store failures and corrupt payloads; the caller releases the job for a later attempt.
    pub async fn run_job(
        &self,
        job: &ClaimedJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        match job.kind.as_str() {
            DELIVER_CODE_JOB => self.deliver_code(job, backoff).await,
            EXPIRE_VERIFICATION_JOB => {
                let r: VerificationRef = payload(job)?;
                self.expire_verification(job.tenant, r.verification_id, job.id)
                    .await?;
                Ok(JobOutcome::Done)
            }
            EXPIRE_SESSION_JOB => {
                let r: SessionRef = payload(job)?;
                self.expire_session(job.tenant, r.session_id, job.id)
                    .await?;
                Ok(JobOutcome::Done)
            }
            other => Err(AppError::Corrupt(format!("unknown job kind {other}"))),
        }
    }

    async fn deliver_code(
        &self,
        job: &ClaimedJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let p: DeliverPayload = payload(job)?;
        let current = self
            .load_verification(job.tenant, p.verification_id)
            .await?;
        let now = self.clock.now();
        let still_queued = current
            .state
            .deliveries
            .iter()
            .any(|d| d.seq == p.seq && d.status == crate::verification::DeliveryStatus::Queued);
        // Nothing to send for an answered delivery (a re-run job) or a code nobody can use any more.
        if !still_queued
            || current.state.status_at(now) != crate::verification::VerificationStatus::Pending
        {
            let mut commit = crate::ports::Commit::new(job.tenant);
            commit.complete_job = Some(job.id);
            self.store.commit(commit).await?;
            return Ok(JobOutcome::Done);
        }
        let phone = current
            .state
            .phone
            .clone()
            .ok_or(AppError::VerificationNotFound)?;
        let delivery = CodeDelivery {
            delivery_id: job.id,
            tenant: job.tenant,
            to: phone,
            channel: p.channel,
            code: self.job_code(&p)?,
        };
        let provider = self.sender.provider().to_string();
        let outcome = match self.sender.send_code(&delivery).await {
            Ok(receipt) => DeliveryOutcome::Delivered {
                provider: receipt.provider.to_string(),
            },
            Err(ProviderError::Unavailable {
                retry_after,
                reason,
            }) if job.attempts < job.max_attempts => {
                let wait = retry_after
                    .and_then(|d| Duration::try_from(d).ok())
                    .unwrap_or_else(|| backoff(job.attempts));
                return Ok(JobOutcome::RetryAt {
                    run_at: now + wait,
                    reason,
                });
            }
            Err(e) => DeliveryOutcome::Failed {
                provider,
                reason: e.reason(),
            },
        };
        self.record_delivery(job.tenant, job.id, &p, outcome)
            .await?;
        Ok(JobOutcome::Done)
    }
}
