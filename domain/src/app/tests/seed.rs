//! `seed::started_session` writes what the commit path writes for a new session.

use std::sync::{Arc, Mutex};

use super::*;

#[tokio::test]
async fn a_seeded_session_is_stored_as_the_api_would_store_it() {
    let captured: Arc<Mutex<Option<StreamWrite>>> = Arc::default();
    let mut store = MockEventStore::new();
    let into = captured.clone();
    store.expect_commit().times(1).returning(move |c| {
        *into.lock().unwrap() = c.streams.into_iter().next();
        Ok(())
    });
    let s = services(store, MockVerificationSender::new());
    let input = StartSession {
        flow_id: "conversational-profile".into(),
        channel: SessionChannel::Web,
        phone: None,
        external_ref: None,
    };
    let view = s.sessions.start_session(tenant(), input).await.unwrap();

    let through_the_api = captured.lock().unwrap().take().expect("a stream written");
    let id = SessionId::new(Uuid::parse_str(&view.id).unwrap());
    let seeded = super::super::seed::started_session(&flow(), id, None, NOW).unwrap();
    assert_eq!(seeded, through_the_api);
}
