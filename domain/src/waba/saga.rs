//! The Embedded Signup saga's steps, their results, and the quality rating.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One server-side step of Meta's Embedded Signup for a Solution Partner, in the order they
/// must happen (PROVIDERS.md section 6, "Onboarding steps for a Solution Partner").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupStep {
    /// `GET /oauth/access_token?code=…`: the code for a business token (the code lives ~30 s).
    CodeExchange,
    /// `POST /{waba-id}/subscribed_apps`.
    WebhookSubscription,
    /// `POST /{extended-credit-id}/whatsapp_credit_sharing_and_attach`.
    CreditLineSharing,
    /// `POST /{phone-number-id}/register` with the 6-digit PIN.
    PhoneRegistration,
}

impl SignupStep {
    /// Every step, in the order they must happen.
    pub const ALL: [SignupStep; 4] = [
        Self::CodeExchange,
        Self::WebhookSubscription,
        Self::CreditLineSharing,
        Self::PhoneRegistration,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CodeExchange => "code_exchange",
            Self::WebhookSubscription => "webhook_subscription",
            Self::CreditLineSharing => "credit_line_sharing",
            Self::PhoneRegistration => "phone_registration",
        }
    }
}

/// What a step's successful provider call gave; only sealed secrets travel here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    /// The code was exchanged for a business token.
    CodeExchanged {
        /// The business token, sealed outside (AES-256-GCM ciphertext, opaque here).
        sealed_token: String,
        /// When the token expires.
        expires_at: OffsetDateTime,
    },
    /// The app is subscribed to the WABA's webhooks.
    WebhooksSubscribed,
    /// The partner's credit line is shared with the WABA.
    CreditLineShared {
        /// Meta's `allocation_config_id`.
        allocation_config_id: String,
    },
    /// The phone number is registered.
    PhoneRegistered {
        /// The 6-digit PIN used, sealed outside (opaque here).
        sealed_pin: String,
    },
}

impl StepResult {
    /// The step this result completes.
    pub fn step(&self) -> SignupStep {
        match self {
            Self::CodeExchanged { .. } => SignupStep::CodeExchange,
            Self::WebhooksSubscribed => SignupStep::WebhookSubscription,
            Self::CreditLineShared { .. } => SignupStep::CreditLineSharing,
            Self::PhoneRegistered { .. } => SignupStep::PhoneRegistration,
        }
    }
}

/// A phone number's quality rating as Meta reports it (MISSION.md D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityRating {
    /// High quality.
    Green,
    /// Medium quality.
    Yellow,
    /// Low quality.
    Red,
}

impl QualityRating {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }
}

/// The latest quality report: reports rank by the time Meta made them, then by the rating, never
/// by arrival, so any permutation of the reports (duplicates included) ends on the same mark
/// (like `trial::StatusMark`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QualityMark {
    /// When Meta made the report.
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    /// What it said.
    pub rating: QualityRating,
}
