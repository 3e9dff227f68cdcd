//! A WhatsApp sender provisioned through a BSP (Sinch, MISSION.md A): submitted, in review
//! (24-48 h), approved, or rejected with the reason and then corrected and resubmitted, with a
//! notification mailed at each change (`bsp_mail`; P-WABA-4: approval only through review).
//! A sender whose number must be proved the business's first gets a code to it
//! ([`super::number`]).

use time::{Duration, OffsetDateTime};

use crate::flow::StepKind;
use crate::ids::{CustomerId, JobId, SessionId, TenantId, WabaAccountId};
use crate::ports::{ClaimedJob, NewJob, NewSender, ProviderError, SenderInfo, SenderState};
use crate::waba::{WabaCommand, WabaStatus};

use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::{Job, WabaAccount};
use super::super::{CoreError, WhatsAppService, WhatsAppServiceError};
use super::accounts::{BspDetails, WabaAccountView, WabaRecord, WhatsAppTarget};

/// Input of [`WhatsAppService::submit_sender`].
#[derive(Debug, Clone)]
pub struct SenderRequest {
    /// The sender's details.
    pub details: BspDetails,
    /// The session whose `whatsapp_sender` step this completes, if any.
    pub session_id: Option<SessionId>,
    /// That step's id, when the flow has several.
    pub step: Option<String>,
}

fn poll_timer_key(id: WabaAccountId) -> String {
    format!("waba:{id}:poll")
}

impl WhatsAppService {
    fn submit_job(&self, id: WabaAccountId, run_at: OffsetDateTime) -> Result<NewJob, CoreError> {
        Job::BspSubmit(WabaAccount { account_id: id }).schedule(
            JobId::new(self.core.ids.new_id()),
            run_at,
            None,
        )
    }

    fn poll_job(&self, id: WabaAccountId, run_at: OffsetDateTime) -> Result<NewJob, CoreError> {
        Job::BspPoll(WabaAccount { account_id: id }).schedule(
            JobId::new(self.core.ids.new_id()),
            run_at,
            Some(poll_timer_key(id)),
        )
    }

