//! Payment provider references: `{provider}:{subscription, order or capture id}` streams that
//! find the trial or order a webhook is about, across tenants on shared credentials.

use serde::{Deserialize, Serialize};

use crate::app::execute::Tx;
use crate::app::jobs::Job;
use crate::app::jobs::kinds::UnparkWebhooks;
use crate::app::{PaymentService, PaymentServiceError};
use crate::ids::{JobId, OrderId, TrialId};
use crate::ports::{AggregateKind, ProviderId, StreamId};

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

impl PaymentService {
    /// Records a payment reference in `tx`, with the job that applies the webhooks parked under
    /// it.
    pub(crate) fn record_payment_ref(
        &self,
        tx: &mut Tx<'_>,
        provider: ProviderId,
        reference: &str,
        target: PaymentTarget,
    ) -> Result<(), PaymentServiceError> {
        tx.record(payment_ref_stream(provider, reference).id, target)?;
        let unpark = Job::UnparkWebhooks(UnparkWebhooks {
            provider,
            reference: reference.to_owned(),
        });
        tx.enqueue(unpark.schedule(
            JobId::new(self.core.ids.new_id()),
            self.core.clock.now(),
            None,
        )?);
        Ok(())
    }
}
