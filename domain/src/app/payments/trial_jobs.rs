//! A trial's timers (issue 4, item 6): the reminder three days before the end, the end, and the
//! safety net that voids a card-check authorization the request could not void.

use time::{Duration, OffsetDateTime};

use crate::ids::{CustomerId, JobId, TrialId};
use crate::ports::{ClaimedJob, NewJob, PaymentError};
use crate::trial::{REMINDER_BEFORE_END, TrialCommand};

use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::{Job, TrialTimer, TrialTimerKind};
use super::super::{CoreError, PaymentService, PaymentServiceError};
use super::timer_now;

/// The void job runs this long after the authorization, in case the request's own void failed.
const VOID_SAFETY_DELAY: Duration = Duration::seconds(60);

/// The timer keys of a trial, canceled when it ends early.
pub(crate) fn timer_keys(id: TrialId) -> [String; 2] {
    [format!("trial:{id}:reminder"), format!("trial:{id}:end")]
}

impl PaymentService {
    fn trial_timer(
        &self,
        kind: TrialTimerKind,
        key: String,
        id: TrialId,
        due: OffsetDateTime,
    ) -> Result<NewJob, CoreError> {
        let timer = TrialTimer {
            trial_id: id,
            due_at: due,
        };
        let job = match kind {
            TrialTimerKind::Reminder => Job::TrialReminder(timer),
            TrialTimerKind::End => Job::TrialEnd(timer),
            TrialTimerKind::Void => Job::TrialVoid(timer),
        };
        job.schedule(JobId::new(self.core.ids.new_id()), due, Some(key))
    }

    /// The reminder (3 days before the end, or at the start of a shorter trial) and the end.
    pub(crate) fn trial_timers(
        &self,
        id: TrialId,
        started_at: OffsetDateTime,
        ends_at: OffsetDateTime,
    ) -> Result<Vec<NewJob>, PaymentServiceError> {
        let [reminder, end] = timer_keys(id);
        let remind_at = (ends_at - REMINDER_BEFORE_END).max(started_at);
        Ok(vec![
            self.trial_timer(TrialTimerKind::Reminder, reminder, id, remind_at)?,
            self.trial_timer(TrialTimerKind::End, end, id, ends_at)?,
        ])
    }

    /// The safety net of an authorization: voids it unless the request did.
    pub(crate) fn void_job(&self, id: TrialId, at: OffsetDateTime) -> Result<NewJob, CoreError> {
        self.trial_timer(
            TrialTimerKind::Void,
            format!("trial:{id}:void:{}", at.unix_timestamp_nanos()),
            id,
            at + VOID_SAFETY_DELAY,
        )
    }

    /// Runs a trial timer.
    pub(crate) async fn run_trial_job(
        &self,
        job: &ClaimedJob,
        kind: TrialTimerKind,
        timer: TrialTimer,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, PaymentServiceError> {
        let tenant = job.tenant;
        let id = timer.trial_id;
        let state = match self.load_trial(tenant, id).await {
            Err(PaymentServiceError::TrialNotFound) => {
                self.core.complete_bare(tenant, job.id).await?;
                return Ok(JobOutcome::Done);
            }
            other => other?.state,
        };
        let at = timer_now(timer.due_at, self.core.clock.now());
        let retry = |e: PaymentError| -> Result<JobOutcome, PaymentServiceError> {
            match e {
                PaymentError::Provider(p) if p.counts_against_provider() => {
                    Ok(JobOutcome::RetryAt {
                        run_at: self.core.clock.now() + backoff(job.attempts),
                        reason: p.reason(),
                    })
                }
                other => Err(other.into()),
            }
        };
        match kind {
            TrialTimerKind::Reminder => {
                self.execute_trial(
                    tenant,
                    id,
                    |_, _| TrialCommand::SendReminder { at },
                    Some(job.id),
                )
                .await?;
            }
            TrialTimerKind::End => {
                let cards = self.providers.card_on_file(tenant).await?;
                let outcome = match &state.subscription {
                    Some(sub) => match cards.trial_end_outcome(sub).await {
                        Ok(o) => o,
                        Err(e) => return retry(e),
                    },
                    None => None,
                };
                let account = CustomerId::new(self.core.ids.new_id());
                self.execute_trial(
                    tenant,
                    id,
                    |_, _| TrialCommand::ReachEnd {
                        outcome,
                        account,
                        at,
                    },
                    Some(job.id),
                )
                .await?;
            }
            TrialTimerKind::Void => {
                let cards = self.providers.card_on_file(tenant).await?;
                let unvoided: Vec<String> = state
                    .authorizations
                    .iter()
                    .filter(|a| !a.voided)
                    .map(|a| a.id.clone())
                    .collect();
                if unvoided.is_empty() {
                    self.core.complete_bare(tenant, job.id).await?;
                }
                let last = unvoided.len().saturating_sub(1);
                for (i, authorization) in unvoided.iter().enumerate() {
                    let done = (i == last).then_some(job.id);
                    if let Err(e) = self
                        .void(tenant, &*cards, &state, authorization, done)
                        .await
                    {
                        return match e {
                            PaymentServiceError::Provider(p) => retry(PaymentError::Provider(p)),
                            other => Err(other),
                        };
                    }
                }
            }
        }
        Ok(JobOutcome::Done)
    }
}
