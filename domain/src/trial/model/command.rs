//! The `Trial` aggregate's commands and the errors that refuse them.

use time::OffsetDateTime;

use super::{Decline, TrialStatus, TrialTerms};
use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TrialId};
use crate::phone::PhoneNumber;
use crate::ports::{CardDetails, SubscriptionInfo, SubscriptionStatus};

/// An intention about a trial.
#[derive(Debug, Clone, PartialEq)]
pub enum TrialCommand {
    /// Open the trial for a session's step.
    Begin {
        /// New id.
        trial: TrialId,
        /// Session.
        session: SessionId,
        /// Step.
        step: StepId,
        /// Terms.
        terms: TrialTerms,
        /// Billing e-mail.
        email: String,
        /// Verified phone of the session, if any.
        phone: Option<PhoneNumber>,
        /// Now.
        at: OffsetDateTime,
    },
    /// A new card submission: the next attempt of the provider calls.
    SubmitCard {
        /// The payment method.
        payment_method: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// The provider created the customer.
    RecordCustomer {
        /// `cus_…`.
        customer: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// The provider declined the card (at attach or at the authorization).
    RecordDecline {
        /// The decline.
        decline: Decline,
        /// Now.
        at: OffsetDateTime,
    },
    /// The card-check authorization succeeded: the card is verified.
    RecordAuthorization {
        /// The attached card.
        card: CardDetails,
        /// The authorization's id (`pi_…`).
        authorization: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// The authorization was voided.
    RecordVoid {
        /// Its id.
        authorization: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// The provider started the subscription with its trial.
    Start {
        /// The subscription.
        subscription: SubscriptionInfo,
        /// Now.
        at: OffsetDateTime,
    },
    /// Send the trial-will-end reminder (the timer, or Stripe's `trial_will_end`).
    SendReminder {
        /// Now.
        at: OffsetDateTime,
    },
    /// A provider report about the subscription.
    ApplyReport {
        /// The provider's event id.
        event_id: String,
        /// The status it implies, if any.
        status: Option<SubscriptionStatus>,
        /// `customer.subscription.trial_will_end`.
        trial_will_end: bool,
        /// The event's `created`, unix seconds.
        created: i64,
        /// The account to open if this converts the trial.
        account: CustomerId,
        /// Now.
        at: OffsetDateTime,
    },
    /// The end timer: the trial's end was reached, with the provider's outcome when it answers
    /// directly (the sandbox), or `None` when it reports by webhook (Stripe).
    ReachEnd {
        /// The provider's outcome.
        outcome: Option<SubscriptionStatus>,
        /// The account to open if this converts the trial.
        account: CustomerId,
        /// Now (at least `ends_at`).
        at: OffsetDateTime,
    },
    /// The user cancels (the provider's subscription, if any, was canceled first).
    Cancel {
        /// Now.
        at: OffsetDateTime,
    },
}

/// Why a trial command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrialError {
    /// The trial does not exist.
    #[error("the trial does not exist")]
    NotFound,
    /// `Begin` on an existing trial.
    #[error("the trial exists already")]
    AlreadyBegun,
    /// A card step on a trial that already has a verified card or started (P-TRI-2 order).
    #[error("the trial is {}; a card can no longer be submitted", .0.as_str())]
    CardNotExpected(TrialStatus),
    /// The customer must exist before the card is checked.
    #[error("the provider's customer does not exist yet")]
    NoCustomer,
    /// Start before the card is verified (P-TRI-2) or while an authorization is held (P-TRI-1).
    #[error("the trial cannot start: {0}")]
    CardNotVerified(&'static str),
    /// The end timer before `ends_at` (P-TRI-4).
    #[error("the trial ends at {ends_at}, not before")]
    NotDue {
        /// When it ends.
        ends_at: OffsetDateTime,
    },
    /// Cancel on a trial that is over.
    #[error("the trial is {} already", .0.as_str())]
    Finished(TrialStatus),
}
