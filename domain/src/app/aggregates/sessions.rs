//! Sessions.

use time::OffsetDateTime;

use crate::decider::Decider;
use crate::ports::{AggregateKind, StoredEvent};
use crate::session::{SessionDecider, SessionEvent, SessionState};

use super::super::CoreError;
use super::super::catalog::FlowCatalog;
use super::super::events::{Notice, object_of_columns};
use super::super::execute::Aggregate;
use super::super::persist::{Columns, event_of};

impl Aggregate for SessionState {
    const KIND: AggregateKind = AggregateKind::Session;
    type Event = SessionEvent;

    /// A session is the pure fold of its events (nothing is staged on it), and its state is its
    /// largest: stored every 16 events, a journey of any template stores it once at most, and
    /// a read folds at most 15 events.
    const SNAPSHOT_EVERY: u64 = 16;

    /// Evolves with the decider of the session's pinned flow, as [`SessionDecider`] did when the
    /// events were recorded: its progress depends on the flow. From the initial state, the flow
    /// is the one the `Started` event pins.
    fn replay(
        state: Option<Self>,
        events: &[StoredEvent],
        flows: &FlowCatalog,
    ) -> Result<Self, CoreError> {
        let events = events
            .iter()
            .map(event_of::<SessionEvent>)
            .collect::<Result<Vec<_>, _>>()?;
        let pinned = match (&state, events.first()) {
            (Some(s), _) => s.flow_id.clone().map(|id| (id, s.flow_version)),
            (
                None,
                Some(SessionEvent::Started {
                    flow_id,
                    flow_version,
                    ..
                }),
            ) => Some((flow_id.clone(), *flow_version)),
            (None, _) => None,
        };
        let (flow_id, version) = pinned.ok_or_else(|| {
            CoreError::Corrupt("a stored session has no flow to replay it with".to_string())
        })?;
        let flow = flows.pinned(&flow_id, version)?;
        let decider = SessionDecider::new(&flow);
        Ok(events
            .iter()
            .fold(state.unwrap_or_default(), |s, e| decider.evolve(s, e)))
    }

    fn event_type(event: &SessionEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(event: &SessionEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    /// Every session event but nothing else: `session.{started, step_completed, step_skipped,
    /// paused, resumed, completed, abandoned, expired}`.
    fn notice(event: &SessionEvent, _: &Self, key: &str) -> Option<Notice> {
        let session = Some(key.to_owned());
        Some(match event {
            SessionEvent::Started { channel, .. } => {
                Notice::new("session.started", session).with("channel", channel)
            }
            SessionEvent::StepSubmitted { step, .. } => {
                Notice::new("session.step_completed", session).with("step_id", step)
            }
            SessionEvent::StepSkipped { step, .. } => {
                Notice::new("session.step_skipped", session).with("step_id", step)
            }
            SessionEvent::Paused { .. } => Notice::new("session.paused", session),
            SessionEvent::Resumed { .. } => Notice::new("session.resumed", session),
            SessionEvent::Completed { .. } => Notice::new("session.completed", session),
            SessionEvent::Abandoned { reason, .. } => {
                Notice::new("session.abandoned", session).with("reason", reason)
            }
            SessionEvent::Expired { .. } => Notice::new("session.expired", session),
        })
    }

    /// The session's columns with its progress and current step.
    fn tenant_object(&self, key: &str, at: OffsetDateTime) -> serde_json::Value {
        let mut object = object_of_columns(Self::KIND, key, self.columns(key, at));
        if let Some(map) = object.as_object_mut() {
            map.insert("progress_percent".into(), self.progress_percent.into());
            map.insert("flow_version".into(), self.flow_version.into());
        }
        object
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
