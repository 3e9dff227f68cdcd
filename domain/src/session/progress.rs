//! Progress, the current step and the session's public view (MISSION.md C: progress, estimated
//! time remaining, next recommended action).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::flow::{AnswerLookup, CapabilityAssessment, Flow, Step, StepId, StepKind};

use super::model::{SessionChannel, SessionState, SessionStatus, StepOutcome};

/// True when the step's `when` condition holds on the answers so far (or it has none).
pub fn is_applicable(step: &Step, answers: &(impl AnswerLookup + ?Sized)) -> bool {
    step.when().is_none_or(|c| c.evaluate(answers))
}

/// The first applicable step, in flow order, that is neither answered nor skipped.
pub fn current_step<'f>(flow: &'f Flow, state: &SessionState) -> Option<&'f Step> {
    if state.status.is_final() {
        return None;
    }
    first_open_step(flow, &state.answers, |id| state.outcomes.contains_key(id))
}

/// (done, total) over the required applicable steps (P-SES-4: a step whose condition is false is
/// never counted as required).
pub fn required_counts(flow: &Flow, state: &SessionState) -> (u32, u32) {
    count_required(flow, &state.answers, |id| {
        state.outcomes.get(id) == Some(&StepOutcome::Completed)
    })
}

/// The first applicable step of `flow` that is not `finished`, on `answers`.
pub(super) fn first_open_step<'f>(
    flow: &'f Flow,
    answers: &impl AnswerLookup,
    finished: impl Fn(&StepId) -> bool,
) -> Option<&'f Step> {
    flow.steps()
        .iter()
        .find(|s| is_applicable(s, answers) && !finished(s.id()))
}

/// (done, total) over the required applicable steps of `flow` on `answers`; done are those
/// `completed`.
pub(super) fn count_required(
    flow: &Flow,
    answers: &impl AnswerLookup,
    completed: impl Fn(&StepId) -> bool,
) -> (u32, u32) {
    let mut done = 0u32;
    let mut total = 0u32;
    for step in flow
        .steps()
        .iter()
        .filter(|s| s.required() && is_applicable(s, answers))
    {
        total = total.saturating_add(1);
        if completed(step.id()) {
            done = done.saturating_add(1);
        }
    }
    (done, total)
}

/// What the person should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NextActionKind {
    /// Answer `step_id`.
    SubmitStep,
    /// Verify the phone for `step_id` (start a verification, then check its code).
    VerifyPhone,
    /// The session is paused: resume it.
    Resume,
    /// Every required step is done: complete the session (or answer the optional ones left).
    Complete,
    /// Nothing: the session is final.
    None,
}

/// The next recommended action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextAction {
    /// Kind of action.
    pub kind: NextActionKind,
    /// The step it concerns.
    pub step_id: Option<String>,
    /// A sentence for the person.
    pub message: String,
}

/// Progress through the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    /// Percent of required applicable steps done, as a high-water mark (never decreases), 0..=100.
    pub percent: u8,
    /// Required applicable steps done.
    pub completed: u32,
    /// Required applicable steps.
    pub total: u32,
    /// Sum of the estimated durations of the applicable steps not yet finished, in seconds.
    pub estimated_seconds_remaining: u64,
    /// What to do next.
    pub next_action: NextAction,
}

/// How one step of the flow stands for this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not reached yet.
    Pending,
    /// The step to answer now.
    Current,
    /// Answered.
    Completed,
    /// Skipped (optional).
    Skipped,
    /// Its condition is false on the answers so far.
    NotApplicable,
}

/// A step in the session view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepView {
    /// Step id.
    pub id: String,
    /// Step kind (`form`, `choice`, ...).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Required or optional.
    pub required: bool,
    /// Status for this session.
    pub status: StepStatus,
}

