//! Outbox and timer jobs: the typed `kinds::Job` and the one dispatcher that runs a claimed
//! job (issue 11, item 3: a new kind is a compile error until it is handled here).

pub(crate) mod kinds;

use time::{Duration, OffsetDateTime};

use crate::ports::ClaimedJob;

pub(crate) use kinds::Job;
use kinds::TrialTimerKind;

use super::{JobError, Services};

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

impl Services {
    /// Runs one claimed job. `backoff` gives the wait before attempt `n + 1` after `n` failed
    /// attempts (exponential with jitter, chosen by the caller).
    ///
    /// # Errors
    /// Store failures and corrupt payloads (an unknown kind, a payload of another shape); the
    /// caller releases the job for a later attempt.
    pub async fn run_job(
        &self,
        job: &ClaimedJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, JobError> {
        Ok(match Job::of(job)? {
            Job::DeliverCode(p) => self.verifications.deliver_code(job, p).await?,
            Job::ExpireVerification { verification_id } => {
                self.verifications
                    .expire_verification(job.tenant, verification_id, job.id)
                    .await?;
                JobOutcome::Done
            }
            Job::ExpireSession { session_id } => {
                self.sessions
                    .expire_session(job.tenant, session_id, job.id)
                    .await?;
                JobOutcome::Done
            }
            Job::ProcessWebhook(p) => self.webhooks.process_webhook(job, p, backoff).await?,
            Job::WabaStep(p) => self.whatsapp.run_waba_step(job, p, backoff).await?,
            Job::WabaToken(p) => self.whatsapp.refresh_waba_token(job, p, backoff).await?,
            Job::BspSubmit(p) => self.whatsapp.run_bsp_submit(job, p, backoff).await?,
            Job::BspPoll(p) => self.whatsapp.run_bsp_poll(job, p, backoff).await?,
            Job::WhatsAppSend(p) => self.whatsapp.send_whatsapp(job, p, backoff).await?,
            Job::Mail(p) => self.mail.send_mail(job, p, backoff).await?,
            Job::TrialReminder(t) => {
                self.payments
                    .run_trial_job(job, TrialTimerKind::Reminder, t, backoff)
                    .await?
            }
            Job::TrialEnd(t) => {
                self.payments
                    .run_trial_job(job, TrialTimerKind::End, t, backoff)
                    .await?
            }
            Job::TrialVoid(t) => {
                self.payments
                    .run_trial_job(job, TrialTimerKind::Void, t, backoff)
                    .await?
            }
            Job::OrderExpire(t) => self.payments.expire_order(job, t).await?,
            Job::UnparkWebhooks(p) => self.webhooks.unpark_webhooks(job, p).await?,
        })
    }
}
