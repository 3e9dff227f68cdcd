//! The `WabaOnboarding` decider (P-WABA-1, P-WABA-2, P-WABA-4 in spec/properties.md).

use time::{Duration, OffsetDateTime};

use super::events::{WabaError, WabaEvent};
use super::model::*;
use super::saga::{SignupStep, StepResult};
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

    fn evolve(&self, mut s: WabaState, event: &WabaEvent) -> WabaState {
        match event {
            WabaEvent::SignupBegun {
                account,
                ids,
                code_received_at,
                ..
            } => {
                s.account = Some(*account);
                s.path = Some(WabaPath::EmbeddedSignup);
                s.status = WabaStatus::CodeReceived;
                s.signup = Some(ids.clone());
                s.code_received_at = Some(*code_received_at);
            }
            WabaEvent::CodeExchangeRequested { .. } => s.exchange_requests += 1,
            WabaEvent::SignupExpired { .. } => s.status = WabaStatus::SignupExpired,
            WabaEvent::CodeExchanged {
                sealed_token,
                expires_at,
                ..
            } => {
                step_done(&mut s, SignupStep::CodeExchange, WabaStatus::TokenExchanged);
                s.sealed_token = Some(sealed_token.clone());
                s.token_expires_at = Some(*expires_at);
            }
            WabaEvent::WebhooksSubscribed { .. } => step_done(
                &mut s,
                SignupStep::WebhookSubscription,
                WabaStatus::WebhooksSubscribed,
            ),
            WabaEvent::CreditLineShared {
                allocation_config_id,
                ..
            } => {
                step_done(
                    &mut s,
                    SignupStep::CreditLineSharing,
                    WabaStatus::CreditLineShared,
                );
                s.allocation_config_id = Some(allocation_config_id.clone());
            }
            WabaEvent::PhoneRegistered { sealed_pin, .. } => {
                let status = s.status;
                step_done(&mut s, SignupStep::PhoneRegistration, status);
                s.sealed_pin = Some(sealed_pin.clone());
            }
            WabaEvent::Activated { .. } => s.status = WabaStatus::Active,
            WabaEvent::StepFailed { step, reason, at } => {
                *s.failures.entry(*step).or_insert(0) += 1;
                s.last_failure = Some(StepFailure {
                    step: *step,
                    reason: reason.clone(),
                    at: *at,
                });
            }
            WabaEvent::TokenRefreshed {
                sealed_token,
                expires_at,
                ..
            } => {
                s.sealed_token = Some(sealed_token.clone());
                s.token_expires_at = Some(*expires_at);
                s.token_expiring = false;
            }
            WabaEvent::TokenExpiring { .. } => s.token_expiring = true,
            WabaEvent::QualityReported { mark, .. } => {
                if s.quality.is_none_or(|q| *mark > q) {
                    s.quality = Some(*mark);
                }
            }
            WabaEvent::Submitted { account, .. } => {
                s.account = Some(*account);
                s.path = Some(WabaPath::Bsp);
                s.status = WabaStatus::Submitted;
                s.submissions = 1;
            }
            WabaEvent::ReviewStarted { .. } => {
                s.status = WabaStatus::InReview;
                s.review_failure = None;
            }
            WabaEvent::ReviewPollResumed { .. } => s.review_failure = None,
            WabaEvent::ReviewPollFailed { reason, at } => {
                s.review_failure = Some(crate::waba::ReviewFailure {
                    reason: reason.clone(),
                    at: *at,
                });
            }
            WabaEvent::Approved { .. } => {
                s.status = WabaStatus::Approved;
                s.rejection = None;
                s.review_failure = None;
                // The BSP activates a sender only once its number is verified.
                if matches!(
                    s.number,
                    NumberVerification::Required | NumberVerification::CodeSent
                ) {
                    s.number = NumberVerification::Verified;
                }
            }
            WabaEvent::Rejected { reason, .. } => {
                s.status = WabaStatus::Rejected;
                s.rejection = Some(reason.clone());
                s.review_failure = None;
            }
            WabaEvent::SenderCreated { sender_id, .. } => s.sender_id = Some(sender_id.clone()),
            WabaEvent::Resubmitted { corrections, .. } => {
                s.status = WabaStatus::Resubmitted;
                s.submissions += 1;
                s.corrections.push(corrections.clone());
            }
            WabaEvent::AccountReviewed { decision, .. } => {
                s.account_review = Some(decision.clone());
            }
            WabaEvent::AccountUpdated { event, .. } => s.account_event = Some(event.clone()),
            WabaEvent::TemplateStatusReported {
                template_id,
                name,
                status,
                reason,
                at,
            } => {
                s.templates.insert(
                    template_id.clone(),
                    TemplateMark {
                        name: name.clone(),
                        status: status.clone(),
                        reason: reason.clone(),
                        at: *at,
                    },
                );
            }
            WabaEvent::NumberVerificationRequired { .. } => {
                s.number = NumberVerification::Required;
            }
            WabaEvent::VerificationCodeSent { method, .. } => {
                s.number = NumberVerification::CodeSent;
                s.number_method = Some(*method);
                s.codes_sent += 1;
            }
            WabaEvent::NumberVerified { .. } => s.number = NumberVerification::Verified,
        }
        s
    }
}

