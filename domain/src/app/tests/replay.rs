//! A session's state read back from a stored state and the events after it (P-STORE-1): the
//! commit path stores a session's whole state only every `SNAPSHOT_EVERY` events, so every read
//! folds the rest, and must get what the commit path evolved.

use serde_json::{Value, json};

use super::*;
use crate::app::execute::{Aggregate, stores_state, written};
use crate::app::persist::state_of;
use crate::session::{SessionEvent, SessionState};

/// A journey's events, as stored: started, every step answered (the phone one with its proof),
/// a pause and a resume on the way, a skipped step, then completed.
fn journey(id: Uuid) -> Vec<SessionEvent> {
    let at = |minute: u32| format!("2026-11-21T10:{minute:02}:00.123456Z");
    let version = flow().version();
    let mut events = vec![json!({
        "type": "started", "id": id, "flow_id": "conversational-profile",
        "flow_version": version, "channel": "web", "phone": null, "external_ref": null,
        "at": at(0),
    })];
    let steps = [
        ("welcome", json!({ "choice": "start" }), Value::Null),
        (
            "phone",
            json!({}),
            json!({ "verification_id": Uuid::nil(), "phone": "+447700900123" }),
        ),
        ("consent", json!({ "accepted": true }), Value::Null),
        (
            "goal",
            json!({ "choice": "save", "note": "a \u{e9} \u{1f600}" }),
            Value::Null,
        ),
    ];
    for (minute, (step, answers, proof)) in (1..).zip(steps) {
        events.push(json!({
            "type": "step_submitted", "step": step, "answers": answers,
            "verified_phone": proof, "at": at(minute),
        }));
    }
    events.push(json!({ "type": "paused", "at": at(10) }));
    events.push(json!({ "type": "resumed", "at": at(11) }));
    events.push(json!({ "type": "step_skipped", "step": "income_type", "at": at(12) }));
    for (minute, step) in (13..).zip(["income_complexity", "confidence", "complete"]) {
        events.push(json!({
            "type": "step_submitted", "step": step, "answers": { "choice": 2.5 },
            "verified_phone": null, "at": at(minute),
        }));
    }
    events.push(json!({ "type": "completed", "capability": null, "at": at(20) }));
    events
        .into_iter()
        .map(|e| serde_json::from_value(e).expect("a session event"))
        .collect()
}

#[test]
fn p_store_1_a_session_read_from_any_stored_state_and_the_events_since_is_the_evolved_one() {
    let flow = flow();
    let catalog = FlowCatalog::new([flow.clone()]);
    let decider = SessionDecider::new(&flow);
    let id = Uuid::now_v7();
    let events = journey(id);
    let states: Vec<SessionState> = events
        .iter()
        .scan(SessionState::default(), |s, e| {
            *s = decider.evolve(s.clone(), e);
            Some(s.clone())
        })
        .collect();
    let key = id.to_string();
    // Every prefix of the journey is a stored state; every later version a read of it.
    for stored in 1..=events.len() {
        for version in stored..=events.len() {
            let (_, row) = written(&key, &events[..stored], &states[stored - 1], NOW).unwrap();
            let (since, _) =
                written(&key, &events[stored..version], &states[version - 1], NOW).unwrap();
            let stream = StreamId::new(AggregateKind::Session, &key);
            let loaded = Loaded {
                stream: stream.clone(),
                version: version as u64,
                snapshot: row,
                pending: (stored as u64 + 1..)
                    .zip(since)
                    .map(|(v, e)| StoredEvent {
                        stream: stream.clone(),
                        version: v,
                        event_type: e.event_type,
                        payload: e.payload,
                        recorded_at: e.recorded_at,
                    })
                    .collect(),
            };
            let read: SessionState = state_of(&loaded, &catalog).unwrap();
            assert_eq!(
                serde_json::to_value(&read).unwrap(),
                serde_json::to_value(&states[version - 1]).unwrap(),
                "stored at {stored}, read at {version}"
            );
        }
    }
}

#[test]
fn a_session_stores_its_state_on_its_first_write_and_every_sixteen_events() {
    assert_eq!(SessionState::SNAPSHOT_EVERY, 16);
    assert!(stores_state(0, 1, 16), "the first write");
    assert!(!stores_state(1, 2, 16));
    assert!(!stores_state(14, 15, 16));
    assert!(stores_state(15, 16, 16), "reaching 16");
    assert!(stores_state(14, 17, 16), "crossing 16");
    assert!(!stores_state(16, 17, 16));
    assert!(
        stores_state(5, 6, 1),
        "every write of an aggregate stored on each"
    );
}
