//! The mail outbox job: one e-mail per job, retried with backoff (MISSION.md E: notifications
//! retried up to 3 times).

use time::Duration;

use crate::ids::{JobId, TenantId};
use crate::ports::{ClaimedJob, Mail, NewJob, ProviderError};

use super::jobs::JobOutcome;
use super::jobs::kinds::{Job, MailMessage};
use super::{Core, CoreError, MailService};

impl Core {
    /// The outbox job that sends one e-mail, due now by the server's clock (not the logical
    /// time of a timer moved by the sandbox clock, which may lie ahead).
    pub(crate) fn mail_job(
        &self,
        to: &str,
        subject: String,
        body: String,
    ) -> Result<NewJob, CoreError> {
        let mail = Job::Mail(MailMessage {
            to: to.to_owned(),
            subject,
            body,
        });
        mail.schedule(JobId::new(self.ids.new_id()), self.clock.now(), None)
    }

    /// Marks a job done with no other write.
    pub(crate) async fn complete_bare(
        &self,
        tenant: TenantId,
        job: JobId,
    ) -> Result<(), CoreError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job);
                Ok(())
            })
        })
        .await
    }
}

impl MailService {
    /// Sends a queued e-mail; the job's id is the mail's idempotency key.
    pub(crate) async fn send_mail(
        &self,
        job: &ClaimedJob,
        m: MailMessage,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, CoreError> {
        let mail = Mail {
            tenant: job.tenant,
            to: m.to,
            subject: m.subject,
            body: m.body,
            key: job.id.to_string(),
        };
        match self.mailer.send(&mail).await {
            Ok(()) => {
                self.core.complete_bare(job.tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
            Err(e @ (ProviderError::Unavailable { .. } | ProviderError::Unexpected(_))) => {
                Ok(JobOutcome::RetryAt {
                    run_at: self.core.clock.now() + backoff(job.attempts),
                    reason: e.reason(),
                })
            }
            // Refused for good (a bad address): retrying cannot help.
            Err(_) => {
                self.core.complete_bare(job.tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
        }
    }
}
