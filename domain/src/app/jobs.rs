//! Outbox and timer jobs: what a worker does with a claimed job.

use time::{Duration, OffsetDateTime};

use crate::ids::{SessionId, VerificationId};
use crate::ports::ClaimedJob;

use super::sessions::EXPIRE_SESSION_JOB;
use super::verifications::{DELIVER_CODE_JOB, EXPIRE_VERIFICATION_JOB};
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

pub(crate) fn payload<T: serde::de::DeserializeOwned>(job: &ClaimedJob) -> Result<T, AppError> {
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
            DELIVER_CODE_JOB => self.deliver_code(job).await,
            super::payments::TRIAL_REMINDER_JOB
            | super::payments::TRIAL_END_JOB
            | super::payments::TRIAL_VOID_JOB => self.run_trial_job(job, backoff).await,
            super::payments::orders::ORDER_EXPIRE_JOB => self.expire_order(job).await,
            super::payments::MAIL_JOB => self.send_mail(job, backoff).await,
            super::webhooks::PROCESS_WEBHOOK_JOB => self.process_webhook(job, backoff).await,
            super::whatsapp::WABA_STEP_JOB => self.run_waba_step(job, backoff).await,
            super::whatsapp::WABA_TOKEN_JOB => self.refresh_waba_token(job, backoff).await,
            super::whatsapp::WABA_SUBMIT_JOB => self.run_bsp_submit(job, backoff).await,
            super::whatsapp::WABA_POLL_JOB => self.run_bsp_poll(job, backoff).await,
            super::whatsapp::WHATSAPP_SEND_JOB => self.send_whatsapp(job, backoff).await,
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
}
