//! Sessions.

use time::OffsetDateTime;

use crate::ports::AggregateKind;
use crate::session::{SessionEvent, SessionState};

use super::super::execute::Aggregate;
use super::super::persist::Columns;

impl Aggregate for SessionState {
    const KIND: AggregateKind = AggregateKind::Session;
    type Event = SessionEvent;

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
