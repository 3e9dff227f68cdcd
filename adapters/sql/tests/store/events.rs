//! Event streams, projection rows and the atomicity of commits.

use onramp_domain::ports::{Commit, EventStore, JobQueue, StreamWrite};
use serde_json::json;
use time::macros::datetime;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_is_read_back_by_load_and_events() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let s = session();
        let mut write = append(&s, 0, 2, snapshot("active", 0, json!({ "step": 1 })));
        // Stored at microsecond precision on both engines.
        write.events[0].recorded_at = datetime!(2026-01-01 00:00:01.123_456_789 UTC);
        store
            .commit(commit_of(t, write.clone()))
            .await
            .expect("first commit");

        let loaded = store
            .load(t, &s)
            .await
            .expect("load")
            .expect("the stream exists");
        assert_eq!(loaded.stream, s, "{label}");
        assert_eq!(loaded.version, 2, "{label}");
        assert_eq!(loaded.snapshot, write.snapshot, "{label}");

        let events = store.events(t, &s, 0, 10).await.expect("events");
        assert_eq!(
            events.iter().map(|e| e.version).collect::<Vec<_>>(),
            vec![1, 2],
            "{label}"
        );
        assert!(
            events
                .iter()
                .all(|e| e.stream == s && e.event_type == "test.happened"),
            "{label}"
        );
        assert_eq!(events[0].payload, json!({ "n": 1 }), "{label}");
        assert_eq!(
            events[0].recorded_at,
            datetime!(2026-01-01 00:00:01.123_456 UTC),
            "{label}"
        );

        let next = append(&s, 2, 1, snapshot("completed", 0, json!({ "step": 2 })));
        store
            .commit(commit_of(t, next.clone()))
            .await
            .expect("second commit");
        let loaded = store.load(t, &s).await.expect("load").expect("exists");
        assert_eq!(
            (loaded.version, loaded.snapshot),
            (3, next.snapshot),
            "{label}"
        );

        assert_eq!(
            store.load(t, &session()).await.expect("load"),
            None,
            "{label}: unknown stream"
        );
        assert_eq!(
            store.load(tenant(), &s).await.expect("load"),
            None,
            "{label}: other tenant"
        );
        assert!(
            store
                .events(tenant(), &s, 0, 10)
                .await
                .expect("events")
                .is_empty(),
            "{label}"
        );
    }
}

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
async fn events_are_paged_by_version() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let s = session();
        let mut version = 0;
        for count in [3, 1, 3] {
            store
                .commit(commit_of(
                    t,
                    append(&s, version, count, snapshot("active", 0, json!({}))),
                ))
                .await
                .expect("commit");
            version += count;
        }
        let versions = |after: u64, limit: u32| {
            let store = db.store.clone();
            let s = s.clone();
            async move {
                let events = store.events(t, &s, after, limit).await.expect("events");
                events.into_iter().map(|e| e.version).collect::<Vec<_>>()
            }
        };
        assert_eq!(versions(0, 3).await, vec![1, 2, 3], "{label}");
        assert_eq!(versions(3, 3).await, vec![4, 5, 6], "{label}");
        assert_eq!(versions(6, 3).await, vec![7], "{label}");
        assert_eq!(versions(7, 3).await, Vec::<u64>::new(), "{label}");
        assert_eq!(versions(2, 0).await, Vec::<u64>::new(), "{label}");
        assert_eq!(versions(u64::MAX, 3).await, Vec::<u64>::new(), "{label}");
        let payloads: Vec<_> = store
            .events(t, &s, 0, 100)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.payload)
            .collect();
        assert_eq!(
            payloads,
            (1..=7).map(|n| json!({ "n": n })).collect::<Vec<_>>(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_is_visible_to_reads_as_soon_as_it_returns() {
    for db in backends().await {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let (t, s) = (tenant(), session());
                    for version in 0..25_u64 {
                        let write = append(
                            &s,
                            version,
                            1,
                            snapshot("active", 0, json!({ "v": version + 1 })),
                        );
                        store.commit(commit_of(t, write)).await.expect("commit");
                        let loaded = store.load(t, &s).await.expect("load").map(|l| l.version);
                        assert_eq!(loaded, Some(version + 1));
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap_or_else(|e| panic!("{}: {e}", db.label));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reopened_store_keeps_its_data() {
    for db in backends().await {
        let (t, s) = (tenant(), session());
        let write: StreamWrite = append(&s, 0, 2, snapshot("active", 0, json!({ "kept": true })));
        db.store
            .commit(commit_of(t, write.clone()))
            .await
            .expect("commit");
        // Connecting again re-runs the migrations, which must be a no-op.
        let again = onramp_sql::SqlStore::connect(&db.url)
            .await
            .expect("reopen");
        again.ping().await.expect("ping");
        let loaded = again.load(t, &s).await.expect("load").expect("exists");
        assert_eq!(
            (loaded.version, loaded.snapshot),
            (2, write.snapshot),
            "{}",
            db.label
        );
    }
}

// See: issue 11 item 8 (PostgreSQL refused U+0000 in any stored string with a 500; SQLite
// kept it): both engines store U+FFFD in its place, in columns, states and event payloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nul_character_is_stored_as_a_replacement_character_on_both_engines() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let stream = session();
        let mut snap = snapshot(
            "active",
            0,
            json!({ "text": "a\u{0}b", "k\u{0}": [1, "\u{0}"] }),
        );
        snap.external_ref = Some("crm\u{0}1".to_string());
        let mut write = append(&stream, 0, 1, snap);
        write.events[0].payload = json!({ "text": "hello\u{0}" });
        store.commit(commit_of(t, write)).await.expect(label);

        let loaded = store.load(t, &stream).await.expect("load").expect("a row");
        assert_eq!(
            loaded.snapshot.state,
            json!({ "text": "a\u{FFFD}b", "k\u{FFFD}": [1, "\u{FFFD}"] }),
            "{label}"
        );
        assert_eq!(
            loaded.snapshot.external_ref.as_deref(),
            Some("crm\u{FFFD}1"),
            "{label}"
        );
        let events = store.events(t, &stream, 0, 10).await.expect("events");
        assert_eq!(
            events[0].payload,
            json!({ "text": "hello\u{FFFD}" }),
            "{label}"
        );
    }
}

// See: issue 11 item 4. The decide cache serves the rows this process committed or read, to
// decide on; a row another process moved is stale there until a commit decided on it fails,
// which drops it; answers (`load`) always read the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_decide_cache_serves_rows_to_decide_on_and_drops_them_when_a_commit_fails() {
    for db in backends().await {
        let label = db.label;
        let store = db.store.clone().with_decide_cache(1 << 20);
        let elsewhere = onramp_sql::SqlStore::connect(&db.url).await.expect(label);
        let t = tenant();
        let stream = session();
        let row = |status: &str, n: u64| snapshot(status, 0, json!({ "n": n }));
        store
            .commit(commit_of(t, append(&stream, 0, 1, row("active", 1))))
            .await
            .expect(label);
        // Another process moves the stream on.
        elsewhere
            .commit(commit_of(t, append(&stream, 1, 1, row("paused", 2))))
            .await
            .expect(label);
        let cached = store
            .load_for_decide(t, &stream)
            .await
            .expect(label)
            .expect("row");
        assert_eq!(
            cached.version, 1,
            "{label}: the cache still holds this process's row"
        );
        let loaded = store.load(t, &stream).await.expect(label).expect("row");
        assert_eq!(
            (loaded.version, loaded.snapshot.status.as_str()),
            (2, "paused"),
            "{label}"
        );

        // Decided on the stale row, the commit conflicts and the row is dropped.
        let stale = store
            .commit(commit_of(t, append(&stream, 1, 1, row("completed", 3))))
            .await;
        assert!(is_conflict(&stale), "{label}");
        let fresh = store
            .load_for_decide(t, &stream)
            .await
            .expect(label)
            .expect("row");
        assert_eq!(
            (fresh.version, fresh.snapshot.status.as_str()),
            (2, "paused"),
            "{label}"
        );

        // This process's own commit is served at once.
        store
            .commit(commit_of(t, append(&stream, 2, 1, row("active", 4))))
            .await
            .expect(label);
        let mine = store
            .load_for_decide(t, &stream)
            .await
            .expect(label)
            .expect("row");
        assert_eq!(
            (mine.version, mine.snapshot.state.clone()),
            (3, json!({ "n": 4 })),
            "{label}"
        );
        // Another tenant's stream of the same id is not this one.
        assert_eq!(
            store.load_for_decide(tenant(), &stream).await.expect(label),
            None,
            "{label}"
        );
    }
}
