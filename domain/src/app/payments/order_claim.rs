//! The one order of a session's checkout step (issue 11, item 8): a claim stream per (session,
//! step) names the order holding it; a second order request while that order is open answers
//! it instead of creating another (two could be captured: two accounts, two welcome mails).

use crate::flow::StepId;
use crate::ids::{SessionId, TenantId};
use crate::order::{OrderClaim, OrderState};
use crate::ports::{AggregateKind, StreamId};

use super::super::execute::Tx;
use super::super::{PaymentService, PaymentServiceError};

/// The key of the claim stream of a session's checkout `step`.
pub(crate) fn order_claim_key(session: SessionId, step: &StepId) -> String {
    format!("session:{session}:{step}")
}

impl PaymentService {
    /// The order holding a session step's checkout (`key`, an order claim), if one does.
    pub(crate) async fn step_order(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> Result<Option<OrderState>, PaymentServiceError> {
        let stream = StreamId::new(AggregateKind::OrderClaim, key);
        let claim = self
            .core
            .load_versioned::<OrderClaim>(tenant, &stream)
            .await?;
        let Some(order) = claim.and_then(|c| c.state.order) else {
            return Ok(None);
        };
        match self.load_order(tenant, order).await {
            Ok(o) if o.state.status().holds_its_step() => Ok(Some(o.state)),
            Ok(_) | Err(PaymentServiceError::OrderNotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// As [`PaymentService::step_order`], read in `tx` (whose commit then expects the claim as read).
    pub(crate) async fn held_order(
        &self,
        tx: &mut Tx<'_>,
        key: &str,
    ) -> Result<Option<OrderState>, PaymentServiceError> {
        let Some(order) = tx.load::<OrderClaim>(key).await?.and_then(|c| c.order) else {
            return Ok(None);
        };
        Ok(tx
            .load::<OrderState>(order)
            .await?
            .filter(|o| o.status().holds_its_step()))
    }
}
