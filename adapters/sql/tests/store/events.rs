//! Event streams and projection rows: a commit read back by `load` and `events`, paging, reads
//! after a commit, a reopened store, NUL characters, and the decide cache. The atomicity of
//! commits is in `commits.rs`.

use onramp_domain::ports::{EventStore, StreamWrite};
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
