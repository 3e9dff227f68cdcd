//! Stored states (`StreamWrite::store_state`, migration 0009): a write that does not store its
//! state keeps the stored one (none, for a new stream), and every read returns it with the
//! events since (P-STORE-1).

use onramp_domain::ports::{EventStore, ListQuery};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_without_its_state_keeps_the_stored_one_and_reads_return_the_events_since() {
    for db in backends().await {
        let label = db.label;
        let store = db.store.clone().with_decide_cache(1 << 20);
        let t = tenant();
        let s = session();
        store
            .commit(commit_of(
                t,
                append(&s, 0, 2, snapshot("active", 0, json!({ "n": 2 }))),
            ))
            .await
            .expect(label);
        let mut write = append(&s, 2, 2, snapshot("paused", 0, json!({ "n": 4 })));
        write.store_state = false;
        store
            .commit(commit_of(t, write.clone()))
            .await
            .expect(label);

        // The columns move on; the state stays where it was stored, with the events after it.
        let loaded = store.load(t, &s).await.expect(label).expect("the row");
        assert_eq!(loaded.version, 4, "{label}");
        assert_eq!(loaded.snapshot.status, "paused", "{label}");
        assert_eq!(loaded.snapshot.state, json!({ "n": 2 }), "{label}");
        let pending: Vec<_> = loaded
            .pending
            .iter()
            .map(|e| (e.version, e.payload.clone()))
            .collect();
        assert_eq!(
            pending,
            vec![(3, json!({ "n": 3 })), (4, json!({ "n": 4 }))],
            "{label}"
        );
        // A listing reads the same.
        let query = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        let page = store.list(t, s.kind, &query).await.expect(label);
        assert_eq!(page.items, vec![loaded], "{label}");
        // This process's decisions read the state it committed, whole.
        let cached = store
            .load_for_decide(t, &s)
            .await
            .expect(label)
            .expect("the row");
        assert_eq!(
            (cached.snapshot.state, cached.pending.len()),
            (json!({ "n": 4 }), 0),
            "{label}"
        );

        // A write that stores its state leaves nothing to fold.
        store
            .commit(commit_of(
                t,
                append(&s, 4, 1, snapshot("active", 0, json!({ "n": 5 }))),
            ))
            .await
            .expect(label);
        let loaded = store.load(t, &s).await.expect(label).expect("the row");
        assert_eq!(
            (loaded.version, loaded.snapshot.state, loaded.pending.len()),
            (5, json!({ "n": 5 }), 0),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_stream_without_its_state_is_read_with_every_event() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        let s = session();
        let mut write = append(&s, 0, 2, snapshot("active", 0, json!({ "n": 2 })));
        write.store_state = false;
        db.store.commit(commit_of(t, write)).await.expect(label);
        let loaded = db.store.load(t, &s).await.expect(label).expect("the row");
        assert_eq!(loaded.snapshot.state, serde_json::Value::Null, "{label}");
        assert_eq!(loaded.snapshot.status, "active", "{label}");
        assert_eq!(
            loaded.pending.iter().map(|e| e.version).collect::<Vec<_>>(),
            vec![1, 2],
            "{label}"
        );
        let query = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        let page = db.store.list(t, s.kind, &query).await.expect(label);
        assert_eq!(page.items, vec![loaded], "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listing_returns_each_row_with_its_own_events_since_its_stored_state() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        let (a, b, c) = (session(), session(), session());
        let state = |n: u64| snapshot("active", 0, json!({ "n": n }));
        // a: no stored state, 3 events; b: stored at 2, then 2 more; c: stored at 1.
        let mut first = append(&a, 0, 3, state(3));
        first.store_state = false;
        db.store.commit(commit_of(t, first)).await.expect(label);
        db.store
            .commit(commit_of(t, append(&b, 0, 2, state(2))))
            .await
            .expect(label);
        let mut later = append(&b, 2, 2, state(4));
        later.store_state = false;
        db.store.commit(commit_of(t, later)).await.expect(label);
        db.store
            .commit(commit_of(t, append(&c, 0, 1, state(1))))
            .await
            .expect(label);

        let query = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        let page = db.store.list(t, a.kind, &query).await.expect(label);
        let mut seen: Vec<_> = page
            .items
            .iter()
            .map(|l| {
                let versions: Vec<u64> = l.pending.iter().map(|e| e.version).collect();
                (l.stream.id.clone(), l.snapshot.state.to_string(), versions)
            })
            .collect();
        seen.sort_by(|x, y| x.0.cmp(&y.0));
        let mut expected = vec![
            (a.id.clone(), "null".to_string(), vec![1, 2, 3]),
            (b.id.clone(), json!({ "n": 2 }).to_string(), vec![3, 4]),
            (c.id.clone(), json!({ "n": 1 }).to_string(), vec![]),
        ];
        expected.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(seen, expected, "{label}");
        // Each the same as its own load.
        for item in &page.items {
            let loaded = db.store.load(t, &item.stream).await.expect(label);
            assert_eq!(loaded.as_ref(), Some(item), "{label}");
        }
    }
}
