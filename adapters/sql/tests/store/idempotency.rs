//! Idempotency keys: start, replay, mismatch, in progress, lease takeover, release, races.

use onramp_domain::ports::{IdempotencyBegin, IdempotencyStore, StoredResponse};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_starts_once_then_replays_or_rejects() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, u) = (tenant(), tenant());
        let begin = |tenant, fingerprint: &'static str, now: i64| {
            let store = db.store.clone();
            async move {
                store
                    .begin_request(tenant, "key-1", fingerprint, at(now), at(now + 30))
                    .await
                    .expect("begin")
            }
        };
        assert_eq!(
            begin(t, "fp-a", 0).await,
            IdempotencyBegin::Started,
            "{label}"
        );
        assert_eq!(
            begin(t, "fp-a", 1).await,
            IdempotencyBegin::InProgress,
            "{label}"
        );
        assert_eq!(
            begin(t, "fp-b", 1).await,
            IdempotencyBegin::Mismatch,
            "{label}"
        );
        // Keys are per tenant.
        assert_eq!(
            begin(u, "fp-b", 1).await,
            IdempotencyBegin::Started,
            "{label}"
        );

        let response = StoredResponse {
            status: 201,
            body: b"{\"id\":\"s-1\"}\x00\xff".to_vec(),
        };
        store
            .finish_request(t, "key-1", &response)
            .await
            .expect("finish");
        assert_eq!(
            begin(t, "fp-a", 2).await,
            IdempotencyBegin::Replay(response.clone()),
            "{label}"
        );
        assert_eq!(
            begin(t, "fp-b", 2).await,
            IdempotencyBegin::Mismatch,
            "{label}"
        );
        // Long after any lease, a finished key still replays; releasing it changes nothing.
        store.release_request(t, "key-1").await.expect("release");
        assert_eq!(
            begin(t, "fp-a", 86_400).await,
            IdempotencyBegin::Replay(response.clone()),
            "{label}"
        );
        // Finishing again does not overwrite the stored response.
        store
            .finish_request(
                t,
                "key-1",
                &StoredResponse {
                    status: 500,
                    body: Vec::new(),
                },
            )
            .await
            .expect("finish");
        assert_eq!(
            begin(t, "fp-a", 3).await,
            IdempotencyBegin::Replay(response),
            "{label}"
        );

        store
            .finish_request(
                u,
                "key-1",
                &StoredResponse {
                    status: 204,
                    body: Vec::new(),
                },
            )
            .await
            .expect("finish");
        let empty = StoredResponse {
            status: 204,
            body: Vec::new(),
        };
        assert_eq!(
            begin(u, "fp-b", 3).await,
            IdempotencyBegin::Replay(empty),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_abandoned_start_is_taken_over_after_its_lease() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let begin = |fingerprint: &'static str, now: i64| {
            let store = db.store.clone();
            async move {
                store
                    .begin_request(t, "key-2", fingerprint, at(now), at(now + 30))
                    .await
                    .expect("begin")
            }
        };
        assert_eq!(begin("fp", 0).await, IdempotencyBegin::Started, "{label}");
        assert_eq!(
            begin("fp", 29).await,
            IdempotencyBegin::InProgress,
            "{label}"
        );
        assert_eq!(
            begin("other", 31).await,
            IdempotencyBegin::Mismatch,
            "{label}: not for another request"
        );
        assert_eq!(
            begin("fp", 30).await,
            IdempotencyBegin::Started,
            "{label}: lease over"
        );
        assert_eq!(
            begin("fp", 31).await,
            IdempotencyBegin::InProgress,
            "{label}: the new lease holds"
        );
        assert_eq!(begin("fp", 61).await, IdempotencyBegin::Started, "{label}");

        store.release_request(t, "key-2").await.expect("release");
        assert_eq!(
            begin("other", 62).await,
            IdempotencyBegin::Started,
            "{label}: a released key is free"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_begins_with_a_new_key_start_exactly_once() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        for round in 0..3 {
            let key = format!("race-{round}");
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let store = db.store.clone();
                    let key = key.clone();
                    tokio::spawn(async move {
                        store
                            .begin_request(t, &key, "fp", at(0), at(30))
                            .await
                            .expect("begin")
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(task.await.expect("task"));
            }
            let started = outcomes
                .iter()
                .filter(|o| **o == IdempotencyBegin::Started)
                .count();
            assert_eq!(started, 1, "{label}: {outcomes:?}");
            assert!(
                outcomes
                    .iter()
                    .all(|o| matches!(o, IdempotencyBegin::Started | IdempotencyBegin::InProgress)),
                "{label}"
            );
        }
        // The same race on an abandoned key: exactly one takes it over.
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    store
                        .begin_request(t, "race-0", "fp", at(100), at(130))
                        .await
                        .expect("begin")
                })
            })
            .collect();
        let mut started = 0;
        for task in tasks {
            started += usize::from(task.await.expect("task") == IdempotencyBegin::Started);
        }
        assert_eq!(started, 1, "{label}: takeover");
    }
}
