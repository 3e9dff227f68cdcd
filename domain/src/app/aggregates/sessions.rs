//! Sessions.

use time::OffsetDateTime;

use crate::decider::Decider;
use crate::ports::{AggregateKind, StoredEvent};
use crate::session::{SessionDecider, SessionEvent, SessionState};

use super::super::AppError;
use super::super::catalog::FlowCatalog;
use super::super::execute::Aggregate;
use super::super::persist::{Columns, event_of};

impl Aggregate for SessionState {
    const KIND: AggregateKind = AggregateKind::Session;
    type Event = SessionEvent;

    /// A session is the pure fold of its events (nothing is staged on it), and its state is its
    /// largest: stored every 16 events, a whole journey of any template stores it about twice
    /// (at the start and once on the way), and a read folds at most 15 events.
    const SNAPSHOT_EVERY: u64 = 16;

    /// Evolves with the decider of the session's pinned flow, as [`SessionDecider`] did when the
    /// events were recorded: its progress depends on the flow.
    fn replay(
        mut state: Self,
        events: &[StoredEvent],
        flows: &FlowCatalog,
    ) -> Result<Self, AppError> {
        let flow_id = state
            .flow_id
            .clone()
            .ok_or_else(|| AppError::Corrupt("a stored session state has no flow".to_string()))?;
        let flow = flows.pinned(&flow_id, state.flow_version)?;
        let decider = SessionDecider::new(&flow);
        for stored in events {
            state = decider.evolve(state, &event_of::<SessionEvent>(stored)?);
        }
        Ok(state)
    }

    fn event_type(event: &SessionEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(event: &SessionEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        let now = self.updated_at.unwrap_or(at);
        Columns {
            status: self.status.as_str().to_string(),
            flow_id: self.flow_id.as_ref().map(ToString::to_string),
            phone: self.phone.as_ref().map(|p| p.to_string()),
            external_ref: self.external_ref.clone(),
            session_id: None,
            created_at: self.created_at.unwrap_or(now),
            updated_at: now,
        }
    }
}
