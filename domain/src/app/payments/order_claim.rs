//! The one order of a session's checkout step (issue 11, item 8): a claim stream per (session,
//! step) names the order holding it; a second order request while that order is open answers
//! it instead of creating another (two could be captured: two accounts, two welcome mails).

use time::OffsetDateTime;

use crate::flow::StepId;
use crate::ids::{OrderId, SessionId, TenantId};
use crate::order::{OrderClaim, OrderState};
use crate::ports::{AggregateKind, StreamId, StreamWrite};

use super::super::persist::{Columns, stream_write};
use super::super::{AppError, Services};

pub(crate) fn order_claim_stream(session: SessionId, step: &StepId) -> StreamId {
    StreamId::new(
        AggregateKind::OrderClaim,
        format!("session:{session}:{step}"),
    )
}

/// Gives a session step's checkout to `order`, the claim being at `version` (0: never held; a
/// concurrent holder conflicts).
pub(crate) fn order_claim_write(
    stream: StreamId,
    version: u64,
    order: OrderId,
    at: OffsetDateTime,
) -> Result<StreamWrite, AppError> {
    let state = OrderClaim { order: Some(order) };
    stream_write(
        stream,
        version,
        &[("order_claim.claimed", state.clone(), at)],
        &state,
        Columns {
            status: "claimed".into(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: at,
            updated_at: at,
        },
    )
}

impl Services {
    /// The order holding a session step's checkout (`stream`, an order claim), if one does,
    /// with the claim's version.
    pub(crate) async fn step_order(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<(Option<OrderState>, u64), AppError> {
        let Some(claim) = self.load_versioned::<OrderClaim>(tenant, stream).await? else {
            return Ok((None, 0));
        };
        let Some(order) = claim.state.order else {
            return Ok((None, claim.version));
        };
        let held = match self.load_order(tenant, order).await {
            Ok(o) if o.state.status().holds_its_step() => Some(o.state),
            Ok(_) | Err(AppError::OrderNotFound) => None,
            Err(e) => return Err(e),
        };
        Ok((held, claim.version))
    }
}
