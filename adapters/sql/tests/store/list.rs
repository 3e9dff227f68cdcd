//! Listings: filters, keyset pagination, newest first.

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, EventStore, ListQuery, Loaded, Snapshot, StoreError, StreamId,
};
use onramp_sql::SqlStore;
use serde_json::json;

use super::support::*;

/// Follows cursors until the listing ends; checks that no page exceeds `query.limit`.
async fn all_pages(
    store: &SqlStore,
    t: TenantId,
    kind: AggregateKind,
    mut query: ListQuery,
) -> Vec<Loaded> {
    let mut items = Vec::new();
    for _ in 0..100 {
        let page = store.list(t, kind, &query).await.expect("list");
        assert!(page.items.len() <= query.limit.clamp(1, 100) as usize);
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return items,
        }
    }
    panic!("the listing did not end");
}

/// Which rows a filter should keep.
type Keep = Box<dyn Fn(&Snapshot) -> bool>;

fn ids(items: &[Loaded]) -> Vec<String> {
    items.iter().map(|l| l.stream.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listings_filter_and_page_newest_first() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, other) = (tenant(), tenant());
        let mut rows: Vec<(StreamId, Snapshot)> = Vec::new();
        for i in 0..25_i64 {
            let s = session();
            // Pairs share a creation time, so the id breaks the tie.
            let snap = Snapshot {
                status: if i % 2 == 0 { "active" } else { "completed" }.to_string(),
                flow_id: Some(format!("flow-{}", i % 3)),
                phone: (i % 4 != 0).then(|| format!("+4477009001{:02}", i % 4)),
                external_ref: Some(format!("ref-{i}")),
                session_id: (i % 5 != 0).then(|| format!("session-{}", i % 5)),
                ..snapshot("", i / 2, json!({ "i": i }))
            };
            store
                .commit(commit_of(t, append(&s, 0, 1, snap.clone())))
                .await
                .expect("commit");
            rows.push((s, snap));
        }
        // Noise the listing must not return: another kind, another tenant.
        let v = StreamId::new(AggregateKind::Verification, "v-1");
        store
            .commit(commit_of(
                t,
                append(&v, 0, 1, snapshot("active", 99, json!({}))),
            ))
            .await
            .expect("verification");
        store
            .commit(commit_of(
                other,
                append(&session(), 0, 1, snapshot("active", 99, json!({}))),
            ))
            .await
            .expect("other");

        let expect = |keep: &dyn Fn(&Snapshot) -> bool| {
            let mut kept: Vec<_> = rows.iter().filter(|(_, snap)| keep(snap)).collect();
            kept.sort_by(|(a, x), (b, y)| (y.created_at, &b.id).cmp(&(x.created_at, &a.id)));
            kept.into_iter()
                .map(|(s, _)| s.id.clone())
                .collect::<Vec<_>>()
        };

        let first = store
            .list(
                t,
                AggregateKind::Session,
                &ListQuery {
                    limit: 10,
                    ..ListQuery::default()
                },
            )
            .await
            .expect("list");
        assert_eq!(first.items.len(), 10, "{label}");
        assert!(first.next_cursor.is_some(), "{label}");
        let everything = all_pages(
            store,
            t,
            AggregateKind::Session,
            ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
        )
        .await;
        assert_eq!(ids(&everything), expect(&|_| true), "{label}");
        assert_eq!(
            everything[0].snapshot, rows[24].1,
            "{label}: rows come back whole"
        );

        let filters: Vec<(ListQuery, Keep)> = vec![
            (
                ListQuery {
                    status: Some("active".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.status == "active"),
            ),
            (
                ListQuery {
                    flow_id: Some("flow-1".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.flow_id.as_deref() == Some("flow-1")),
            ),
            (
                ListQuery {
                    phone: Some("+447700900102".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.phone.as_deref() == Some("+447700900102")),
            ),
            (
                ListQuery {
                    external_ref: Some("ref-7".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.external_ref.as_deref() == Some("ref-7")),
            ),
            (
                ListQuery {
                    session_id: Some("session-2".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.session_id.as_deref() == Some("session-2")),
            ),
            (
                ListQuery {
                    status: Some("completed".into()),
                    flow_id: Some("flow-0".into()),
                    ..ListQuery::default()
                },
                Box::new(|s| s.status == "completed" && s.flow_id.as_deref() == Some("flow-0")),
            ),
            (
                ListQuery {
                    status: Some("nobody".into()),
                    ..ListQuery::default()
                },
                Box::new(|_| false),
            ),
        ];
        for (query, keep) in filters {
            let got = all_pages(
                store,
                t,
                AggregateKind::Session,
                ListQuery {
                    limit: 3,
                    ..query.clone()
                },
            )
            .await;
            assert_eq!(ids(&got), expect(keep.as_ref()), "{label}: {query:?}");
        }

        let verifications = all_pages(
            store,
            t,
            AggregateKind::Verification,
            ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
        )
        .await;
        assert_eq!(ids(&verifications), vec!["v-1".to_string()], "{label}");
        let others = all_pages(
            store,
            other,
            AggregateKind::Session,
            ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
        )
        .await;
        assert_eq!(others.len(), 1, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listing_limits_are_clamped_and_foreign_cursors_rejected() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        for i in 0..3 {
            store
                .commit(commit_of(
                    t,
                    append(&session(), 0, 1, snapshot("active", i, json!({}))),
                ))
                .await
                .expect("commit");
        }
        let page = |limit: u32, cursor: Option<String>| ListQuery {
            limit,
            cursor,
            ..ListQuery::default()
        };
        let zero = store
            .list(t, AggregateKind::Session, &page(0, None))
            .await
            .expect("list");
        assert_eq!(zero.items.len(), 1, "{label}: a limit of 0 means 1");
        assert!(zero.next_cursor.is_some(), "{label}");
        let huge = store
            .list(t, AggregateKind::Session, &page(10_000, None))
            .await
            .expect("list");
        assert_eq!((huge.items.len(), huge.next_cursor), (3, None), "{label}");

        for bad in ["not hex", "00ff", ""] {
            let result = store
                .list(t, AggregateKind::Session, &page(10, Some(bad.to_string())))
                .await;
            assert!(
                matches!(result, Err(StoreError::InvalidCursor)),
                "{label}: {bad:?}: {result:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listings_by_session_return_that_sessions_rows_newest_first_and_keep_the_first_session() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, other) = (tenant(), tenant());
        let trial = |id: &str| StreamId::new(AggregateKind::Trial, id);
        let of_session = |session: Option<&str>, created: i64| Snapshot {
            session_id: session.map(str::to_string),
            ..snapshot("active", created, json!({}))
        };
        // Five trials of session A (two created at the same time: the id breaks the tie), and
        // noise: session B, no session, another kind, another tenant.
        let mine = [("t-1", 1), ("t-2", 4), ("t-3", 2), ("t-4", 4), ("t-5", 3)];
        for (id, created) in mine {
            store
                .commit(commit_of(
                    t,
                    append(&trial(id), 0, 1, of_session(Some("A"), created)),
                ))
                .await
                .expect("trial of A");
        }
        let noise = [
            (t, trial("b-1"), Some("B")),
            (t, trial("none"), None),
            (t, StreamId::new(AggregateKind::Order, "o-1"), Some("A")),
            (other, trial("x-1"), Some("A")),
        ];
        for (owner, stream, session) in noise {
            store
                .commit(commit_of(
                    owner,
                    append(&stream, 0, 1, of_session(session, 9)),
                ))
                .await
                .expect("noise");
        }
        let by = |session: &str| ListQuery {
            session_id: Some(session.to_string()),
            limit: 2,
            ..ListQuery::default()
        };

        let first = store
            .list(t, AggregateKind::Trial, &by("A"))
            .await
            .expect("list");
        assert_eq!(ids(&first.items), ["t-4", "t-2"], "{label}: first page");
        assert!(first.next_cursor.is_some(), "{label}");
        let got = all_pages(store, t, AggregateKind::Trial, by("A")).await;
        assert_eq!(
            ids(&got),
            ["t-4", "t-2", "t-5", "t-3", "t-1"],
            "{label}: newest first, over three pages"
        );
        assert!(
            got.iter()
                .all(|l| l.snapshot.session_id.as_deref() == Some("A")),
            "{label}"
        );
        let orders = all_pages(store, t, AggregateKind::Order, by("A")).await;
        assert_eq!(ids(&orders), ["o-1"], "{label}");
        let others = all_pages(store, other, AggregateKind::Trial, by("A")).await;
        assert_eq!(ids(&others), ["x-1"], "{label}");

        // A later write passing another session keeps the first one.
        store
            .commit(commit_of(
                t,
                append(&trial("t-3"), 1, 1, of_session(Some("B"), 2)),
            ))
            .await
            .expect("update");
        let loaded = store.load(t, &trial("t-3")).await.expect("load");
        assert_eq!(
            loaded.map(|l| (l.version, l.snapshot.session_id)),
            Some((2, Some("A".to_string()))),
            "{label}"
        );
        let a = all_pages(store, t, AggregateKind::Trial, by("A")).await;
        assert_eq!(
            ids(&a),
            ["t-4", "t-2", "t-5", "t-3", "t-1"],
            "{label}: still A's"
        );
        let b = all_pages(store, t, AggregateKind::Trial, by("B")).await;
        assert_eq!(ids(&b), ["b-1"], "{label}: not moved to B");
    }
}
