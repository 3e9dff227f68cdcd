//! A trial's persistence: loading, deciding and committing with the effects of its events
//! (timers, the void job, mail, the account on conversion), and provider reports.

use time::OffsetDateTime;

use crate::customer::{AccountSource, AccountStatus};
use crate::decider::Decider;
use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TenantId, TrialId};
use crate::ports::{AggregateKind, Commit, ListQuery, ProviderId, StreamId};
use crate::trial::{TrialCommand, TrialDecider, TrialEvent, TrialState, TrialStatus};

use super::super::persist::{Columns, Versioned, stream_write};
use super::super::{AppError, Services};
use super::accounts::NewAccount;
use super::refs::PaymentTarget;

/// The provider whose webhooks report on subscriptions: Stripe (the sandbox reports through
/// `trial_end_outcome` instead).
const SUBSCRIPTION_WEBHOOKS: ProviderId = ProviderId::Stripe;

pub(crate) fn trial_stream(id: TrialId) -> StreamId {
    StreamId::new(AggregateKind::Trial, id)
}

/// A subscription report for [`Services::apply_trial_report`].
#[derive(Debug, Clone)]
pub(crate) struct TrialReport {
    pub event_id: String,
    pub status: Option<crate::ports::SubscriptionStatus>,
    pub trial_will_end: bool,
    pub created: i64,
}

/// An account's status from its trial's.
pub(crate) fn account_status(status: TrialStatus) -> AccountStatus {
    match status {
        TrialStatus::PastDue | TrialStatus::Paused => AccountStatus::PastDue,
        TrialStatus::Canceled => AccountStatus::Closed,
        _ => AccountStatus::Active,
    }
}

impl Services {
    pub(crate) async fn load_trial(
        &self,
        tenant: TenantId,
        id: TrialId,
    ) -> Result<Versioned<TrialState>, AppError> {
        self.load_versioned(tenant, &trial_stream(id))
            .await?
            .ok_or(AppError::TrialNotFound)
    }

    /// Decides `command` on the trial as loaded, and commits its events with their effects and
    /// the job it completes; retried from a fresh load on conflicts. Returns the state after.
    pub(crate) async fn execute_trial(
        &self,
        tenant: TenantId,
        id: TrialId,
        command: impl Fn(&TrialState, OffsetDateTime) -> TrialCommand,
        complete_job: Option<crate::ids::JobId>,
    ) -> Result<TrialState, AppError> {
        self.retrying(|| async {
            let current = self.load_trial(tenant, id).await?;
            let at = self.clock.now();
            let events = TrialDecider.decide(&current.state, &command(&current.state, at))?;
            let mut commit = Commit::new(tenant);
            commit.complete_job = complete_job;
            if events.is_empty() && complete_job.is_none() {
                return Ok(current.state);
            }
            let after = self
                .trial_commit_parts(&mut commit, tenant, &current, &events)
                .await?;
            self.store.commit(commit).await?;
            Ok(after)
        })
        .await
    }

    /// The trial's events, projection and effects: timers at the start, the void job of an
    /// authorization, mail for the reminder, the account on conversion and its status after.
    pub(crate) async fn trial_commit_parts(
        &self,
        commit: &mut Commit,
        tenant: TenantId,
        current: &Versioned<TrialState>,
        events: &[TrialEvent],
    ) -> Result<TrialState, AppError> {
        if events.is_empty() {
            return Ok(current.state.clone());
        }
        let after = events
            .iter()
            .fold(current.state.clone(), |s, e| TrialDecider.evolve(s, e));
        let id = after.id.ok_or(AppError::TrialNotFound)?;
        let at = events.last().map_or(self.clock.now(), TrialEvent::at);
        for event in events {
            self.trial_effects(commit, &after, event)?;
        }
        if let Some(account) = after.account.filter(|_| current.state.account.is_some())
            && after.status() != current.state.status()
        {
            self.account_status_write(commit, tenant, account, account_status(after.status()), at)
                .await?;
        }
        let tagged: Vec<_> = events
            .iter()
            .map(|e| (e.event_type(), e.clone(), e.at()))
            .collect();
        let created = after
            .started_at
            .or(events.first().map(TrialEvent::at))
            .unwrap_or(at);
        commit.streams.push(stream_write(
            trial_stream(id),
            current.version,
            &tagged,
            &after,
            Columns {
                status: after.status().as_str().into(),
                flow_id: None,
                phone: after.phone.as_ref().map(ToString::to_string),
                external_ref: None,
                session_id: after.session_id.map(|s| s.to_string()),
                created_at: if current.version == 0 { created } else { at },
                updated_at: at,
            },
        )?);
        Ok(after)
    }

