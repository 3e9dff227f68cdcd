//! A trial's persistence: loading, deciding and committing with the effects of its events
//! (timers, the void job, mail, the account on conversion), and provider reports.

use time::OffsetDateTime;

use crate::customer::{AccountSource, AccountStatus};
use crate::decider::Decider;
use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TenantId, TrialId};
use crate::ports::{AggregateKind, ListQuery, ProviderId, StreamId};
use crate::trial::{TrialCommand, TrialDecider, TrialEvent, TrialState, TrialStatus};

use super::super::execute::Tx;
use super::super::persist::Versioned;
use super::super::{PaymentService, PaymentServiceError};
use super::accounts::NewAccount;
use super::refs::PaymentTarget;

/// The provider whose webhooks report on subscriptions: Stripe (the sandbox reports through
/// `trial_end_outcome` instead).
const SUBSCRIPTION_WEBHOOKS: ProviderId = ProviderId::Stripe;

pub(crate) fn trial_stream(id: TrialId) -> StreamId {
    StreamId::new(AggregateKind::Trial, id)
}

/// A subscription report for [`PaymentService::apply_trial_report`].
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

impl PaymentService {
    pub(crate) async fn load_trial(
        &self,
        tenant: TenantId,
        id: TrialId,
    ) -> Result<Versioned<TrialState>, PaymentServiceError> {
        self.core
            .load_versioned(tenant, &trial_stream(id))
            .await?
            .ok_or(PaymentServiceError::TrialNotFound)
    }

    /// Decides `command` on the trial on the commit path, and records its events with their
    /// effects and the job it completes. Returns the state after.
    pub(crate) async fn execute_trial(
        &self,
        tenant: TenantId,
        id: TrialId,
        command: impl Fn(&TrialState, OffsetDateTime) -> TrialCommand + Sync,
        complete_job: Option<crate::ids::JobId>,
    ) -> Result<TrialState, PaymentServiceError> {
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<TrialState>(id)
                    .await?
                    .ok_or(PaymentServiceError::TrialNotFound)?;
                let at = self.core.clock.now();
                let events = TrialDecider.decide(&current, &command(&current, at))?;
                if let Some(job) = complete_job {
                    tx.complete_job(job);
                }
                self.apply_trial(tx, id, events).await
            })
        })
        .await
    }

    /// Records a trial's events in `tx` with their effects: timers at the start, the void job
    /// of an authorization, mail for the reminder, the account on conversion and its status
    /// after.
    pub(crate) async fn apply_trial(
        &self,
        tx: &mut Tx<'_>,
        id: TrialId,
        events: Vec<TrialEvent>,
    ) -> Result<TrialState, PaymentServiceError> {
        let before = tx.load::<TrialState>(id).await?.unwrap_or_default();
        let after = tx.apply(&TrialDecider, id, events.clone())?;
        let at = events.last().map_or(self.core.clock.now(), TrialEvent::at);
        for event in &events {
            self.trial_effects(tx, &after, event)?;
        }
        if let Some(account) = after.account.filter(|_| before.account.is_some())
            && after.status() != before.status()
        {
            self.set_account_status(tx, account, account_status(after.status()), at)
                .await?;
        }
        Ok(after)
    }

    fn trial_effects(
        &self,
        tx: &mut Tx<'_>,
        after: &TrialState,
        event: &TrialEvent,
    ) -> Result<(), PaymentServiceError> {
        let id = after.id.ok_or(PaymentServiceError::TrialNotFound)?;
        match event {
            TrialEvent::CardAuthorized { at, .. } => {
                tx.enqueue(self.void_job(id, *at)?);
            }
            TrialEvent::Started {
                subscription,
                started_at,
                ends_at,
                ..
            } => {
                let provider = SUBSCRIPTION_WEBHOOKS;
                self.record_payment_ref(tx, provider, subscription, PaymentTarget::Trial(id))?;
                for timer in self.trial_timers(id, *started_at, *ends_at)? {
                    tx.enqueue(timer);
                }
            }
            TrialEvent::ReminderSent { mailed: true, .. } => {
                if let (Some(email), Some(ends_at), Some(terms)) =
                    (&after.email, after.ends_at, &after.terms)
                {
                    tx.enqueue(self.core.mail_job(
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
                let terms = after
                    .terms
                    .as_ref()
                    .ok_or(PaymentServiceError::TrialNotFound)?;
                self.open_account(
                    tx,
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
                    for key in super::trial_jobs::timer_keys(id) {
                        tx.cancel_timer(key);
                    }
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
    ) -> Result<Option<Versioned<TrialState>>, PaymentServiceError> {
        let page = self
            .core
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
            let state: TrialState = super::super::persist::state_of(row, &self.core.flows)?;
            if step.is_none_or(|s| state.step.as_ref() == Some(s)) {
                return Ok(Some(Versioned { state }));
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
    ) -> Result<(), PaymentServiceError> {
        let account = CustomerId::new(self.core.ids.new_id());
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
