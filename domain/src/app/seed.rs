//! Sessions written straight to a store, as the commit path would write them, without the API:
//! `onramp bench seed` fills a store with them to measure a step's latency on a full store
//! beside an empty one (issue 11 item 4, "flat cost").

use time::OffsetDateTime;

use crate::decider::Decider;
use crate::flow::Flow;
use crate::ids::SessionId;
use crate::phone::PhoneNumber;
use crate::ports::{StreamId, StreamWrite};
use crate::session::{SessionChannel, SessionCommand, SessionDecider, SessionState};

use super::SessionServiceError;
use super::execute::{Aggregate, stores_state, written};

/// The new stream of a session of `flow` started at `at` (web channel, `phone` if given): its
/// `Started` event and its projection row, to commit at expected version 0.
///
/// # Errors
/// [`SessionServiceError::Session`] if the flow refuses the start (it does not for a new session);
/// [`SessionServiceError::Core`] when the event or the state does not serialize.
pub fn started_session(
    flow: &Flow,
    id: SessionId,
    phone: Option<PhoneNumber>,
    at: OffsetDateTime,
) -> Result<StreamWrite, SessionServiceError> {
    let decider = SessionDecider::new(flow);
    let start = SessionCommand::Start {
        id,
        channel: SessionChannel::default(),
        phone,
        external_ref: None,
        at,
    };
    let events = decider.decide(&SessionState::default(), &start)?;
    let after = events
        .iter()
        .fold(SessionState::default(), |s, e| decider.evolve(s, e));
    let key = id.to_string();
    let (events, snapshot) = written(&key, &events, &after, at)?;
    let store_state = stores_state(0, events.len() as u64, SessionState::SNAPSHOT_EVERY);
    Ok(StreamWrite {
        stream: StreamId::new(SessionState::KIND, key),
        expected_version: 0,
        events,
        snapshot,
        store_state,
    })
}
