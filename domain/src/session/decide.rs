//! `decide` and `evolve` of the onboarding session.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::decider::Decider;
use crate::flow::{AnswerLookup, Flow, Step, StepId, StepKind};

use super::model::*;
use super::progress::{
    count_required, current_step, first_open_step, is_applicable, required_counts,
};

/// The `OnboardingSession` decider for one flow (the version the session pinned at start).
#[derive(Debug, Clone, Copy)]
pub struct SessionDecider<'a> {
    /// The session's flow.
    pub flow: &'a Flow,
}

impl<'a> SessionDecider<'a> {
    /// A decider for `flow`.
    pub fn new(flow: &'a Flow) -> Self {
        Self { flow }
    }

    fn ensure_open(state: &SessionState) -> Result<(), SessionError> {
        match state.status {
            SessionStatus::New => Err(SessionError::NotStarted),
            SessionStatus::Paused => Err(SessionError::Paused),
            s if s.is_final() => Err(SessionError::Finished(s)),
            _ => Ok(()),
        }
    }

    fn step(&self, id: &crate::flow::StepId) -> Result<&'a Step, SessionError> {
        self.flow
            .step(id)
            .ok_or_else(|| SessionError::UnknownStep(id.to_string()))
    }

    /// The step to answer is the current one, or one already finished (to change its answers).
    fn ensure_answerable(&self, state: &SessionState, step: &Step) -> Result<(), SessionError> {
        if !is_applicable(step, &state.answers) {
            return Err(SessionError::StepNotApplicable(step.id().clone()));
        }
        if state.outcomes.contains_key(step.id()) {
            return Ok(());
        }
        match current_step(self.flow, state) {
            Some(current) if current.id() == step.id() => Ok(()),
            current => Err(SessionError::StepOutOfOrder {
                step: step.id().clone(),
                current: current.map_or_else(|| "none".to_string(), |c| c.id().to_string()),
            }),
        }
    }

    /// Completion follows the last step automatically when nothing applicable is left.
    fn completion_if_done(
        &self,
        after: &SessionState,
        at: time::OffsetDateTime,
    ) -> Option<SessionEvent> {
        let (done, total) = required_counts(self.flow, after);
        (done == total && current_step(self.flow, after).is_none())
            .then(|| self.completed(&after.answers, at))
    }

    /// The completion of a session whose answers are `answers`, with its capability assessed.
    fn completed(&self, answers: &impl AnswerLookup, at: time::OffsetDateTime) -> SessionEvent {
        let capability = self
            .flow
            .capability_rule()
            .map(|rule| rule.evaluate(answers));
        SessionEvent::Completed { capability, at }
    }

    fn submit(
        &self,
        state: &SessionState,
        cmd: &SessionCommand,
    ) -> Result<Vec<SessionEvent>, SessionError> {
        let SessionCommand::SubmitStep {
            step,
            answers,
            verified_phone,
            proof: offered,
            at,
        } = cmd
        else {
            return Ok(vec![]);
        };
        Self::ensure_open(state)?;
        let step_def = self.step(step)?;
        self.ensure_answerable(state, step_def)?;
        step_def
            .schema()
            .validate(answers)
            .map_err(|errors| SessionError::InvalidAnswers {
                step: step.clone(),
                errors,
            })?;
        let verified_phone = if step_def.kind() == StepKind::PhoneVerification {
            let claimed = answers.get("verification_id").and_then(|v| v.as_str());
            match verified_phone {
                Some(p) if claimed == Some(p.verification_id.to_string().as_str()) => {
                    Some(p.clone())
                }
                _ => return Err(SessionError::VerificationRequired(step.clone())),
            }
        } else {
            None
        };
        let proof = match (step_def.kind(), offered) {
            (StepKind::CardOnFileTrial, Some(StepProof::Trial(id))) => {
                Some(("trial_id", id.to_string()))
            }
            (StepKind::PaypalCheckout, Some(StepProof::Order(id))) => {
                Some(("order_id", id.to_string()))
            }
            (StepKind::WhatsAppSignup | StepKind::WhatsAppSender, Some(StepProof::Waba(id))) => {
                Some(("waba_account_id", id.to_string()))
            }
            _ => None,
        };
        let proven = proof.is_some_and(|(field, id)| {
            answers.get(field).and_then(|v| v.as_str()) == Some(id.as_str())
        });
        if matches!(
            step_def.kind(),
            StepKind::CardOnFileTrial | StepKind::PaypalCheckout
        ) && !proven
        {
            return Err(SessionError::PaymentRequired(step.clone()));
        }
        if matches!(
            step_def.kind(),
            StepKind::WhatsAppSignup | StepKind::WhatsAppSender
        ) && !proven
        {
            return Err(SessionError::WabaRequired(step.clone()));
        }
        let submitted = SessionEvent::StepSubmitted {
            step: step.clone(),
            answers: answers.clone(),
            verified_phone,
            at: *at,
        };
        // Completion follows when nothing applicable is left once this step is answered: looked
        // at through the new answers laid over the session's, without evolving a copy of it.
        let after = Submitted {
            before: &state.answers,
            step,
            answers,
        };
        let (done, total) = count_required(self.flow, &after, |id| {
            id == step || state.outcomes.get(id) == Some(&StepOutcome::Completed)
        });
        let open = first_open_step(self.flow, &after, |id| {
            id == step || state.outcomes.contains_key(id)
        });
        let completion = (done == total && open.is_none()).then(|| self.completed(&after, *at));
        let mut events = vec![submitted];
        events.extend(completion);
        Ok(events)
    }

    fn skip(
        &self,
        state: &SessionState,
        step: &crate::flow::StepId,
        at: time::OffsetDateTime,
    ) -> Result<Vec<SessionEvent>, SessionError> {
        Self::ensure_open(state)?;
        let step_def = self.step(step)?;
        if step_def.required() {
            return Err(SessionError::StepRequired(step.clone()));
        }
        if state.outcomes.get(step) == Some(&StepOutcome::Skipped) {
            return Ok(vec![]);
        }
        self.ensure_answerable(state, step_def)?;
        let skipped = SessionEvent::StepSkipped {
            step: step.clone(),
            at,
        };
        let after = self.evolve(state.clone(), &skipped);
        let mut events = vec![skipped];
        events.extend(self.completion_if_done(&after, at));
        Ok(events)
    }

    fn complete(
        &self,
        state: &SessionState,
        at: time::OffsetDateTime,
    ) -> Result<Vec<SessionEvent>, SessionError> {
        match state.status {
            // P-SES-2: completing again changes nothing and records nothing.
            SessionStatus::Completed => return Ok(vec![]),
            _ => Self::ensure_open(state)?,
        }
        let pending: Vec<String> = self
            .flow
            .steps()
            .iter()
            .filter(|s| {
                s.required()
                    && is_applicable(s, &state.answers)
                    && !state.outcomes.contains_key(s.id())
            })
            .map(|s| s.id().to_string())
            .collect();
        if !pending.is_empty() {
            return Err(SessionError::RequiredStepsPending(pending));
        }
        Ok(vec![self.completed(&state.answers, at)])
    }
}

