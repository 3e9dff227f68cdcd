//! The onboarding session's state, commands, events and errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::flow::{CapabilityAssessment, FieldError, FlowId, StepId};
use crate::ids::{SessionId, VerificationId};
use crate::phone::PhoneNumber;

/// Where a session stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// No events yet.
    #[default]
    New,
    /// In progress.
    Active,
    /// Paused by the user or the tenant; resumable.
    Paused,
    /// Every required applicable step is done. Final.
    Completed,
    /// Given up. Final.
    Abandoned,
    /// Inactive for longer than the flow's inactivity timeout. Final.
    Expired,
}

impl SessionStatus {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::New,
            Self::Active,
            Self::Paused,
            Self::Completed,
            Self::Abandoned,
            Self::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Completed, abandoned and expired sessions accept nothing more (P-SES-3).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Abandoned | Self::Expired)
    }
}

/// The channel a session started on (or was continued on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionChannel {
    /// A web page.
    #[default]
    Web,
    /// A WhatsApp conversation.
    #[serde(rename = "whatsapp")]
    WhatsApp,
    /// A mobile app.
    Mobile,
    /// The tenant's back office, through the API.
    Api,
}

/// How a step was finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Answered.
    Completed,
    /// An optional step left out.
    Skipped,
}

/// A phone verification that was approved, offered as proof for a `phone_verification` step.
/// The application service builds it only from an approved verification of the same session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedPhone {
    /// The approved verification.
    pub verification_id: VerificationId,
    /// The phone it verified.
    pub phone: PhoneNumber,
}

/// Proof offered for a step that completes on something outside the session, built by the
/// application service only from what belongs to the same session and step: a trial that
/// started (`card_on_file_trial`), an order that was captured (`paypal_checkout`), a WhatsApp
/// Business Account that is active (`whatsapp_signup`) or submitted to its BSP
/// (`whatsapp_sender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum StepProof {
    /// A started trial.
    Trial(crate::ids::TrialId),
    /// A captured order.
    Order(crate::ids::OrderId),
    /// A WhatsApp Business Account onboarding far enough along for its step.
    Waba(crate::ids::WabaAccountId),
}

/// The folded state of one session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// Id (None before start).
    pub id: Option<SessionId>,
    /// The flow, pinned at start.
    pub flow_id: Option<FlowId>,
    /// The flow's version, pinned at start.
    pub flow_version: u32,
    /// Status.
    pub status: SessionStatus,
    /// Channel it started on.
    pub channel: SessionChannel,
    /// The person's phone (given at start or verified), E.164.
    pub phone: Option<PhoneNumber>,
    /// True once a phone verification step was completed with an approved verification.
    pub phone_verified: bool,
    /// The tenant's own reference for this person.
    pub external_ref: Option<String>,
    /// Finished steps and how.
    pub outcomes: BTreeMap<StepId, StepOutcome>,
    /// Answers per step.
    pub answers: BTreeMap<StepId, Value>,
    /// Progress high-water mark, percent 0..=100 (P-SES-1: it never decreases).
    pub progress_percent: u8,
    /// The capability level assigned on completion (MISSION.md B).
    pub capability: Option<CapabilityAssessment>,
    /// Started at.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Last activity (any event).
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// Completed at.
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// What can be asked of a session.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionCommand {
    /// Start on the decider's flow.
    Start {
        /// The new session's id.
        id: SessionId,
        /// Channel.
        channel: SessionChannel,
        /// Phone, E.164, if known.
        phone: Option<PhoneNumber>,
        /// Tenant's reference.
        external_ref: Option<String>,
        /// Now.
        at: OffsetDateTime,
    },
    /// Answer a step (the current one, or a completed one to change its answers).
    SubmitStep {
        /// Step.
        step: StepId,
        /// The step's answers object.
        answers: Value,
        /// Proof for a `phone_verification` step.
        verified_phone: Option<VerifiedPhone>,
        /// Proof for a `card_on_file_trial`, `paypal_checkout`, `whatsapp_signup` or
        /// `whatsapp_sender` step.
        proof: Option<StepProof>,
        /// Now.
        at: OffsetDateTime,
    },
    /// Leave out the current step, which must be optional.
    SkipStep {
        /// Step.
        step: StepId,
        /// Now.
        at: OffsetDateTime,
    },
    /// Pause.
    Pause {
        /// Now.
        at: OffsetDateTime,
    },
    /// Resume a paused session.
    Resume {
        /// Now.
        at: OffsetDateTime,
    },
    /// Complete; idempotent once completed (P-SES-2).
    Complete {
        /// Now.
        at: OffsetDateTime,
    },
    /// Give up.
    Abandon {
        /// Why, if said.
        reason: Option<String>,
        /// Now.
        at: OffsetDateTime,
    },
    /// The inactivity timer fired.
    Expire {
        /// Now.
        at: OffsetDateTime,
    },
}

