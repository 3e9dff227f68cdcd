//! The `evolve` of the `WabaOnboarding` decider: how each event changes the state.

use crate::waba::events::WabaEvent;
use crate::waba::model::*;
use crate::waba::saga::SignupStep;

/// Applies `event` to `s` (the body of [`WabaDecider`](super::WabaDecider)'s `evolve`).
pub(super) fn evolve(mut s: WabaState, event: &WabaEvent) -> WabaState {
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

/// Marks `step` done (once) and sets `status`.
fn step_done(s: &mut WabaState, step: SignupStep, status: WabaStatus) {
    if !s.steps_done.contains(&step) {
        s.steps_done.push(step);
    }
    s.status = status;
}
