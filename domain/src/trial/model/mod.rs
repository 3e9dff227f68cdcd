//! The `Trial` aggregate's data: terms, state, commands, events and errors.
//!
//! This module holds the terms and the state (status, authorizations, declines); `command` the
//! commands and the errors that refuse them, `event` the events.

mod command;
mod event;

pub use command::*;
pub use event::*;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TrialId};
use crate::money::Money;
use crate::phone::PhoneNumber;
use crate::ports::{CardDetails, SubscriptionStatus};

/// Seconds in a day: a trial of `days` lasts exactly `days * 86 400` seconds (P-TRI-4).
pub const SECONDS_PER_DAY: i64 = 86_400;

/// The reminder goes out this long before the trial ends (Stripe's `trial_will_end` is three
/// days before, PROVIDERS.md section 1).
pub const REMINDER_BEFORE_END: time::Duration = time::Duration::days(3);

/// A `card_on_file_trial` step's terms, from the flow template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialTerms {
    /// Trial length in days (7 by default).
    pub days: u32,
    /// The card check's authorization, always voided (100 USD minor units = $1 by default).
    pub verification_amount: Money,
    /// The provider's price the trial converts to (`price_…`).
    pub price: String,
    /// The plan name given to the customer account on conversion (the step's `plan`).
    pub plan: String,
}

/// Where a trial stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// No verified card yet: declined cards may be replaced.
    #[default]
    AwaitingPaymentMethod,
    /// In the free trial: nothing charged (P-TRI-1).
    Trialing,
    /// Converted to paid.
    Active,
    /// A payment failed at or after the trial's end (`past_due`, `unpaid`, `incomplete`).
    PastDue,
    /// Paused by the provider.
    Paused,
    /// Ended: canceled by the user or the provider.
    Canceled,
}

impl TrialStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPaymentMethod => "awaiting_payment_method",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Paused => "paused",
            Self::Canceled => "canceled",
        }
    }

    /// The trial status a provider's subscription status means.
    pub fn from_subscription(status: SubscriptionStatus) -> Self {
        match status {
            SubscriptionStatus::Trialing => Self::Trialing,
            SubscriptionStatus::Active => Self::Active,
            SubscriptionStatus::PastDue
            | SubscriptionStatus::Unpaid
            | SubscriptionStatus::Incomplete => Self::PastDue,
            SubscriptionStatus::Paused => Self::Paused,
            SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired => Self::Canceled,
        }
    }
}

/// The latest word on the subscription: reports are ordered by the provider's `created` (then
/// the status, then the event id), never by arrival, so any permutation of a report sequence,
/// duplicates included, ends on the same mark (P-WH-1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatusMark {
    /// When the provider said it, unix seconds.
    pub created: i64,
    /// What it said.
    pub status: SubscriptionStatus,
    /// The provider's event id (`evt_…`; `start`, `trial_end` or `user_cancel` for Onramp's own).
    pub source: String,
}

/// An authorization made to check the card, and whether it was voided (P-TRI-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// The provider's id (`pi_…`).
    pub id: String,
    /// The amount held.
    pub amount: Money,
    /// True once canceled at the provider.
    pub voided: bool,
}

/// The last declined card, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decline {
    /// The payment method tried.
    pub payment_method: String,
    /// The provider's code (`card_declined`, `expired_card`, ...).
    pub code: String,
    /// The issuer's decline code, when given (`generic_decline`, `insufficient_funds`).
    pub decline_code: Option<String>,
    /// The provider's message.
    pub message: String,
}

/// The folded state of one trial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialState {
    /// Its id; `None` before `Begin`.
    pub id: Option<TrialId>,
    /// The session it belongs to.
    pub session_id: Option<SessionId>,
    /// The `card_on_file_trial` step.
    pub step: Option<StepId>,
    /// Terms.
    pub terms: Option<TrialTerms>,
    /// Billing e-mail.
    pub email: Option<String>,
    /// The session's verified phone, when it has one.
    pub phone: Option<PhoneNumber>,
    /// Card submissions so far: each is one attempt of the provider calls' idempotency keys.
    pub attempts: u32,
    /// The provider's customer (`cus_…`).
    pub customer: Option<String>,
    /// The verified card (its authorization succeeded).
    pub card: Option<CardDetails>,
    /// Card-check authorizations, in order.
    pub authorizations: Vec<Authorization>,
    /// The last decline.
    pub last_decline: Option<Decline>,
    /// The provider's subscription (`sub_…`).
    pub subscription: Option<String>,
    /// When the trial started.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub started_at: Option<OffsetDateTime>,
    /// When it ends: `started_at + days` exactly (P-TRI-4).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub ends_at: Option<OffsetDateTime>,
    /// The latest word on the subscription.
    pub mark: Option<StatusMark>,
    /// True once any report said `active`: the trial converted at least once (an account exists
    /// from then on, whatever followed).
    pub converted: bool,
    /// True once the trial's end was reached (the end timer ran).
    pub end_reached: bool,
    /// True once the trial-will-end reminder went out.
    pub reminder_sent: bool,
    /// The customer account opened on conversion.
    pub account: Option<CustomerId>,
}

impl TrialState {
    /// The status: awaiting a card until started, then what the latest report says.
    pub fn status(&self) -> TrialStatus {
        match (&self.mark, self.started_at) {
            (Some(mark), Some(_)) => TrialStatus::from_subscription(mark.status),
            (Some(mark), None) if mark.status == SubscriptionStatus::Canceled => {
                TrialStatus::Canceled
            }
            _ => TrialStatus::AwaitingPaymentMethod,
        }
    }

    /// True when every card-check authorization was voided (P-TRI-1).
    pub fn all_voided(&self) -> bool {
        self.authorizations.iter().all(|a| a.voided)
    }

    /// The authorization still to void, if any.
    pub fn unvoided(&self) -> Option<&Authorization> {
        self.authorizations.iter().find(|a| !a.voided)
    }
}
