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
