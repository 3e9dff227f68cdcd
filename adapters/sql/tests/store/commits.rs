//! The atomicity of commits: a commit at a stale version writes nothing (no events, tenant-facing
//! events, jobs, timer changes or completions), concurrent commits to one stream have one winner, a commit over
//! several streams is all or nothing, and a commit may carry no stream.

use onramp_domain::ports::{
    Commit, EventStore, JobQueue, NewTenantEvent, TenantEventLog, TenantEventQuery,
};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_at_a_stale_version_writes_nothing() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let s = session();
        let first = append(&s, 0, 1, snapshot("active", 0, json!({ "v": 1 })));
        let mut setup = commit_of(t, first.clone());
        let pending = job_id();
        setup.jobs.push(job(
            pending,
            at(10),
            Some("expiry"),
            json!({ "job": "pending" }),
        ));
        store.commit(setup).await.expect("setup");

        for expected in [0, 2, 5] {
            let mut stale = commit_of(
                t,
                append(&s, expected, 2, snapshot("completed", 0, json!({ "v": 9 }))),
            );
            stale.jobs.push(job(
                job_id(),
                at(0),
                None,
                json!({ "job": "from the failed commit" }),
            ));
            stale.jobs.push(job(
                job_id(),
                at(0),
                Some("expiry"),
                json!({ "job": "replacement" }),
            ));
            stale.cancel_timers.push("expiry".to_string());
            stale.complete_job = Some(pending);
            stale.tenant_events.push(NewTenantEvent {
                id: uuid::Uuid::new_v4(),
                event_type: "session.completed",
                session_id: Some(s.id.clone()),
                created_at: at(0),
                data: json!({ "told": "by the failed commit" }),
            });
            let result = store.commit(stale).await;
            assert!(
                is_conflict(&result),
                "{label}: expected {expected}: {result:?}"
            );
        }

        let loaded = store.load(t, &s).await.expect("load").expect("exists");
        assert_eq!(
            (loaded.version, loaded.snapshot),
            (1, first.snapshot),
            "{label}"
        );
        assert_eq!(
            store.events(t, &s, 0, 10).await.expect("events").len(),
            1,
            "{label}"
        );
        // P-EVT-1: no tenant-facing event of a failed commit.
        let told = store
            .tenant_events(
                t,
                &TenantEventQuery {
                    limit: 10,
                    ..TenantEventQuery::default()
                },
            )
            .await
            .expect("tenant events");
        assert_eq!(told, [], "{label}");
        // Only the setup's timer exists, untouched: not cancelled, replaced or completed.
        let claimed = store.claim(at(100), 30, 10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "{label}: {claimed:?}");
        assert_eq!(
            (claimed[0].id, &claimed[0].payload),
            (pending, &json!({ "job": "pending" })),
            "{label}"
        );

        // A stream that does not exist is not at version 1 either, and is not created.
        let ghost = session();
        let result = store
            .commit(commit_of(
                t,
                append(&ghost, 1, 1, snapshot("active", 0, json!({}))),
            ))
            .await;
        assert!(is_conflict(&result), "{label}: {result:?}");
        assert_eq!(store.load(t, &ghost).await.expect("load"), None, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_commits_to_one_stream_have_exactly_one_winner() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        let s = session();
        // Twice: creating a stream (expected 0), then appending to it (expected 1).
        for expected in [0_u64, 1] {
            let tasks: Vec<_> = (0..20)
                .map(|writer| {
                    let store = db.store.clone();
                    let mut write = append(
                        &s,
                        expected,
                        1,
                        snapshot("active", 0, json!({ "writer": writer })),
                    );
                    write.events[0].payload = json!({ "writer": writer });
                    tokio::spawn(async move { (writer, store.commit(commit_of(t, write)).await) })
                })
                .collect();
            let mut winners = Vec::new();
            for task in tasks {
                let (writer, result) = task.await.expect("task");
                match result {
                    Ok(()) => winners.push(writer),
                    Err(e) => assert!(
                        matches!(e, onramp_domain::ports::StoreError::Conflict(_)),
                        "{label}: {e:?}"
                    ),
                }
            }
            assert_eq!(
                winners.len(),
                1,
                "{label}: expected {expected}: winners {winners:?}"
            );
            let events = db.store.events(t, &s, expected, 10).await.expect("events");
            assert_eq!(events.len(), 1, "{label}");
            assert_eq!(
                events[0].payload,
                json!({ "writer": winners[0] }),
                "{label}"
            );
            let loaded = db.store.load(t, &s).await.expect("load").expect("exists");
            assert_eq!(loaded.version, expected + 1, "{label}");
            assert_eq!(
                loaded.snapshot.state,
                json!({ "writer": winners[0] }),
                "{label}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_multi_stream_commit_is_atomic() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let (a, b) = (session(), session());
        store
            .commit(commit_of(
                t,
                append(&a, 0, 1, snapshot("active", 0, json!({ "a": 1 }))),
            ))
            .await
            .expect("a");
        store
            .commit(commit_of(
                t,
                append(&b, 0, 1, snapshot("active", 0, json!({ "b": 1 }))),
            ))
            .await
            .expect("b");

        // Both orders, so the conflicting stream is written before and after the good one.
        for (good, stale) in [(&a, &b), (&b, &a)] {
            let mut commit = Commit::new(t);
            commit.streams.push(append(
                good,
                1,
                1,
                snapshot("completed", 0, json!({ "moved": true })),
            ));
            commit.streams.push(append(
                stale,
                0,
                1,
                snapshot("completed", 0, json!({ "moved": true })),
            ));
            let result = store.commit(commit).await;
            assert!(is_conflict(&result), "{label}: {result:?}");
            for s in [&a, &b] {
                let loaded = store.load(t, s).await.expect("load").expect("exists");
                assert_eq!(loaded.version, 1, "{label}");
                assert_eq!(loaded.snapshot.status, "active", "{label}");
                assert_eq!(
                    store.events(t, s, 0, 10).await.expect("events").len(),
                    1,
                    "{label}"
                );
            }
        }

        let mut both = Commit::new(t);
        both.streams
            .push(append(&b, 1, 1, snapshot("completed", 0, json!({}))));
        both.streams
            .push(append(&a, 1, 2, snapshot("completed", 0, json!({}))));
        store.commit(both).await.expect("both at their versions");
        assert_eq!(
            store.load(t, &a).await.expect("load").map(|l| l.version),
            Some(3),
            "{label}"
        );
        assert_eq!(
            store.load(t, &b).await.expect("load").map(|l| l.version),
            Some(2),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_without_streams_is_legal() {
    for db in backends().await {
        let t = tenant();
        db.store.commit(Commit::new(t)).await.expect("empty commit");
        db.store
            .commit(jobs_commit(t, vec![job(job_id(), at(0), None, json!({}))]))
            .await
            .expect("jobs only");
        assert_eq!(
            db.store.claim(at(1), 30, 10).await.expect("claim").len(),
            1,
            "{}",
            db.label
        );
    }
}
