//! Card-gated trials (issue 4, MISSION.md A): `POST /v1/sessions/{id}/trial` runs the card
//! check and starts the trial, one provider call and one commit at a time, so a retry resumes
//! where the last one stopped.
//!
//! This module holds the card submission, the idempotency keys and the use cases (read, submit,
//! open, begin, cancel); `card` runs the card check of one attempt (customer, attach, claims,
//! authorization), the void and the start of the subscription.

mod card;

use crate::decider::Decider;
use crate::flow::{PaymentTerms, StepId, StepKind};
use crate::ids::{SessionId, TenantId, TrialId};
use crate::ports::{AggregateKind, IdempotencyKey, StreamId};
use crate::trial::{
    ClaimKey, TrialClaim, TrialCommand, TrialDecider, TrialState, TrialStatus, TrialTerms,
};

pub use super::trial_view::{CardSummary, TrialView};

use crate::app::{PaymentService, PaymentServiceError};

fn claim_stream(key: &ClaimKey) -> StreamId {
    StreamId::new(AggregateKind::TrialClaim, key.stream_id())
}

/// `POST /v1/sessions/{id}/trial`: a card for the session's `card_on_file_trial` step.
#[derive(Debug, Clone)]
pub struct CardSubmission {
    /// The step; the flow's first `card_on_file_trial` step when `None`.
    pub step: Option<String>,
    /// The payment method from the client (`pm_…`; in the sandbox, Stripe's test tokens).
    pub payment_method: String,
    /// Billing e-mail.
    pub email: String,
}

/// The idempotency key of one provider call of a trial: (tenant, session, step, attempt,
/// operation) (issue 4, item 3).
pub(crate) fn trial_key(
    tenant: TenantId,
    s: &TrialState,
    attempt: u32,
    op: &str,
) -> IdempotencyKey {
    let scope = format!(
        "{}-{}",
        s.session_id.map(|i| i.to_string()).unwrap_or_default(),
        s.step.as_ref().map(StepId::as_str).unwrap_or_default()
    );
    IdempotencyKey::derive(tenant, &scope, attempt, op)
}