/// `NotFound` before any event, else `other`.
fn not_found_or(s: &WabaState, other: WabaError) -> WabaError {
    if s.path.is_none() {
        WabaError::NotFound
    } else {
        other
    }
}

/// Meta's reports apply to an onboarding that exists, on either path.
fn exists(s: &WabaState) -> Result<(), WabaError> {
    if s.path.is_none() {
        return Err(WabaError::NotFound);
    }
    Ok(())
}

/// A number command is allowed only on the BSP path, once the BSP created the sender.
fn number_command(s: &WabaState) -> Result<(), WabaError> {
    if s.path != Some(WabaPath::Bsp) {
        return Err(not_found_or(s, WabaError::WrongPath));
    }
    if s.sender_id.is_none() {
        return Err(WabaError::NoSender);
    }
    Ok(())
}

/// The code's reception time, when the onboarding is on the Embedded Signup path.
fn signup(s: &WabaState) -> Result<OffsetDateTime, WabaError> {
    match (s.path, s.code_received_at) {
        (Some(WabaPath::EmbeddedSignup), Some(received)) => Ok(received),
        _ => Err(not_found_or(s, WabaError::WrongPath)),
    }
}

/// Refuses `step` unless it is the step due.
fn due(s: &WabaState, step: SignupStep) -> Result<(), WabaError> {
    let due = s.next_step();
    if due == Some(step) {
        Ok(())
    } else if s.status == WabaStatus::SignupExpired {
        Err(WabaError::CodeExpired)
    } else {
        Err(WabaError::StepOutOfOrder { due, got: step })
    }
}

/// A step's success: recorded once, in order; the last one activates the account.
fn record_step(
    s: &WabaState,
    result: &StepResult,
    at: OffsetDateTime,
) -> Result<Vec<WabaEvent>, WabaError> {
    signup(s)?;
    let step = result.step();
    if s.is_done(step) {
        return Ok(vec![]);
    }
    due(s, step)?;
    let event = match result {
        StepResult::CodeExchanged {
            sealed_token,
            expires_at,
        } => {
            if s.exchange_requests == 0 {
                return Err(WabaError::ExchangeNotRequested);
            }
            WabaEvent::CodeExchanged {
                sealed_token: sealed_token.clone(),
                expires_at: *expires_at,
                at,
            }
        }
        StepResult::WebhooksSubscribed => WabaEvent::WebhooksSubscribed { at },
        StepResult::CreditLineShared {
            allocation_config_id,
        } => WabaEvent::CreditLineShared {
            allocation_config_id: allocation_config_id.clone(),
            at,
        },
        StepResult::PhoneRegistered { sealed_pin } => {
            return Ok(vec![
                WabaEvent::PhoneRegistered {
                    sealed_pin: sealed_pin.clone(),
                    at,
                },
                WabaEvent::Activated { at },
            ]);
        }
    };
    Ok(vec![event])
}

/// Marks `step` done (once) and sets `status`.
fn step_done(s: &mut WabaState, step: SignupStep, status: WabaStatus) {
    if !s.steps_done.contains(&step) {
        s.steps_done.push(step);
    }
    s.status = status;
}

/// A BSP status change to `to`, allowed only from `from`; already there is accepted with no
/// event (a duplicate report).
fn bsp(
    s: &WabaState,
    to: WabaStatus,
    from: &[WabaStatus],
    event: WabaEvent,
) -> Result<Vec<WabaEvent>, WabaError> {
    if s.path != Some(WabaPath::Bsp) {
        return Err(not_found_or(s, WabaError::WrongPath));
    }
    if s.status == to {
        return Ok(vec![]);
    }
    if !from.contains(&s.status) {
        return Err(WabaError::InvalidTransition { from: s.status, to });
    }
    Ok(vec![event])
}