    /// Submits a WhatsApp sender to the tenant's BSP: recorded now, created at the BSP by an
    /// outbox job, then its review is followed.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::Validation`] for a blank display name or an invalid phone;
    /// [`CoreError::SessionNotFound`] or [`WhatsAppServiceError::NoStepOfKind`] for a session without a
    /// `whatsapp_sender` step.
    pub async fn submit_sender(
        &self,
        tenant: TenantId,
        request: SenderRequest,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let step = match request.session_id {
            Some(session) => Some(
                self.whatsapp_step_of(
                    tenant,
                    session,
                    request.step.as_deref(),
                    StepKind::WhatsAppSender,
                )
                .await?,
            ),
            None => None,
        };
        let id = WabaAccountId::new(self.core.ids.new_id());
        let now = self.core.clock.now();
        let record = &WabaRecord {
            id: Some(id),
            session_id: request.session_id,
            step,
            bsp: Some(request.details.clone()),
            ..WabaRecord::default()
        };
        let command = &WabaCommand::Submit {
            account: CustomerId::new(id.uuid()),
            at: now,
        };
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.stage(id, record.clone());
                let (after, events) = self.decide_waba(tx, id, command).await?;
                tx.enqueue(self.submit_job(id, now)?);
                self.notify_bsp(tx, &after, &events)?;
                self.complete_waba_step(tx, &after).await?;
                let view = after.view()?;
                tx.answer(&view);
                Ok(view)
            })
        })
        .await
    }

    /// Corrects a rejected sender (its display name too, when `display_name` is given) and
    /// submits it again.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::Waba`] with `InvalidTransition` when it is not
    /// rejected, `WrongPath` for an Embedded Signup account.
    pub async fn resubmit_sender(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        corrections: String,
        display_name: Option<String>,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let corrections = &corrections;
        let display_name = &display_name;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let mut current = tx
                    .load::<WabaRecord>(id)
                    .await?
                    .ok_or(WhatsAppServiceError::WabaNotFound)?;
                if let (Some(name), Some(bsp)) = (display_name, current.bsp.as_mut()) {
                    bsp.display_name = name.clone();
                    tx.stage(id, current);
                }
                let now = self.core.clock.now();
                let command = WabaCommand::Resubmit {
                    corrections: corrections.clone(),
                    at: now,
                };
                let (after, events) = self.decide_waba(tx, id, &command).await?;
                tx.enqueue(self.submit_job(id, now)?);
                self.notify_bsp(tx, &after, &events)?;
                let view = after.view()?;
                tx.answer(&view);
                Ok(view)
            })
        })
        .await
    }

    /// The submit job: creates the sender at the BSP (or hands a resubmission's corrections to
    /// it), records its id and state, and arms the review's poll.
    pub(crate) async fn run_bsp_submit(
        &self,
        job: &ClaimedJob,
        p: WabaAccount,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let current = self.load_waba(tenant, p.account_id).await?;
        let record = &current.state;
        let bsp = self.providers.bsp(tenant).await?;
        let details = record
            .bsp
            .clone()
            .ok_or(WhatsAppServiceError::WabaNotFound)?;
        let answer = match (&record.state.sender_id, record.state.status) {
            (Some(sender), WabaStatus::Resubmitted) => {
                let corrections = record.state.corrections.last().cloned().unwrap_or_default();
                bsp.resubmit(sender, &corrections).await
            }
            (Some(sender), _) => bsp.sender(sender).await,
            (None, _) => {
                bsp.create_sender(&NewSender {
                    key: p.account_id.to_string(),
                    display_name: details.display_name.clone(),
                    phone: details.phone.clone(),
                    details: details.details.clone(),
                })
                .await
            }
        };
        match answer {
            Ok(info) => {
                self.apply_sender_info(tenant, p.account_id, &info, Some(job.id))
                    .await?;
                Ok(JobOutcome::Done)
            }
            Err(e) => self.bsp_failure(job, p.account_id, e, backoff).await,
        }
    }

    /// The poll job: reads the sender's state at the BSP while it is in review.
    pub(crate) async fn run_bsp_poll(
        &self,
        job: &ClaimedJob,
        p: WabaAccount,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let current = self.load_waba(tenant, p.account_id).await?;
        let Some(sender) = current.state.state.sender_id.clone() else {
            self.core.complete_bare(tenant, job.id).await?;
            return Ok(JobOutcome::Done);
        };
        let bsp = self.providers.bsp(tenant).await?;
        match bsp.sender(&sender).await {
            Ok(info) => {
                self.apply_sender_info(tenant, p.account_id, &info, Some(job.id))
                    .await?;
                Ok(JobOutcome::Done)
            }
            Err(e) => self.bsp_failure(job, p.account_id, e, backoff).await,
        }
    }

    /// `POST .../retry` of a BSP account whose review stopped being followed: polls again (or
    /// creates the sender again when the BSP never created it), in the commit that clears the
    /// failure. An account whose review is followed is answered as it is.
    pub(crate) async fn resume_bsp_review(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let now = self.core.clock.now();
                let command = WabaCommand::ResumeReviewPoll { at: now };
                let (after, events) = self.decide_waba(tx, id, &command).await?;
                if events.is_empty() {
                    return after.view();
                }
                tx.enqueue(match after.state.sender_id {
                    Some(_) => self.poll_job(id, now)?,
                    None => self.submit_job(id, now)?,
                });
                let view = after.view()?;
                tx.answer(&view);
                Ok(view)
            })
        })
        .await
    }

    /// A failed BSP call of `job` about `account`: retried later when the BSP may answer then;
    /// a refusal (a sender the BSP does not know, a request it refuses) is recorded on the
    /// account with the job's completion, and the review is no longer followed (issue 11, item
    /// 8: it stayed `in_review` for ever, silently).
    async fn bsp_failure(
        &self,
        job: &ClaimedJob,
        account: WabaAccountId,
        e: ProviderError,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        if matches!(e, ProviderError::Rejected { .. }) {
            let reason = &e.reason();
            self.execute(job.tenant, |tx| {
                Box::pin(async move {
                    tx.complete_job(job.id);
                    let command = WabaCommand::FailReviewPoll {
                        reason: reason.clone(),
                        at: self.core.clock.now(),
                    };
                    self.decide_waba(tx, account, &command).await?;
                    Ok(())
                })
            })
            .await?;
            return Ok(JobOutcome::Done);
        }
        Ok(JobOutcome::RetryAt {
            run_at: self.core.clock.now() + backoff(job.attempts),
            reason: e.reason(),
        })
    }

    /// Applies what the BSP says of a sender (a poll's answer or a webhook): records its id,
    /// moves the account into review, and approves or rejects it from review; arms the next
    /// poll while the review goes on. `job` is completed in the same commit.
    pub(crate) async fn apply_sender_info(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        info: &SenderInfo,
        job: Option<JobId>,
    ) -> Result<(), WhatsAppServiceError> {
        let provider = self.providers.bsp(tenant).await?.provider();
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<WabaRecord>(id)
                    .await?
                    .ok_or(WhatsAppServiceError::WabaNotFound)?;
                let now = self.core.clock.now();
                if let Some(job) = job {
                    tx.complete_job(job);
                }
                let fresh = current.state.sender_id.is_none();
                let mut commands = vec![WabaCommand::RecordSender {
                    sender_id: info.id.clone(),
                    at: now,
                }];
                if matches!(
                    current.state.status,
                    WabaStatus::Submitted | WabaStatus::Resubmitted
                ) {
                    commands.push(WabaCommand::StartReview { at: now });
                }
                match &info.state {
                    SenderState::InProgress => {}
                    SenderState::PendingVerification => {
                        commands.push(WabaCommand::RequireNumberVerification { at: now });
                    }
                    SenderState::Active => commands.push(WabaCommand::Approve { at: now }),
                    SenderState::Error { reason } => commands.push(WabaCommand::Reject {
                        reason: reason.clone(),
                        at: now,
                    }),
                    SenderState::Suspended { reason } => commands.push(WabaCommand::Reject {
                        reason: format!("suspended: {reason}"),
                        at: now,
                    }),
                }
                let mut after = current;
                let mut all_events = Vec::new();
                for command in &commands {
                    match self.decide_waba(tx, id, command).await {
                        Ok((record, events)) => {
                            after = record;
                            all_events.extend(events);
                        }
                        // Already there (a second report of the same decision).
                        Err(WhatsAppServiceError::Waba(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                self.notify_bsp(tx, &after, &all_events)?;
                if fresh {
                    let target = WhatsAppTarget::Account { id };
                    self.point_whatsapp_ref(tx, provider, &info.id, &target)
                        .await?;
                }
                if after.state.status == WabaStatus::InReview {
                    tx.enqueue(self.poll_job(id, now + self.policy.review_poll_interval)?);
                } else {
                    tx.cancel_timer(poll_timer_key(id));
                }
                Ok(())
            })
        })
        .await
    }
}
