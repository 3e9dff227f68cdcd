//! The `WabaOnboarding` aggregate's events and errors.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::model::{SignupIds, WabaStatus};
use super::saga::{QualityMark, SignupStep};
use crate::ids::CustomerId;
use crate::ports::NumberVerificationMethod;

/// Something that happened to a WABA onboarding. Each status change is one event, so the app
/// can notify the user on each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WabaEvent {
    /// Embedded Signup finished in the browser; the code was received.
    SignupBegun {
        /// The customer account.
        account: CustomerId,
        /// The ids.
        ids: SignupIds,
        /// When the code was received.
        #[serde(with = "time::serde::rfc3339")]
        code_received_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An exchange of the code was allowed, within its TTL.
    CodeExchangeRequested {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The code expired unexchanged: the user must sign up again.
    SignupExpired {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Step 1 done: the business token is held, sealed.
    CodeExchanged {
        /// The token, sealed outside.
        sealed_token: String,
        /// Its expiry.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Step 2 done.
    WebhooksSubscribed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Step 3 done.
    CreditLineShared {
        /// Meta's `allocation_config_id`.
        allocation_config_id: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Step 4 done.
    PhoneRegistered {
        /// The PIN, sealed outside.
        sealed_pin: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Every step done: the client is ready.
    Activated {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A step's call failed; the step stays due.
    StepFailed {
        /// The step.
        step: SignupStep,
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The business token was refreshed.
    TokenRefreshed {
        /// The new token, sealed.
        sealed_token: String,
        /// Its expiry.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The business token nears its expiry.
    TokenExpiring {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A later quality report.
    QualityReported {
        /// The report.
        mark: QualityMark,
        /// When it arrived.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: submitted.
    Submitted {
        /// The customer account.
        account: CustomerId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: the BSP created the sender.
    SenderCreated {
        /// The BSP's sender id.
        sender_id: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: in review.
    ReviewStarted {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: approved.
    Approved {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: following the review failed for good.
    ReviewPollFailed {
        /// The provider's answer.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: the review is followed again after a failed poll.
    ReviewPollResumed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: rejected.
    Rejected {
        /// The provider's reason.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: corrected and submitted again.
    Resubmitted {
        /// What was corrected.
        corrections: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Meta reviewed the WABA.
    AccountReviewed {
        /// `APPROVED`, `REJECTED`, `PENDING` or `DEFERRED`.
        decision: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Meta reported a change of the WABA's account.
    AccountUpdated {
        /// Meta's `event` word.
        event: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Meta reported a message template's status.
    TemplateStatusReported {
        /// `message_template_id`.
        template_id: String,
        /// `message_template_name`.
        name: String,
        /// `event`.
        status: String,
        /// `reason`, when given.
        reason: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: the sender waits for the proof that the business owns its number.
    NumberVerificationRequired {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: a code was sent to the sender's number.
    VerificationCodeSent {
        /// How.
        method: NumberVerificationMethod,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// BSP: the sender's number is verified.
    NumberVerified {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl WabaEvent {
    /// The stored type name, `waba.<snake_case>`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::SignupBegun { .. } => "waba.signup_begun",
            Self::CodeExchangeRequested { .. } => "waba.code_exchange_requested",
            Self::SignupExpired { .. } => "waba.signup_expired",
            Self::CodeExchanged { .. } => "waba.code_exchanged",
            Self::WebhooksSubscribed { .. } => "waba.webhooks_subscribed",
            Self::CreditLineShared { .. } => "waba.credit_line_shared",
            Self::PhoneRegistered { .. } => "waba.phone_registered",
            Self::Activated { .. } => "waba.activated",
            Self::StepFailed { .. } => "waba.step_failed",
            Self::TokenRefreshed { .. } => "waba.token_refreshed",
            Self::TokenExpiring { .. } => "waba.token_expiring",
            Self::QualityReported { .. } => "waba.quality_reported",
            Self::Submitted { .. } => "waba.submitted",
            Self::SenderCreated { .. } => "waba.sender_created",
            Self::ReviewStarted { .. } => "waba.review_started",
            Self::Approved { .. } => "waba.approved",
            Self::Rejected { .. } => "waba.rejected",
            Self::ReviewPollFailed { .. } => "waba.review_poll_failed",
            Self::ReviewPollResumed { .. } => "waba.review_poll_resumed",
            Self::Resubmitted { .. } => "waba.resubmitted",
            Self::AccountReviewed { .. } => "waba.account_reviewed",
            Self::AccountUpdated { .. } => "waba.account_updated",
            Self::TemplateStatusReported { .. } => "waba.template_status_reported",
            Self::NumberVerificationRequired { .. } => "waba.number_verification_required",
            Self::VerificationCodeSent { .. } => "waba.verification_code_sent",
            Self::NumberVerified { .. } => "waba.number_verified",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::SignupBegun { at, .. }
            | Self::CodeExchangeRequested { at }
            | Self::SignupExpired { at }
            | Self::CodeExchanged { at, .. }
            | Self::WebhooksSubscribed { at }
            | Self::CreditLineShared { at, .. }
            | Self::PhoneRegistered { at, .. }
            | Self::Activated { at }
            | Self::StepFailed { at, .. }
            | Self::TokenRefreshed { at, .. }
            | Self::TokenExpiring { at }
            | Self::QualityReported { at, .. }
            | Self::Submitted { at, .. }
            | Self::SenderCreated { at, .. }
            | Self::ReviewStarted { at }
            | Self::Approved { at }
            | Self::Rejected { at, .. }
            | Self::ReviewPollFailed { at, .. }
            | Self::ReviewPollResumed { at }
            | Self::Resubmitted { at, .. }
            | Self::AccountReviewed { at, .. }
            | Self::AccountUpdated { at, .. }
            | Self::TemplateStatusReported { at, .. }
            | Self::NumberVerificationRequired { at }
            | Self::VerificationCodeSent { at, .. }
            | Self::NumberVerified { at } => *at,
        }
    }
}

/// Why a WABA command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WabaError {
    /// The onboarding does not exist.
    #[error("the WABA onboarding does not exist")]
    NotFound,
    /// `Begin` or `Submit` on an existing onboarding.
    #[error("the WABA onboarding exists already")]
    AlreadyBegun,
    /// A command of the other path.
    #[error("the command belongs to the other onboarding path")]
    WrongPath,
    /// The code is older than its TTL (or the signup expired): it is never exchanged.
    #[error("the signup code expired; sign up again")]
    CodeExpired,
    /// `ExpireCode` while the code is still live.
    #[error("the signup code is still live")]
    CodeStillLive,
    /// The code's exchange was recorded without an allowed request.
    #[error("the code's exchange was not requested in time")]
    ExchangeNotRequested,
    /// A step recorded or failed before its turn.
    #[error("step {} is not due (due: {})", .got.as_str(), .due.map_or("none", SignupStep::as_str))]
    StepOutOfOrder {
        /// The step due, if any.
        due: Option<SignupStep>,
        /// The step given.
        got: SignupStep,
    },
    /// `RecordSender` with another id than the one recorded.
    #[error("the sender was created with another id")]
    SenderMismatch,
    /// BSP: a number command before the BSP created the sender.
    #[error("the BSP has not created the sender yet")]
    NoSender,
    /// BSP: a code for a number already verified (or a sender already approved).
    #[error("the sender's number is verified already")]
    NumberAlreadyVerified,
    /// BSP: a verification without a code sent first.
    #[error("no code was sent to the sender's number: request one first")]
    NoCodeSent,
    /// Token commands before the code's exchange.
    #[error("no business token yet")]
    NoToken,
    /// A BSP status change not allowed from the current status.
    #[error("cannot go from {} to {}", .from.as_str(), .to.as_str())]
    InvalidTransition {
        /// Current status.
        from: WabaStatus,
        /// Asked status.
        to: WabaStatus,
    },
}
