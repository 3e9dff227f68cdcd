//! The commit path against mocks: a conflict decided again on fresh state, the decide cache's
//! reads (P-CACHE-1), and a store outage that commits nothing.

use super::*;

#[tokio::test]
async fn a_conflicting_commit_is_decided_again_on_fresh_state() {
    let id = SessionId::new(Uuid::from_u128(7));
    let mut store = MockEventStore::new();
    let state = started_session(id);
    // Decided on the decide cache's state (`load_for_decide`), which the conflict drops: the
    // retry reads again.
    store
        .expect_load_for_decide()
        .times(2)
        .returning(move |_, _| Ok(Some(loaded(AggregateKind::Session, id, 1, state.clone()))));
    let mut seq = mockall::Sequence::new();
    store
        .expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Err(StoreError::Conflict("session".into())));
    store
        .expect_commit()
        .withf(|c| {
            c.streams[0].expected_version == 1
                && c.streams[0].events[0].event_type == "session.step_submitted"
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    let s = services(store, MockVerificationSender::new());
    let view = s
        .sessions
        .submit_step(tenant(), id, "welcome", json!({ "choice": "general_info" }))
        .await
        .unwrap();
    assert_eq!(view.current_step.as_deref(), Some("phone"));
}

// See: issue 11 item 4. The decide cache may lag behind the database (another replica wrote):
// a decision on it that would commit nothing is confirmed on the database's state.
#[tokio::test]
async fn a_decision_that_commits_nothing_on_a_stale_cached_state_is_made_again_on_the_database() {
    let id = SessionId::new(Uuid::from_u128(8));
    let f = flow();
    let d = SessionDecider::new(&f);
    let started: crate::session::SessionState =
        serde_json::from_value(started_session(id)).unwrap();
    let paused = d
        .decide(&started, &SessionCommand::Pause { at: NOW })
        .unwrap()
        .iter()
        .fold(started.clone(), |s, e| d.evolve(s, e));
    let paused = serde_json::to_value(&paused).unwrap();
    let mut store = MockEventStore::new();
    // Another replica paused the session; this one's cache still holds it active.
    store
        .expect_load_for_decide()
        .times(1)
        .returning(move |_, _| {
            Ok(Some(loaded(
                AggregateKind::Session,
                id,
                1,
                started_session(id),
            )))
        });
    store
        .expect_load()
        .times(1)
        .returning(move |_, _| Ok(Some(loaded(AggregateKind::Session, id, 2, paused.clone()))));
    store
        .expect_commit()
        .withf(|c| {
            c.streams[0].expected_version == 2
                && c.streams[0].events[0].event_type == "session.resumed"
        })
        .times(1)
        .returning(|_| Ok(()));
    let s = services(store, MockVerificationSender::new());
    let view = s
        .sessions
        .act_on_session(tenant(), id, crate::app::sessions::SessionAction::Resume)
        .await
        .unwrap();
    assert_eq!(view.status, crate::session::SessionStatus::Active);
}

#[tokio::test]
async fn a_store_outage_is_reported_and_nothing_is_committed() {
    let mut store = MockEventStore::new();
    store
        .expect_load_for_decide()
        .returning(|_, _| Err(StoreError::Unavailable("connection refused".into())));
    store.expect_commit().times(0);
    let s = services(store, MockVerificationSender::new());
    let r = s
        .sessions
        .submit_step(
            tenant(),
            SessionId::new(Uuid::from_u128(7)),
            "welcome",
            json!({}),
        )
        .await;
    assert!(matches!(
        r,
        Err(SessionServiceError::Core(CoreError::Store(
            StoreError::Unavailable(_)
        )))
    ));
}

/// The commit path's reads (DESIGN.md section 4, P-CACHE-1): an attempt reads its first stream
/// from the decide cache and every other from the database; a decision that leaves that cached
/// stream unchanged (an expiry timer not due yet, completing its job) is made again on the
/// database's copy before it commits.
#[tokio::test]
async fn only_an_attempts_first_read_comes_from_the_cache_and_an_unchanged_one_is_confirmed() {
    let id = VerificationId::new(Uuid::from_u128(8));
    let (state, quota) = voice_verification(id);
    let quota = serde_json::to_value(quota).unwrap();
    let mut store = MockEventStore::new();
    let cached = state.clone();
    store
        .expect_load_for_decide()
        .withf(|_, s| s.kind == AggregateKind::Verification)
        .times(1)
        .returning(move |_, s| Ok(Some(loaded(s.kind, &s.id, 2, cached.clone()))));
    store
        .expect_load()
        .withf(|_, s| s.kind == AggregateKind::Verification)
        .times(1)
        .returning(move |_, s| Ok(Some(loaded(s.kind, &s.id, 2, state.clone()))));
    store
        .expect_load()
        .withf(|_, s| s.kind == AggregateKind::PhoneQuota)
        .times(2)
        .returning(move |_, s| Ok(Some(loaded(s.kind, &s.id, 1, quota.clone()))));
    let job = JobId::new(Uuid::from_u128(57));
    store
        .expect_commit()
        .withf(move |c| c.streams.is_empty() && c.complete_job == Some(job))
        .times(1)
        .returning(|_| Ok(()));
    let s = services(store, MockVerificationSender::new());
    s.verifications
        .expire_verification(tenant(), id, job)
        .await
        .unwrap();
}
