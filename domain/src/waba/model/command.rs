//! The `WabaOnboarding` aggregate's commands.

use time::OffsetDateTime;

use super::SignupIds;
use crate::ids::CustomerId;
use crate::ports::NumberVerificationMethod;
use crate::waba::saga::{QualityMark, SignupStep};

/// An intention about a WABA onboarding.
#[derive(Debug, Clone, PartialEq)]
pub enum WabaCommand {
    /// Embedded Signup finished in the browser: the server holds the ids and the code.
    Begin {
        /// The customer account.
        account: CustomerId,
        /// The ids from the FINISH event.
        ids: SignupIds,
        /// When the code was received (its TTL counts from here).
        code_received_at: OffsetDateTime,
        /// Now.
        at: OffsetDateTime,
    },
    /// Ask to exchange the code now: allowed only within the code's TTL (else `CodeExpired`).
    ExchangeCode {
        /// Now.
        at: OffsetDateTime,
    },
    /// The code's TTL ran out before its exchange: the signup expires (the timer, or the app
    /// after a `CodeExpired` refusal).
    ExpireCode {
        /// Now.
        at: OffsetDateTime,
    },
    /// A saga step's provider call succeeded.
    RecordStep {
        /// What it gave.
        result: crate::waba::saga::StepResult,
        /// Now.
        at: OffsetDateTime,
    },
    /// A saga step's provider call failed; the step stays due.
    StepFailed {
        /// The step.
        step: SignupStep,
        /// The provider's message.
        reason: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// The business token was refreshed.
    RefreshToken {
        /// The new token, sealed.
        sealed_token: String,
        /// Its expiry.
        expires_at: OffsetDateTime,
        /// Now.
        at: OffsetDateTime,
    },
    /// The business token nears its expiry (the timer).
    FlagTokenExpiring {
        /// Now.
        at: OffsetDateTime,
    },
    /// Meta reported the phone number's quality.
    ReportQuality {
        /// The report.
        mark: QualityMark,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: submit the sender.
    Submit {
        /// The customer account.
        account: CustomerId,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider created the sender (its id), before or with its review.
    RecordSender {
        /// The BSP's sender id.
        sender_id: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider started reviewing it.
    StartReview {
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider approved it (only from review).
    Approve {
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: following the review failed for good (the BSP no longer knows the sender, or
    /// refuses to say): the poll stops, the account shows why until a retry or a report.
    FailReviewPoll {
        /// The provider's answer.
        reason: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: follow the review again after a failed poll (a retry); nothing without one.
    ResumeReviewPoll {
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider rejected it (only from review).
    Reject {
        /// The provider's reason.
        reason: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider says the sender waits for the proof that the business owns its
    /// number (a duplicate report, or one after the verification, changes nothing).
    RequireNumberVerification {
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider sent a code to the sender's number (each code is news; refused once
    /// the number is verified or the sender approved).
    RecordVerificationCodeSent {
        /// How it was sent.
        method: NumberVerificationMethod,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: the provider accepted the code sent to the number (only after a code was sent).
    RecordNumberVerified {
        /// Now.
        at: OffsetDateTime,
    },
    /// Meta's review decision on the WABA (`account_review_update`); the same decision again
    /// changes nothing.
    RecordAccountReview {
        /// `APPROVED`, `REJECTED`, `PENDING` or `DEFERRED`.
        decision: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// A change of the WABA's account at Meta (`account_update`); the same event word again
    /// changes nothing.
    RecordAccountUpdate {
        /// Meta's `event` word.
        event: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// A message template's status (`message_template_status_update`); the same status and
    /// reason again changes nothing.
    RecordTemplateStatus {
        /// `message_template_id`.
        template_id: String,
        /// `message_template_name`.
        name: String,
        /// `event`.
        status: String,
        /// `reason`, when given.
        reason: Option<String>,
        /// Now.
        at: OffsetDateTime,
    },
    /// BSP: correct a rejected sender and submit it again.
    Resubmit {
        /// What was corrected.
        corrections: String,
        /// Now.
        at: OffsetDateTime,
    },
}
