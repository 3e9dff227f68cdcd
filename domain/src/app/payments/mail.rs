//! The mail outbox job: one e-mail per job, retried with backoff (MISSION.md E: notifications
//! retried up to 3 times).

use time::Duration;

use crate::ids::{JobId, TenantId};
use crate::ports::{ClaimedJob, Commit, Mail, NewJob, ProviderError};

use super::super::jobs::{JobOutcome, payload};
use super::super::{AppError, Services};

/// Job kind of an e-mail to send.
pub const MAIL_JOB: &str = "mail.send";

/// Attempts of a mail job: the first and 3 retries.
const MAIL_ATTEMPTS: u32 = 4;

#[derive(serde::Serialize, serde::Deserialize)]
struct MailJob {
    to: String,
    subject: String,
    body: String,
}

impl Services {
    /// The outbox job that sends one e-mail, due now by the server's clock (not the logical
    /// time of a timer moved by the sandbox clock, which may lie ahead).
    pub(crate) fn mail_job(
        &self,
        to: &str,
        subject: String,
        body: String,
    ) -> Result<NewJob, AppError> {
        Ok(NewJob {
            id: JobId::new(self.ids.new_id()),
            kind: MAIL_JOB.into(),
            payload: super::super::persist::to_json(&MailJob {
                to: to.to_owned(),
                subject,
                body,
            })?,
            run_at: self.clock.now(),
            timer_key: None,
            max_attempts: MAIL_ATTEMPTS,
        })
    }

    /// Sends a queued e-mail; the job's id is the mail's idempotency key.
    pub(crate) async fn send_mail(
        &self,
        job: &ClaimedJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let m: MailJob = payload(job)?;
        let mail = Mail {
            tenant: job.tenant,
            to: m.to,
            subject: m.subject,
            body: m.body,
            key: job.id.to_string(),
        };
        match self.mailer.send(&mail).await {
            Ok(()) => {
                self.complete_bare(job.tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
            Err(e @ (ProviderError::Unavailable { .. } | ProviderError::Unexpected(_))) => {
                Ok(JobOutcome::RetryAt {
                    run_at: self.clock.now() + backoff(job.attempts),
                    reason: e.reason(),
                })
            }
            // Refused for good (a bad address): retrying cannot help.
            Err(_) => {
                self.complete_bare(job.tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
        }
    }

    /// Marks a job done with no other write.
    pub(crate) async fn complete_bare(&self, tenant: TenantId, job: JobId) -> Result<(), AppError> {
        let mut commit = Commit::new(tenant);
        commit.complete_job = Some(job);
        self.store.commit(commit).await?;
        Ok(())
    }
}