impl Decider for SessionDecider<'_> {
    type State = SessionState;
    type Command = SessionCommand;
    type Event = SessionEvent;
    type Error = SessionError;

    fn decide(
        &self,
        state: &SessionState,
        command: &SessionCommand,
    ) -> Result<Vec<SessionEvent>, SessionError> {
        match command {
            SessionCommand::Start {
                id,
                channel,
                phone,
                external_ref,
                at,
            } => {
                if state.status != SessionStatus::New {
                    return Err(SessionError::AlreadyStarted);
                }
                Ok(vec![SessionEvent::Started {
                    id: *id,
                    flow_id: self.flow.id().clone(),
                    flow_version: self.flow.version(),
                    channel: *channel,
                    phone: phone.clone(),
                    external_ref: external_ref.clone(),
                    at: *at,
                }])
            }
            SessionCommand::SubmitStep { .. } => self.submit(state, command),
            SessionCommand::SkipStep { step, at } => self.skip(state, step, *at),
            SessionCommand::Pause { at } => {
                Self::ensure_open(state)?;
                Ok(vec![SessionEvent::Paused { at: *at }])
            }
            SessionCommand::Resume { at } => match state.status {
                SessionStatus::Paused => Ok(vec![SessionEvent::Resumed { at: *at }]),
                SessionStatus::New => Err(SessionError::NotStarted),
                s if s.is_final() => Err(SessionError::Finished(s)),
                _ => Err(SessionError::NotPaused),
            },
            SessionCommand::Complete { at } => self.complete(state, *at),
            SessionCommand::Abandon { reason, at } => match state.status {
                SessionStatus::New => Err(SessionError::NotStarted),
                s if s.is_final() => Err(SessionError::Finished(s)),
                _ => Ok(vec![SessionEvent::Abandoned {
                    reason: reason.clone(),
                    at: *at,
                }]),
            },
            SessionCommand::Expire { at } => {
                let timeout = time::Duration::seconds(
                    i64::try_from(self.flow.inactivity_timeout_seconds()).unwrap_or(i64::MAX),
                );
                let idle_since = state.updated_at.or(state.created_at);
                match (state.status, idle_since) {
                    (SessionStatus::Active | SessionStatus::Paused, Some(since))
                        if since.checked_add(timeout).is_some_and(|due| *at >= due) =>
                    {
                        Ok(vec![SessionEvent::Expired { at: *at }])
                    }
                    // Not due (activity moved the deadline) or already final: nothing to record.
                    _ => Ok(vec![]),
                }
            }
        }
    }

    fn evolve(&self, mut s: SessionState, event: &SessionEvent) -> SessionState {
        match event {
            SessionEvent::Started {
                id,
                flow_id,
                flow_version,
                channel,
                phone,
                external_ref,
                at,
            } => {
                s.id = Some(*id);
                s.flow_id = Some(flow_id.clone());
                s.flow_version = *flow_version;
                s.status = SessionStatus::Active;
                s.channel = *channel;
                s.phone = phone.clone();
                s.external_ref = external_ref.clone();
                s.created_at = Some(*at);
            }
            SessionEvent::StepSubmitted {
                step,
                answers,
                verified_phone,
                ..
            } => {
                s.outcomes.insert(step.clone(), StepOutcome::Completed);
                s.answers.insert(step.clone(), answers.clone());
                if let Some(v) = verified_phone {
                    s.phone = Some(v.phone.clone());
                    s.phone_verified = true;
                }
            }
            SessionEvent::StepSkipped { step, .. } => {
                s.outcomes.insert(step.clone(), StepOutcome::Skipped);
                s.answers.remove(step);
            }
            SessionEvent::Paused { .. } => s.status = SessionStatus::Paused,
            SessionEvent::Resumed { .. } => s.status = SessionStatus::Active,
            SessionEvent::Completed { capability, at } => {
                s.status = SessionStatus::Completed;
                s.capability = capability.clone();
                s.completed_at = Some(*at);
                s.progress_percent = 100;
            }
            SessionEvent::Abandoned { .. } => s.status = SessionStatus::Abandoned,
            SessionEvent::Expired { .. } => s.status = SessionStatus::Expired,
        }
        let (done, total) = required_counts(self.flow, &s);
        let percent = done
            .saturating_mul(100)
            .checked_div(total)
            .map_or(100, |p| u8::try_from(p).unwrap_or(100));
        s.progress_percent = s.progress_percent.max(percent);
        s.updated_at = Some(event.at());
        s
    }
}

/// A session's answers with one step's new answers laid over them: what the session's answers
/// are once a step submission is applied.
struct Submitted<'a> {
    before: &'a BTreeMap<StepId, Value>,
    step: &'a StepId,
    answers: &'a Value,
}

impl AnswerLookup for Submitted<'_> {
    fn answers_of(&self, step: &StepId) -> Option<&Value> {
        if step == self.step {
            Some(self.answers)
        } else {
            self.before.get(step)
        }
    }
}
