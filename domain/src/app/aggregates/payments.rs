//! Trials and their claims, orders and their step claims, customer accounts, payment
//! references.

use time::OffsetDateTime;

use crate::customer::{CustomerEvent, CustomerState, evolve};
use crate::order::{OrderClaim, OrderEvent, OrderState};
use crate::ports::AggregateKind;
use crate::trial::{TrialClaim, TrialEvent, TrialState, TrialStatus};

use super::super::events::{Notice, rfc3339};
use super::super::execute::{Aggregate, Evolve};
use super::super::payments::PaymentTarget;
use super::super::persist::Columns;

/// Columns of a stream that only names something (a reference, a claim).
fn claim_columns(status: &str, at: OffsetDateTime) -> Columns {
    Columns {
        status: status.into(),
        flow_id: None,
        phone: None,
        external_ref: None,
        session_id: None,
        created_at: at,
        updated_at: at,
    }
}

impl Aggregate for TrialState {
    const KIND: AggregateKind = AggregateKind::Trial;
    type Event = TrialEvent;

    fn event_type(event: &TrialEvent) -> &'static str {
        event.event_type()
    }

    /// `trial.{started, card_declined, will_end, converted, past_due, canceled}`. A conversion
    /// is told once, when the customer account is opened; a past-due or canceled report each
    /// time the provider reports it anew.
    fn notice(event: &TrialEvent, after: &Self, _: &str) -> Option<Notice> {
        let session = after.session_id.map(|s| s.to_string());
        Some(match event {
            TrialEvent::Started { ends_at, .. } => {
                Notice::new("trial.started", session).with("ends_at", rfc3339(*ends_at))
            }
            TrialEvent::CardDeclined { decline, .. } => Notice::new("trial.card_declined", session)
                .with("code", &decline.code)
                .with("decline_code", &decline.decline_code),
            TrialEvent::ReminderSent { mailed, .. } => {
                Notice::new("trial.will_end", session).with("mailed", mailed)
            }
            TrialEvent::AccountOpened { account, .. } => {
                Notice::new("trial.converted", session).with("customer_id", account)
            }
            TrialEvent::StatusReported { mark, .. } => {
                match TrialStatus::from_subscription(mark.status) {
                    TrialStatus::PastDue => Notice::new("trial.past_due", session),
                    TrialStatus::Canceled => Notice::new("trial.canceled", session),
                    _ => return None,
                }
                .with("subscription_status", mark.status)
            }
            _ => return None,
        })
    }

    fn event_at(event: &TrialEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status().as_str().into(),
            flow_id: None,
            phone: self.phone.as_ref().map(ToString::to_string),
            external_ref: None,
            session_id: self.session_id.map(|s| s.to_string()),
            created_at: at,
            updated_at: at,
        }
    }
}

impl Aggregate for TrialClaim {
    const KIND: AggregateKind = AggregateKind::TrialClaim;
    type Event = Self;

    fn event_type(_: &Self) -> &'static str {
        "trial_claim.claimed"
    }

    fn event_at(_: &Self, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        claim_columns("claimed", at)
    }
}

impl Aggregate for OrderState {
    const KIND: AggregateKind = AggregateKind::Order;
    type Event = OrderEvent;

    fn event_type(event: &OrderEvent) -> &'static str {
        event.event_type()
    }

    /// `order.{approved, captured, capture_denied, refunded}`.
    fn notice(event: &OrderEvent, after: &Self, _: &str) -> Option<Notice> {
        let session = after.session_id.map(|s| s.to_string());
        Some(Notice::new(
            match event {
                OrderEvent::Approved { .. } => "order.approved",
                OrderEvent::CaptureCompleted { .. } => "order.captured",
                OrderEvent::CaptureDenied { .. } => "order.capture_denied",
                OrderEvent::Refunded { .. } => "order.refunded",
                _ => return None,
            },
            session,
        ))
    }

    fn event_at(event: &OrderEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status().as_str().into(),
            flow_id: None,
            phone: None,
            external_ref: self.external_ref.clone(),
            session_id: self.session_id.map(|s| s.to_string()),
            created_at: at,
            updated_at: at,
        }
    }
}

impl Aggregate for OrderClaim {
    const KIND: AggregateKind = AggregateKind::OrderClaim;
    type Event = Self;

    fn event_type(_: &Self) -> &'static str {
        "order_claim.claimed"
    }

    fn event_at(_: &Self, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        claim_columns("claimed", at)
    }
}

impl Aggregate for PaymentTarget {
    const KIND: AggregateKind = AggregateKind::PaymentRef;
    type Event = Self;

    fn event_type(_: &Self) -> &'static str {
        "payment_ref.recorded"
    }

    fn event_at(_: &Self, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        claim_columns("recorded", at)
    }
}

/// Customer accounts' evolution ([`evolve`]): they have no decider, their events follow their
/// trial's or order's.
pub(crate) struct Accounts;

impl Evolve<CustomerState> for Accounts {
    fn evolve_from(
        &self,
        state: Option<CustomerState>,
        event: &CustomerEvent,
    ) -> Option<CustomerState> {
        Some(evolve(state.unwrap_or_default(), event))
    }

    fn initial(&self, state: Option<CustomerState>) -> Option<CustomerState> {
        Some(state.unwrap_or_default())
    }
}

impl Aggregate for CustomerState {
    const KIND: AggregateKind = AggregateKind::Customer;
    type Event = CustomerEvent;

    fn event_type(event: &CustomerEvent) -> &'static str {
        event.event_type()
    }

    /// `customer.created` and `customer.updated`.
    fn notice(event: &CustomerEvent, after: &Self, _: &str) -> Option<Notice> {
        let session = after.session_id.map(|s| s.to_string());
        Some(match event {
            CustomerEvent::Opened { plan, email, .. } => Notice::new("customer.created", session)
                .with("plan", plan)
                .with("email", email),
            CustomerEvent::StatusChanged { status, .. } => {
                Notice::new("customer.updated", session).with("status", status)
            }
        })
    }

    fn event_at(event: &CustomerEvent, _: &Self) -> Option<OffsetDateTime> {
        match event {
            CustomerEvent::Opened { at, .. } | CustomerEvent::StatusChanged { at, .. } => Some(*at),
        }
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status.as_str().into(),
            flow_id: None,
            phone: None,
            external_ref: self.external_ref.clone(),
            session_id: self.session_id.map(|id| id.to_string()),
            created_at: self.opened_at.unwrap_or(at),
            updated_at: at,
        }
    }
}