    fn trial_effects(
        &self,
        commit: &mut Commit,
        after: &TrialState,
        event: &TrialEvent,
    ) -> Result<(), AppError> {
        let id = after.id.ok_or(AppError::TrialNotFound)?;
        match event {
            TrialEvent::CardAuthorized { at, .. } => {
                commit.jobs.push(self.void_job(id, *at)?);
            }
            TrialEvent::Started {
                subscription,
                started_at,
                ends_at,
                ..
            } => {
                let provider = SUBSCRIPTION_WEBHOOKS;
                self.record_payment_ref(
                    commit,
                    provider,
                    subscription,
                    PaymentTarget::Trial(id),
                    *started_at,
                )?;
                commit
                    .jobs
                    .extend(self.trial_timers(id, *started_at, *ends_at)?);
            }
            TrialEvent::ReminderSent { mailed: true, .. } => {
                if let (Some(email), Some(ends_at), Some(terms)) =
                    (&after.email, after.ends_at, &after.terms)
                {
                    commit.jobs.push(self.mail_job(
                        email,
                        format!("Your free trial of {} ends soon", terms.plan),
                        format!(
                            "Your free trial ends on {}. Your card on file will then be charged for the {} plan unless you cancel.",
                            ends_at.date(),
                            terms.plan
                        ),
                    )?);
                }
            }
            TrialEvent::AccountOpened { account, at } => {
                let terms = after.terms.as_ref().ok_or(AppError::TrialNotFound)?;
                self.open_account(
                    commit,
                    NewAccount {
                        id: *account,
                        plan: terms.plan.clone(),
                        status: account_status(after.status()),
                        source: AccountSource::Trial(id),
                        session_id: after.session_id,
                        email: after.email.clone(),
                        external_ref: None,
                    },
                    *at,
                )?;
            }
            TrialEvent::EndReached { .. } | TrialEvent::StatusReported { .. } => {
                if matches!(after.status(), TrialStatus::Canceled) {
                    commit
                        .cancel_timers
                        .extend(super::trial_jobs::timer_keys(id));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The trial of a session's `card_on_file_trial` step, `None` before the first card.
    pub(crate) async fn find_session_trial(
        &self,
        tenant: TenantId,
        session: SessionId,
        step: Option<&StepId>,
    ) -> Result<Option<Versioned<TrialState>>, AppError> {
        let page = self
            .store
            .list(
                tenant,
                AggregateKind::Trial,
                &ListQuery {
                    session_id: Some(session.to_string()),
                    limit: 100,
                    ..ListQuery::default()
                },
            )
            .await?;
        for row in &page.items {
            let state: TrialState = super::super::persist::state_of(row)?;
            if step.is_none_or(|s| state.step.as_ref() == Some(s)) {
                return Ok(Some(Versioned {
                    state,
                    version: row.version,
                }));
            }
        }
        Ok(None)
    }

    /// Applies a subscription report to a trial (a webhook, or the sandbox's trial end).
    pub(crate) async fn apply_trial_report(
        &self,
        tenant: TenantId,
        id: TrialId,
        report: &TrialReport,
        job: Option<crate::ids::JobId>,
    ) -> Result<(), AppError> {
        let account = CustomerId::new(self.ids.new_id());
        self.execute_trial(
            tenant,
            id,
            |_, at| TrialCommand::ApplyReport {
                event_id: report.event_id.clone(),
                status: report.status,
                trial_will_end: report.trial_will_end,
                created: report.created,
                account,
                at,
            },
            job,
        )
        .await?;
        Ok(())
    }
}
