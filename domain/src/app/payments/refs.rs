//! Payment provider references: `{provider}:{subscription, order or capture id}` streams that
//! find the trial or order a webhook is about, across tenants on shared credentials.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{OrderId, TrialId};
use crate::ports::{AggregateKind, ProviderId, StreamId, StreamWrite};

use super::super::AppError;
use super::super::persist::{Columns, stream_write};

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

/// The write that creates a reference (at version 0: a reference names one target forever).
pub(crate) fn payment_ref_write(
    provider: ProviderId,
    reference: &str,
    target: PaymentTarget,
    at: OffsetDateTime,
) -> Result<StreamWrite, AppError> {
    stream_write(
        payment_ref_stream(provider, reference),
        0,
        &[("payment_ref.recorded", target, at)],
        &target,
        Columns {
            status: "recorded".into(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: at,
            updated_at: at,
        },
    )
}
