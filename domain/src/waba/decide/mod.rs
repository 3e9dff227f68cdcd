//! The `WabaOnboarding` decider (P-WABA-1, P-WABA-2, P-WABA-4 in spec/properties.md).
//!
//! This module holds [`WabaDecider`] and its `decide`; `guards` the checks and step recording
//! `decide` shares, `evolve` how each event changes the state.

mod evolve;
mod guards;

use guards::{bsp, due, exists, not_found_or, number_command, record_step, signup};

use time::{Duration, OffsetDateTime};

use super::events::{WabaError, WabaEvent};
use super::model::*;
use super::saga::SignupStep;
use crate::decider::Decider;

/// The WABA decider; it carries the code's time to live (a policy value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WabaDecider {
    /// How long Embedded Signup's code may be exchanged after it was received
    /// ([`DEFAULT_CODE_TTL`] by default); exactly `code_ttl` old is still in time.
    pub code_ttl: Duration,
}

impl Default for WabaDecider {
    fn default() -> Self {
        Self {
            code_ttl: DEFAULT_CODE_TTL,
        }
    }
}

impl WabaDecider {
    /// A decider whose codes live `code_ttl`.
    pub fn with_code_ttl(code_ttl: Duration) -> Self {
        Self { code_ttl }
    }

    /// True when the code received at `received` is past its TTL at `at`.
    fn code_expired(&self, received: OffsetDateTime, at: OffsetDateTime) -> bool {
        at - received > self.code_ttl
    }
}

impl Decider for WabaDecider {
    type State = WabaState;
    type Command = WabaCommand;
    type Event = WabaEvent;
    type Error = WabaError;

