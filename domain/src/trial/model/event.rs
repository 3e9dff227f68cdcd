//! The `Trial` aggregate's events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Decline, StatusMark, TrialTerms};
use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TrialId};
use crate::money::Money;
use crate::phone::PhoneNumber;
use crate::ports::{CardDetails, SubscriptionStatus};

/// Something that happened to a trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrialEvent {
    /// Opened.
    Begun {
        /// Id.
        trial: TrialId,
        /// Session.
        session: SessionId,
        /// Step.
        step: StepId,
        /// Terms.
        terms: TrialTerms,
        /// Billing e-mail.
        email: String,
        /// Verified phone.
        phone: Option<PhoneNumber>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A card was submitted: attempt `attempt` begins.
    CardSubmitted {
        /// The attempt's number, from 1.
        attempt: u32,
        /// The payment method.
        payment_method: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The provider's customer was created.
    CustomerCreated {
        /// `cus_…`.
        customer: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The card was declined.
    CardDeclined {
        /// The decline.
        decline: Decline,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The card-check authorization was held: the card is verified.
    CardAuthorized {
        /// The card.
        card: CardDetails,
        /// The authorization.
        authorization: String,
        /// The amount held.
        amount: Money,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The authorization was voided: nothing was charged.
    AuthorizationVoided {
        /// The authorization.
        authorization: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The trial started.
    Started {
        /// The subscription.
        subscription: String,
        /// Its status at the start (`trialing`).
        status: SubscriptionStatus,
        /// Start.
        #[serde(with = "time::serde::rfc3339")]
        started_at: OffsetDateTime,
        /// End: `started_at + days` (P-TRI-4).
        #[serde(with = "time::serde::rfc3339")]
        ends_at: OffsetDateTime,
    },
    /// The trial-will-end reminder is due (the timer, or Stripe's `trial_will_end`).
    ReminderSent {
        /// True when it was mailed (the trial was still trialing).
        mailed: bool,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The provider reported the subscription's status.
    StatusReported {
        /// The new mark.
        mark: StatusMark,
        /// When it arrived.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The trial's end was reached.
    EndReached {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The trial converted: the customer account is opened (once).
    AccountOpened {
        /// The account.
        account: CustomerId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl TrialEvent {
    /// The stored type name, `trial.<snake_case>`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Begun { .. } => "trial.begun",
            Self::CardSubmitted { .. } => "trial.card_submitted",
            Self::CustomerCreated { .. } => "trial.customer_created",
            Self::CardDeclined { .. } => "trial.card_declined",
            Self::CardAuthorized { .. } => "trial.card_authorized",
            Self::AuthorizationVoided { .. } => "trial.authorization_voided",
            Self::Started { .. } => "trial.started",
            Self::ReminderSent { .. } => "trial.reminder_sent",
            Self::StatusReported { .. } => "trial.status_reported",
            Self::EndReached { .. } => "trial.end_reached",
            Self::AccountOpened { .. } => "trial.account_opened",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Begun { at, .. }
            | Self::CardSubmitted { at, .. }
            | Self::CustomerCreated { at, .. }
            | Self::CardDeclined { at, .. }
            | Self::CardAuthorized { at, .. }
            | Self::AuthorizationVoided { at, .. }
            | Self::ReminderSent { at, .. }
            | Self::StatusReported { at, .. }
            | Self::EndReached { at }
            | Self::AccountOpened { at, .. } => *at,
            Self::Started { started_at, .. } => *started_at,
        }
    }
}
