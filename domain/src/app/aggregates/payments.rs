//! Trials and their claims, orders and their step claims, customer accounts, payment
//! references.

use time::OffsetDateTime;

use crate::customer::{CustomerEvent, CustomerState, evolve};
use crate::order::{OrderClaim, OrderEvent, OrderState};
use crate::ports::AggregateKind;
use crate::trial::{TrialClaim, TrialEvent, TrialState};

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
