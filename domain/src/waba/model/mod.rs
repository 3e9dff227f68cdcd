//! The `WabaOnboarding` aggregate's data: ids, status, state, commands, events and errors.
//!
//! This module holds the ids, the statuses and the state; `command` holds the commands (the
//! events and errors are in `waba::events`).

mod command;

pub use command::*;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::CustomerId;
use crate::ports::NumberVerificationMethod;
use crate::waba::saga::{QualityMark, SignupStep};

macro_rules! meta_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the provider's id as given.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

meta_id!(
    /// A WhatsApp Business Account's id at Meta (`waba_id` of Embedded Signup's FINISH event).
    WabaId
);
meta_id!(
    /// A WhatsApp phone number's id at Meta (`phone_number_id`).
    PhoneNumberId
);
meta_id!(
    /// A Meta business portfolio's id (`business_id`).
    BusinessId
);

/// The time to live of Embedded Signup's authorization code by default: about 30 s
/// (MISSION.md D; PROVIDERS.md section 6 marks the exact lifetime UNCONFIRMED).
pub const DEFAULT_CODE_TTL: time::Duration = time::Duration::seconds(30);

/// Which way the WABA is onboarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WabaPath {
    /// Meta's Embedded Signup, Onramp as Solution Partner (MISSION.md D).
    EmbeddedSignup,
    /// A sender provisioned through a BSP, Sinch (MISSION.md A).
    Bsp,
}

/// Where a WABA's onboarding stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WabaStatus {
    /// Nothing yet.
    #[default]
    NotStarted,
    /// Embedded Signup: the code was received, not exchanged yet.
    CodeReceived,
    /// Embedded Signup: the business token is held (sealed).
    TokenExchanged,
    /// Embedded Signup: the app receives the WABA's webhooks.
    WebhooksSubscribed,
    /// Embedded Signup: the partner's credit line is shared.
    CreditLineShared,
    /// Embedded Signup: the phone number is registered; the client is ready.
    Active,
    /// Embedded Signup: the code expired before its exchange; the user must sign up again.
    SignupExpired,
    /// BSP: the sender was submitted.
    Submitted,
    /// BSP: the provider is reviewing it (24-48 h).
    InReview,
    /// BSP: approved.
    Approved,
    /// BSP: rejected; it may be corrected and resubmitted.
    Rejected,
    /// BSP: corrected and submitted again.
    Resubmitted,
}

impl WabaStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::CodeReceived => "code_received",
            Self::TokenExchanged => "token_exchanged",
            Self::WebhooksSubscribed => "webhooks_subscribed",
            Self::CreditLineShared => "credit_line_shared",
            Self::Active => "active",
            Self::SignupExpired => "signup_expired",
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Resubmitted => "resubmitted",
        }
    }
}

/// BSP: where the proof that the business owns the sender's number stands (Sinch's
/// `PENDING_VERIFICATION`, then `register` and `verify`; PROVIDERS.md section 5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberVerification {
    /// The BSP has not asked for it.
    #[default]
    NotRequired,
    /// The BSP waits for it: a code must be requested.
    Required,
    /// A code was sent to the number; it waits for it.
    CodeSent,
    /// The number is verified.
    Verified,
}

impl NumberVerification {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotRequired => "not_required",
            Self::Required => "required",
            Self::CodeSent => "code_sent",
            Self::Verified => "verified",
        }
    }
}

/// A message template's status as Meta last reported it (`message_template_status_update`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateMark {
    /// `message_template_name`.
    pub name: String,
    /// `event`: `APPROVED`, `REJECTED`, `PENDING`, `DISABLED`, `PAUSED`, ...
    pub status: String,
    /// `reason`, when given (a rejection's).
    pub reason: Option<String>,
    /// When the report arrived.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The ids Embedded Signup's FINISH event gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupIds {
    /// The WABA.
    pub waba_id: WabaId,
    /// Its phone number.
    pub phone_number_id: PhoneNumberId,
    /// The client's business.
    pub business_id: BusinessId,
}

