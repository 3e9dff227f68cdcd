//! Payment provider references: `{provider}:{subscription, order or capture id}` streams that
//! find the trial or order a webhook is about, across tenants on shared credentials.

use crate::ids::{OrderId, TrialId};
use crate::ports::{AggregateKind, ProviderId, StreamId};
use serde::{Deserialize, Serialize};

/// What a payment reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub(crate) enum PaymentTarget {
    /// A trial (its subscription).
    Trial(TrialId),
    /// An order (its provider order or capture).
    Order(OrderId),
}

pub(crate) fn payment_ref_stream(provider: ProviderId, reference: &str) -> StreamId {
    StreamId::new(AggregateKind::PaymentRef, format!("{provider}:{reference}"))
}
