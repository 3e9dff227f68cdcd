//! A session's, a verification's or a stored webhook's state read back from a stored state and
//! the events after it (P-STORE-1): the commit path stores their whole state only every
//! `SNAPSHOT_EVERY` events, so every read folds the rest, and must get what the commit path
//! evolved.

use serde_json::{Value, json};

use super::*;
use crate::app::execute::{Aggregate, stores_state, written};
use crate::app::persist::state_of;
use crate::session::{SessionEvent, SessionState};
use crate::verification::{VerificationEvent, VerificationState};

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

/// Checks that every stored point of `events` read back at every later version gives the state
/// `evolve` folds, as the commit path evolved it.
fn check_every_stored_point<S: Aggregate + Default>(
    key: &str,
    events: &[S::Event],
    evolve: impl Fn(S, &S::Event) -> S,
    catalog: &FlowCatalog,
) {
    let states: Vec<S> = events
        .iter()
        .scan(S::default(), |s, e| {
            *s = evolve(s.clone(), e);
            Some(s.clone())
        })
        .collect();
    check_states(key, events, &states, catalog);
}

/// Checks that every stored point of `events` read back at every later version gives
/// `states[version - 1]`, the state the commit path evolved at that version.
fn check_states<S: Aggregate>(key: &str, events: &[S::Event], states: &[S], catalog: &FlowCatalog) {
    let stream = StreamId::new(S::KIND, key);
    // Every prefix of the events is a stored state (none: the initial state), every later
    // version a read of it: the columns as of that version, the state as stored.
    for stored in 0..=events.len() {
        for version in stored.max(1)..=events.len() {
            let (all, mut row) =
                written(key, &events[..version], &states[version - 1], NOW).unwrap();
            row.state = match stored {
                0 => serde_json::Value::Null,
                n => serde_json::to_value(&states[n - 1]).unwrap(),
            };
            let loaded = Loaded {
                stream: stream.clone(),
                version: version as u64,
                snapshot: row,
                pending: (1..)
                    .zip(all)
                    .skip(stored)
                    .map(|(v, e)| StoredEvent {
                        stream: stream.clone(),
                        version: v,
                        event_type: e.event_type,
                        payload: e.payload,
                        recorded_at: e.recorded_at,
                    })
                    .collect(),
            };
            let read: S = state_of(&loaded, catalog).unwrap();
            assert_eq!(
                serde_json::to_value(&read).unwrap(),
                serde_json::to_value(&states[version - 1]).unwrap(),
                "{:?} stored at {stored}, read at {version}",
                S::KIND
            );
        }
    }
}

#[test]
fn p_store_1_a_session_read_from_any_stored_state_and_the_events_since_is_the_evolved_one() {
    let flow = flow();
    let catalog = FlowCatalog::new([flow.clone()]);
    let decider = SessionDecider::new(&flow);
    let id = Uuid::now_v7();
    let events = journey(id);
    check_every_stored_point::<SessionState>(
        &id.to_string(),
        &events,
        |s, e| decider.evolve(s, e),
        &catalog,
    );
}

/// A verification's events as a sandbox journey stored them (the code's hash and sealed code
/// replaced), then a resend by SMS after a failed delivery and a wrong code.
fn verification_events() -> Vec<VerificationEvent> {
    let hash = "0".repeat(64);
    let events = json!([
        { "type": "started", "id": "01a250da-331b-76a2-830e-ac5a7e88f356", "plan": ["voice", "sms"],
          "phone": "+447713037830", "session_id": "01a250da-3300-7636-9965-84aa67cd77ad",
          "at": "2026-12-07T14:13:26.939881526Z" },
        { "type": "code_sent", "seq": 1, "channel": "voice", "fallback": false, "code_hash": hash,
          "expires_at": "2026-12-07T14:18:26.939881526Z", "generation": 1,
          "at": "2026-12-07T14:13:26.939881526Z" },
        { "type": "provider_accepted", "seq": 1, "probe": false, "skipped": [],
          "provider": "sandbox", "code_owner": "onramp", "sealed_code": "00ff",
          "provider_ref": "sbx_01a250da-331c-76f9-a5d3-13774d7577b6",
          "at": "2026-12-07T14:13:26.957278242Z" },
        { "type": "delivery_failed", "seq": 1, "provider": "sandbox", "reason": "no answer",
          "at": "2026-12-07T14:13:40Z" },
        { "type": "code_sent", "seq": 2, "channel": "sms", "fallback": true, "code_hash": hash,
          "expires_at": "2026-12-07T14:18:41Z", "generation": 2, "at": "2026-12-07T14:13:41Z" },
        { "type": "delivery_succeeded", "seq": 2, "provider": "sandbox",
          "at": "2026-12-07T14:13:42Z" },
        { "type": "check_failed", "failed_checks": 1, "at": "2026-12-07T14:13:50Z" },
        { "type": "approved", "at": "2026-12-07T14:13:59.041149799Z" }
    ]);
    serde_json::from_value(events).expect("verification events")
}