/// The last failure of a saga step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFailure {
    /// The step.
    pub step: SignupStep,
    /// Why (the provider's message).
    pub reason: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Why a BSP review stopped being followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewFailure {
    /// The provider's answer (`sender_not_found: Sender not found.`).
    pub reason: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: OffsetDateTime,
}

/// The folded state of one WABA onboarding. It holds no secret in clear: the business token and
/// the PIN only as sealed ciphertext made outside.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WabaState {
    /// The customer account it belongs to; `None` before `Begin` or `Submit`.
    pub account: Option<CustomerId>,
    /// The path taken.
    pub path: Option<WabaPath>,
    /// Where it stands.
    pub status: WabaStatus,
    /// Embedded Signup's ids.
    pub signup: Option<SignupIds>,
    /// When the code was received (its TTL counts from here).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub code_received_at: Option<OffsetDateTime>,
    /// Exchanges of the code allowed so far (each within the code's TTL).
    pub exchange_requests: u32,
    /// Saga steps done, in order.
    pub steps_done: Vec<SignupStep>,
    /// Failures counted per step.
    pub failures: BTreeMap<SignupStep, u32>,
    /// The last failure.
    pub last_failure: Option<StepFailure>,
    /// The business token, sealed.
    pub sealed_token: Option<String>,
    /// When the business token expires.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub token_expires_at: Option<OffsetDateTime>,
    /// True once the token was flagged as expiring, until it is refreshed.
    pub token_expiring: bool,
    /// Meta's credit allocation.
    pub allocation_config_id: Option<String>,
    /// The registration PIN, sealed.
    pub sealed_pin: Option<String>,
    /// The latest quality report.
    pub quality: Option<QualityMark>,
    /// BSP: submissions so far (the first and every resubmission).
    pub submissions: u32,
    /// BSP: the last rejection's reason.
    pub rejection: Option<String>,
    /// BSP: the corrections of each resubmission, in order.
    pub corrections: Vec<String>,
    /// BSP: the sender's id at the BSP, once created.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// BSP: why following the review stopped (issue 11, item 8), until a report or a retry.
    #[serde(default)]
    pub review_failure: Option<ReviewFailure>,
    /// BSP: the verification of the sender's number.
    #[serde(default)]
    pub number: NumberVerification,
    /// BSP: how the last code was sent to the number.
    #[serde(default)]
    pub number_method: Option<NumberVerificationMethod>,
    /// BSP: codes sent to the number so far.
    #[serde(default)]
    pub codes_sent: u32,
    /// Meta's last review decision on the WABA (`account_review_update` `decision`:
    /// `APPROVED`, `REJECTED`, `PENDING`, `DEFERRED`).
    #[serde(default)]
    pub account_review: Option<String>,
    /// Meta's last `account_update` event word (`PARTNER_ADDED`, `ACCOUNT_VIOLATION`, ...).
    #[serde(default)]
    pub account_event: Option<String>,
    /// Message templates' statuses, by Meta's template id.
    #[serde(default)]
    pub templates: BTreeMap<String, TemplateMark>,
}

impl WabaState {
    /// The Embedded Signup step due next: `None` before `Begin`, on the BSP path, once the
    /// signup expired and once every step is done.
    pub fn next_step(&self) -> Option<SignupStep> {
        if self.path != Some(WabaPath::EmbeddedSignup) || self.status == WabaStatus::SignupExpired {
            return None;
        }
        SignupStep::ALL
            .into_iter()
            .find(|s| !self.steps_done.contains(s))
    }

    /// True once `step` was recorded.
    pub fn is_done(&self, step: SignupStep) -> bool {
        self.steps_done.contains(&step)
    }

    /// Failures recorded for `step`.
    pub fn failures_of(&self, step: SignupStep) -> u32 {
        self.failures.get(&step).copied().unwrap_or(0)
    }
}