/// What happened to a session. Stored as its audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Started.
    Started {
        /// Id.
        id: SessionId,
        /// Flow.
        flow_id: FlowId,
        /// Flow version.
        flow_version: u32,
        /// Channel.
        channel: SessionChannel,
        /// Phone.
        phone: Option<PhoneNumber>,
        /// Reference.
        external_ref: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A step was answered.
    StepSubmitted {
        /// Step.
        step: StepId,
        /// Its answers.
        answers: Value,
        /// The verified phone, for a phone verification step.
        verified_phone: Option<VerifiedPhone>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An optional step was skipped.
    StepSkipped {
        /// Step.
        step: StepId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Paused.
    Paused {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Resumed.
    Resumed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Completed, with the capability assessment when the flow has a rule.
    Completed {
        /// The assessment.
        capability: Option<CapabilityAssessment>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Abandoned.
    Abandoned {
        /// Why.
        reason: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Expired after inactivity.
    Expired {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl SessionEvent {
    /// Dotted type name for the store, e.g. `session.step_submitted`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Started { .. } => "session.started",
            Self::StepSubmitted { .. } => "session.step_submitted",
            Self::StepSkipped { .. } => "session.step_skipped",
            Self::Paused { .. } => "session.paused",
            Self::Resumed { .. } => "session.resumed",
            Self::Completed { .. } => "session.completed",
            Self::Abandoned { .. } => "session.abandoned",
            Self::Expired { .. } => "session.expired",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Started { at, .. }
            | Self::StepSubmitted { at, .. }
            | Self::StepSkipped { at, .. }
            | Self::Paused { at }
            | Self::Resumed { at }
            | Self::Completed { at, .. }
            | Self::Abandoned { at, .. }
            | Self::Expired { at } => *at,
        }
    }
}

/// Why a session command was refused. Every variant but `InvalidAnswers` is an invalid step
/// transition (HTTP 409 INVALID_STEP_TRANSITION).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    /// The session does not exist yet.
    #[error("session not started")]
    NotStarted,
    /// Start on an existing session.
    #[error("session already started")]
    AlreadyStarted,
    /// The flow has no such step.
    #[error("the flow has no step {0:?}")]
    UnknownStep(String),
    /// The step's condition is false on the answers so far (P-SES-4).
    #[error("step {0} does not apply to this session's answers")]
    StepNotApplicable(StepId),
    /// Steps are answered in order.
    #[error("step {step} cannot be answered yet; the current step is {current}")]
    StepOutOfOrder {
        /// The step asked for.
        step: StepId,
        /// The step to answer now.
        current: String,
    },
    /// Only optional steps can be skipped.
    #[error("step {0} is required and cannot be skipped")]
    StepRequired(StepId),
    /// The answers fail the step's schema.
    #[error("the answers to step {step} are invalid")]
    InvalidAnswers {
        /// Step.
        step: StepId,
        /// Every failing field.
        errors: Vec<FieldError>,
    },
    /// A payment step needs a started trial or a captured order of this session.
    #[error("step {0} completes only with a started trial or a captured order of this session")]
    PaymentRequired(StepId),
    /// A WhatsApp step needs an account of this session: active (`whatsapp_signup`) or
    /// submitted to its BSP (`whatsapp_sender`).
    #[error(
        "step {0} completes only with a WhatsApp Business Account of this session that is far enough along"
    )]
    WabaRequired(StepId),
    /// A phone verification step needs an approved verification of this session.
    #[error("step {0} completes only with an approved phone verification of this session")]
    VerificationRequired(StepId),
    /// The session is paused.
    #[error("the session is paused; resume it first")]
    Paused,
    /// Resume on a session that is not paused.
    #[error("the session is not paused")]
    NotPaused,
    /// The session is completed, abandoned or expired (P-SES-3).
    #[error("the session is {} and accepts no more changes", .0.as_str())]
    Finished(SessionStatus),
    /// Complete while required steps remain.
    #[error("required steps remain: {}", .0.join(", "))]
    RequiredStepsPending(Vec<String>),
}