#[test]
fn p_store_1_a_verification_read_from_any_stored_state_and_the_events_since_is_the_evolved_one() {
    let decider = VerificationDecider {
        policy: VerificationPolicy::default(),
    };
    check_every_stored_point::<VerificationState>(
        "01a250da-331b-76a2-830e-ac5a7e88f356",
        &verification_events(),
        |s, e| decider.evolve(s, e),
        &FlowCatalog::default(),
    );
}

#[test]
fn a_session_stores_its_state_every_sixteen_events_and_not_on_its_first_write() {
    assert_eq!(SessionState::SNAPSHOT_EVERY, 16);
    assert!(!stores_state(0, 1, 16), "the first write");
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

#[test]
fn p_store_1_a_provider_reference_read_from_its_events_is_its_last_record() {
    use crate::app::verifications::ProviderRefState;
    let record = |seq: u32| ProviderRefState {
        verification_id: VerificationId::new(Uuid::nil()),
        seq,
    };
    let key = "sandbox:sbx_1";
    let stream = StreamId::new(AggregateKind::ProviderRef, key);
    let (events, row) = written(key, &[record(1), record(2)], &record(2), NOW).unwrap();
    let pending: Vec<StoredEvent> = (1..)
        .zip(events)
        .map(|(version, e)| StoredEvent {
            stream: stream.clone(),
            version,
            event_type: e.event_type,
            payload: e.payload,
            recorded_at: e.recorded_at,
        })
        .collect();
    let read = |state: serde_json::Value, pending: &[StoredEvent]| {
        let mut snapshot = row.clone();
        snapshot.state = state;
        let loaded = Loaded {
            stream: stream.clone(),
            version: 2,
            snapshot,
            pending: pending.to_vec(),
        };
        state_of::<ProviderRefState>(&loaded, &FlowCatalog::default()).map(|s| s.seq)
    };
    assert_eq!(read(serde_json::Value::Null, &pending).unwrap(), 2);
    let first = serde_json::to_value(record(1)).unwrap();
    assert_eq!(read(first.clone(), &pending[1..]).unwrap(), 2);
    assert_eq!(read(first, &[]).unwrap(), 1);
    assert!(
        read(serde_json::Value::Null, &[]).is_err(),
        "no state, no record"
    );
}

#[test]
fn p_store_1_a_stored_webhook_read_from_any_stored_state_and_the_events_since_is_the_evolved_one() {
    use crate::app::aggregates::webhooks::{WebhookLog, WebhookLogEvent};
    use crate::app::execute::Evolve;
    use crate::app::webhooks::{InboundWebhook, StoredWebhook};
    let received = StoredWebhook {
        webhook: InboundWebhook {
            provider: ProviderId::Stripe,
            event_id: "evt_1".to_string(),
            event_type: "customer.subscription.updated".to_string(),
            report: None,
            payment: None,
            whatsapp: None,
        },
        received_at: NOW,
        status: "pending".to_string(),
    };
    let events = vec![
        WebhookLogEvent::Received(Box::new(received)),
        WebhookLogEvent::Processed {
            outcome: "unmatched".to_string(),
            at: NOW.unix_timestamp() + 1,
        },
        WebhookLogEvent::Processed {
            outcome: "processed".to_string(),
            at: NOW.unix_timestamp() + 60,
        },
    ];
    let states: Vec<StoredWebhook> = events
        .iter()
        .scan(None, |state, event| {
            *state = WebhookLog.evolve_from(state.take(), event);
            state.clone()
        })
        .collect();
    assert_eq!(states.len(), 3, "every event evolves a received webhook");
    assert_eq!(states[2].status, "processed");
    check_states("stripe:evt_1", &events, &states, &FlowCatalog::default());
}