impl PaymentService {
    /// The session's trial (`GET /v1/sessions/{id}/trial`).
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`](crate::app::CoreError::SessionNotFound), [`PaymentServiceError::TrialNotFound`].
    pub async fn session_trial(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> Result<TrialView, PaymentServiceError> {
        self.core.load_session(tenant, session).await?;
        let found = self.find_session_trial(tenant, session, None).await?;
        TrialView::of(&found.ok_or(PaymentServiceError::TrialNotFound)?.state)
    }

    /// One trial.
    ///
    /// # Errors
    /// [`PaymentServiceError::TrialNotFound`] (also for another tenant's id).
    pub async fn trial(
        &self,
        tenant: TenantId,
        id: TrialId,
    ) -> Result<TrialView, PaymentServiceError> {
        TrialView::of(&self.load_trial(tenant, id).await?.state)
    }

    /// Runs the card check and starts the trial: customer, card attached, the verification
    /// amount authorized then voided (P-TRI-1), the one-trial-per-customer claims (P-TRI-3), the
    /// subscription with its trial (P-TRI-2). Each provider call is committed before the next,
    /// with a key derived from the attempt, so a retry resumes and never doubles an effect.
    ///
    /// # Errors
    /// [`PaymentServiceError::CardDeclined`] (the user may try another card), [`PaymentServiceError::TrialAlreadyUsed`],
    /// [`PaymentServiceError::PaymentRefused`], [`PaymentServiceError::Provider`] (503/502), a session error when the
    /// step is not a `card_on_file_trial` step of this session.
    pub async fn submit_card(
        &self,
        tenant: TenantId,
        session: SessionId,
        submission: CardSubmission,
    ) -> Result<TrialView, PaymentServiceError> {
        let cards = self.providers.card_on_file(tenant).await?;
        let id = self.open_trial(tenant, session, &submission).await?;
        let mut state = self.load_trial(tenant, id).await?.state;
        if state.started_at.is_some() || state.status() == TrialStatus::Canceled {
            return TrialView::of(&state);
        }
        if state.card.is_none() {
            state = self
                .execute_trial(
                    tenant,
                    id,
                    |_, at| TrialCommand::SubmitCard {
                        payment_method: submission.payment_method.clone(),
                        at,
                    },
                    None,
                )
                .await?;
            self.check_card(tenant, &*cards, &state, &submission.payment_method)
                .await?;
            state = self.load_trial(tenant, id).await?.state;
        }
        if let Some(auth) = state.unvoided().cloned() {
            self.void(tenant, &*cards, &state, &auth.id, None).await?;
        }
        self.start(tenant, &*cards, id).await
    }

    /// Opens (or finds) the trial of the session's step.
    async fn open_trial(
        &self,
        tenant: TenantId,
        session: SessionId,
        submission: &CardSubmission,
    ) -> Result<TrialId, PaymentServiceError> {
        let current = self.core.load_session(tenant, session).await?;
        let flow = self.core.flow_of(&current.state)?;
        let step = match &submission.step {
            Some(name) => flow
                .steps()
                .iter()
                .find(|s| s.id().as_str() == name)
                .ok_or_else(|| crate::session::SessionError::UnknownStep(name.clone()))?,
            None => flow
                .steps()
                .iter()
                .find(|s| s.kind() == StepKind::CardOnFileTrial)
                .ok_or(PaymentServiceError::NoStepOfKind("card_on_file_trial"))?,
        };
        let Some(PaymentTerms::Trial(terms)) = step.payment() else {
            return Err(PaymentServiceError::NoStepOfKind("card_on_file_trial"));
        };
        if current.state.status.is_final() {
            return Err(crate::session::SessionError::Finished(current.state.status).into());
        }
        // The card comes when the journey reaches the trial step: after the phone steps before
        // it, so the verified phone is known to the one-trial-per-customer guard (P-TRI-3).
        let reached = current.state.outcomes.contains_key(step.id())
            || crate::session::current_step(&flow, &current.state).map(|s| s.id())
                == Some(step.id());
        if !reached {
            return Err(crate::session::SessionError::StepOutOfOrder {
                step: step.id().clone(),
                current: crate::session::current_step(&flow, &current.state)
                    .map_or_else(|| "none".to_string(), |c| c.id().to_string()),
            }
            .into());
        }
        if let Some(found) = self
            .find_session_trial(tenant, session, Some(step.id()))
            .await?
        {
            return found.state.id.ok_or(PaymentServiceError::TrialNotFound);
        }
        let phone = current
            .state
            .phone
            .clone()
            .filter(|_| current.state.phone_verified);
        self.begin_trial(
            tenant,
            session,
            step.id().clone(),
            terms.clone(),
            phone,
            submission,
        )
        .await
    }

    async fn begin_trial(
        &self,
        tenant: TenantId,
        session: SessionId,
        step: StepId,
        terms: TrialTerms,
        phone: Option<crate::phone::PhoneNumber>,
        submission: &CardSubmission,
    ) -> Result<TrialId, PaymentServiceError> {
        let email = submission.email.trim().to_owned();
        if !email.contains('@') || email.len() > 254 {
            return Err(PaymentServiceError::Validation(vec![
                crate::flow::FieldError {
                    field: "email".into(),
                    code: crate::flow::FieldErrorCode::PatternMismatch,
                    message: "a billing e-mail address is required".into(),
                },
            ]));
        }
        let id = TrialId::new(self.core.ids.new_id());
        let at = self.core.clock.now();
        let command = TrialCommand::Begin {
            trial: id,
            session,
            step: step.clone(),
            terms,
            email,
            phone,
            at,
        };
        let events = TrialDecider.decide(&TrialState::default(), &command)?;
        let guard = format!("session:{session}:{step}");
        let events = &events;
        let guard = &guard;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                // One trial per (session, step): a concurrent first submission holds it first.
                if let Some(trial) = tx.load::<TrialClaim>(&guard).await?.and_then(|c| c.trial) {
                    return Ok(trial);
                }
                tx.record(guard, TrialClaim { trial: Some(id) })?;
                self.apply_trial(tx, id, events.clone()).await?;
                Ok(id)
            })
        })
        .await
    }

    /// Cancels a trial: the provider's subscription first, then the record.
    ///
    /// # Errors
    /// [`PaymentServiceError::TrialNotFound`], [`PaymentServiceError::Trial`] when it is canceled already, provider
    /// failures.
    pub async fn cancel_trial(
        &self,
        tenant: TenantId,
        id: TrialId,
    ) -> Result<TrialView, PaymentServiceError> {
        let state = self.load_trial(tenant, id).await?.state;
        if state.status() == TrialStatus::Canceled {
            return Err(crate::trial::TrialError::Finished(TrialStatus::Canceled).into());
        }
        if let Some(subscription) = &state.subscription {
            let cards = self.providers.card_on_file(tenant).await?;
            cards
                .cancel_subscription(subscription, &trial_key(tenant, &state, 0, "cancel"))
                .await?;
        }
        let after = self
            .execute_trial(tenant, id, |_, at| TrialCommand::Cancel { at }, None)
            .await?;
        TrialView::of(&after)
    }
}

/// The void's key: one per authorization, whoever voids it (the request or the void job).
pub(crate) fn void_key(tenant: TenantId, s: &TrialState, authorization: &str) -> IdempotencyKey {
    trial_key(tenant, s, 0, &format!("void-{authorization}"))
}