/// The public view of a session, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Session id (UUID).
    pub id: String,
    /// Flow id.
    pub flow_id: String,
    /// Flow version pinned at start.
    pub flow_version: u32,
    /// Status.
    pub status: SessionStatus,
    /// Channel it started on.
    pub channel: SessionChannel,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// True once a phone verification step was completed.
    pub phone_verified: bool,
    /// The tenant's reference.
    pub external_ref: Option<String>,
    /// The step to answer now.
    pub current_step: Option<String>,
    /// Every step with its status.
    pub steps: Vec<StepView>,
    /// Answers per step id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: BTreeMap<String, Value>,
    /// Progress.
    pub progress: Progress,
    /// Capability level assigned on completion (flows with a capability rule).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub capability: Option<CapabilityAssessment>,
    /// Created at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub created_at: Option<OffsetDateTime>,
    /// Last activity (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub updated_at: Option<OffsetDateTime>,
    /// Completed at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub completed_at: Option<OffsetDateTime>,
}

fn step_status(flow: &Flow, state: &SessionState, step: &Step) -> StepStatus {
    match state.outcomes.get(step.id()) {
        _ if !is_applicable(step, &state.answers) => StepStatus::NotApplicable,
        Some(StepOutcome::Completed) => StepStatus::Completed,
        Some(StepOutcome::Skipped) => StepStatus::Skipped,
        None if current_step(flow, state).is_some_and(|c| c.id() == step.id()) => {
            StepStatus::Current
        }
        None => StepStatus::Pending,
    }
}

/// Progress of `state` through `flow`.
pub fn progress(flow: &Flow, state: &SessionState) -> Progress {
    let (completed, total) = required_counts(flow, state);
    let estimated_seconds_remaining = if state.status.is_final() {
        0
    } else {
        flow.steps()
            .iter()
            .filter(|s| is_applicable(s, &state.answers) && !state.outcomes.contains_key(s.id()))
            .map(|s| u64::from(s.estimated_seconds()))
            .sum()
    };
    let current = current_step(flow, state);
    let next_action = match (state.status, current) {
        (SessionStatus::Paused, _) => NextAction {
            kind: NextActionKind::Resume,
            step_id: current.map(|s| s.id().to_string()),
            message: "Resume the session to continue.".into(),
        },
        (s, _) if s.is_final() || s == SessionStatus::New => NextAction {
            kind: NextActionKind::None,
            step_id: None,
            message: format!("The session is {}.", s.as_str()),
        },
        (_, Some(step)) if step.kind() == StepKind::PhoneVerification => NextAction {
            kind: NextActionKind::VerifyPhone,
            step_id: Some(step.id().to_string()),
            message: format!(
                "{}: verify the phone number with a one-time code.",
                step.title()
            ),
        },
        (_, Some(step)) => NextAction {
            kind: NextActionKind::SubmitStep,
            step_id: Some(step.id().to_string()),
            message: format!("Answer \"{}\".", step.title()),
        },
        (_, None) => NextAction {
            kind: NextActionKind::Complete,
            step_id: None,
            message: "Every required step is done: complete the session.".into(),
        },
    };
    Progress {
        percent: state.progress_percent,
        completed,
        total,
        estimated_seconds_remaining,
        next_action,
    }
}

/// The public view of `state` on `flow`.
pub fn view(flow: &Flow, state: &SessionState) -> SessionView {
    SessionView {
        id: state.id.map(|i| i.to_string()).unwrap_or_default(),
        flow_id: flow.id().to_string(),
        flow_version: flow.version(),
        status: state.status,
        channel: state.channel,
        phone: state.phone.as_ref().map(|p| p.to_string()),
        phone_verified: state.phone_verified,
        external_ref: state.external_ref.clone(),
        current_step: current_step(flow, state).map(|s| s.id().to_string()),
        steps: flow
            .steps()
            .iter()
            .map(|s| StepView {
                id: s.id().to_string(),
                kind: s.kind().as_str().to_string(),
                title: s.title().to_string(),
                required: s.required(),
                status: step_status(flow, state, s),
            })
            .collect(),
        answers: state
            .answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        progress: progress(flow, state),
        capability: state.capability.clone(),
        created_at: state.created_at,
        updated_at: state.updated_at,
        completed_at: state.completed_at,
    }
}