    fn decide(&self, s: &WabaState, command: &WabaCommand) -> Result<Vec<WabaEvent>, WabaError> {
        use WabaCommand as C;
        match command {
            C::Begin {
                account,
                ids,
                code_received_at,
                at,
            } => {
                if s.path.is_some() {
                    return Err(WabaError::AlreadyBegun);
                }
                Ok(vec![WabaEvent::SignupBegun {
                    account: *account,
                    ids: ids.clone(),
                    code_received_at: *code_received_at,
                    at: *at,
                }])
            }
            C::Submit { account, at } => {
                if s.path.is_some() {
                    return Err(WabaError::AlreadyBegun);
                }
                Ok(vec![WabaEvent::Submitted {
                    account: *account,
                    at: *at,
                }])
            }
            C::ExchangeCode { at } => {
                let received = signup(s)?;
                if s.is_done(SignupStep::CodeExchange) {
                    return Ok(vec![]);
                }
                if s.status == WabaStatus::SignupExpired || self.code_expired(received, *at) {
                    return Err(WabaError::CodeExpired);
                }
                Ok(vec![WabaEvent::CodeExchangeRequested { at: *at }])
            }
            C::ExpireCode { at } => {
                let received = signup(s)?;
                if s.is_done(SignupStep::CodeExchange) || s.status == WabaStatus::SignupExpired {
                    return Ok(vec![]);
                }
                if !self.code_expired(received, *at) {
                    return Err(WabaError::CodeStillLive);
                }
                Ok(vec![WabaEvent::SignupExpired { at: *at }])
            }
            C::RecordStep { result, at } => record_step(s, result, *at),
            C::StepFailed { step, reason, at } => {
                signup(s)?;
                if s.is_done(*step) {
                    return Ok(vec![]);
                }
                due(s, *step)?;
                Ok(vec![WabaEvent::StepFailed {
                    step: *step,
                    reason: reason.clone(),
                    at: *at,
                }])
            }
            C::RefreshToken {
                sealed_token,
                expires_at,
                at,
            } => {
                signup(s)?;
                if s.sealed_token.is_none() {
                    return Err(WabaError::NoToken);
                }
                Ok(vec![WabaEvent::TokenRefreshed {
                    sealed_token: sealed_token.clone(),
                    expires_at: *expires_at,
                    at: *at,
                }])
            }
            C::FlagTokenExpiring { at } => {
                signup(s)?;
                if s.sealed_token.is_none() {
                    return Err(WabaError::NoToken);
                }
                Ok(if s.token_expiring {
                    vec![]
                } else {
                    vec![WabaEvent::TokenExpiring { at: *at }]
                })
            }
            C::ReportQuality { mark, at } => {
                exists(s)?;
                Ok(if s.quality.is_none_or(|q| *mark > q) {
                    vec![WabaEvent::QualityReported {
                        mark: *mark,
                        at: *at,
                    }]
                } else {
                    vec![]
                })
            }
            C::RecordSender { sender_id, at } => {
                if s.path != Some(WabaPath::Bsp) {
                    return Err(not_found_or(s, WabaError::WrongPath));
                }
                match &s.sender_id {
                    Some(known) if known == sender_id => Ok(vec![]),
                    Some(_) => Err(WabaError::SenderMismatch),
                    None => Ok(vec![WabaEvent::SenderCreated {
                        sender_id: sender_id.clone(),
                        at: *at,
                    }]),
                }
            }
            C::StartReview { at } => bsp(
                s,
                WabaStatus::InReview,
                &[WabaStatus::Submitted, WabaStatus::Resubmitted],
                WabaEvent::ReviewStarted { at: *at },
            ),
            C::Approve { at } => bsp(
                s,
                WabaStatus::Approved,
                &[WabaStatus::InReview],
                WabaEvent::Approved { at: *at },
            ),
            C::FailReviewPoll { reason, at } => {
                if s.path != Some(WabaPath::Bsp) {
                    return Err(not_found_or(s, WabaError::WrongPath));
                }
                if !matches!(
                    s.status,
                    WabaStatus::Submitted | WabaStatus::Resubmitted | WabaStatus::InReview
                ) {
                    return Ok(vec![]);
                }
                Ok(vec![WabaEvent::ReviewPollFailed {
                    reason: reason.clone(),
                    at: *at,
                }])
            }
            C::ResumeReviewPoll { at } => {
                if s.path != Some(WabaPath::Bsp) {
                    return Err(not_found_or(s, WabaError::WrongPath));
                }
                Ok(match s.review_failure {
                    Some(_) => vec![WabaEvent::ReviewPollResumed { at: *at }],
                    None => vec![],
                })
            }
            C::Reject { reason, at } => bsp(
                s,
                WabaStatus::Rejected,
                &[WabaStatus::InReview],
                WabaEvent::Rejected {
                    reason: reason.clone(),
                    at: *at,
                },
            ),
            C::RecordAccountReview { decision, at } => {
                exists(s)?;
                Ok(if s.account_review.as_ref() == Some(decision) {
                    vec![]
                } else {
                    vec![WabaEvent::AccountReviewed {
                        decision: decision.clone(),
                        at: *at,
                    }]
                })
            }
            C::RecordAccountUpdate { event, at } => {
                exists(s)?;
                Ok(if s.account_event.as_ref() == Some(event) {
                    vec![]
                } else {
                    vec![WabaEvent::AccountUpdated {
                        event: event.clone(),
                        at: *at,
                    }]
                })
            }
            C::RecordTemplateStatus {
                template_id,
                name,
                status,
                reason,
                at,
            } => {
                exists(s)?;
                let same = s
                    .templates
                    .get(template_id)
                    .is_some_and(|t| &t.name == name && &t.status == status && &t.reason == reason);
                Ok(if same {
                    vec![]
                } else {
                    vec![WabaEvent::TemplateStatusReported {
                        template_id: template_id.clone(),
                        name: name.clone(),
                        status: status.clone(),
                        reason: reason.clone(),
                        at: *at,
                    }]
                })
            }
            C::RequireNumberVerification { at } => {
                number_command(s)?;
                Ok(if s.number == NumberVerification::NotRequired {
                    vec![WabaEvent::NumberVerificationRequired { at: *at }]
                } else {
                    vec![]
                })
            }
            C::RecordVerificationCodeSent { method, at } => {
                number_command(s)?;
                if s.number == NumberVerification::Verified || s.status == WabaStatus::Approved {
                    return Err(WabaError::NumberAlreadyVerified);
                }
                Ok(vec![WabaEvent::VerificationCodeSent {
                    method: *method,
                    at: *at,
                }])
            }
            C::RecordNumberVerified { at } => {
                number_command(s)?;
                match s.number {
                    NumberVerification::Verified => Ok(vec![]),
                    NumberVerification::CodeSent => Ok(vec![WabaEvent::NumberVerified { at: *at }]),
                    NumberVerification::NotRequired | NumberVerification::Required => {
                        Err(WabaError::NoCodeSent)
                    }
                }
            }
            C::Resubmit { corrections, at } => {
                if s.path != Some(WabaPath::Bsp) {
                    return Err(not_found_or(s, WabaError::WrongPath));
                }
                // Every resubmission is news (new corrections): never idempotent.
                if s.status != WabaStatus::Rejected {
                    return Err(WabaError::InvalidTransition {
                        from: s.status,
                        to: WabaStatus::Resubmitted,
                    });
                }
                Ok(vec![WabaEvent::Resubmitted {
                    corrections: corrections.clone(),
                    at: *at,
                }])
            }
        }
    }

    fn evolve(&self, s: WabaState, event: &WabaEvent) -> WabaState {
        evolve::evolve(s, event)
    }
}
