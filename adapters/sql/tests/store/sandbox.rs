//! The sandbox's simulated provider objects (`SandboxObjects`; issue 11, item 8): inserted once
//! whatever the race, replaced only at the version read, scoped to their tenant, kept when the
//! store is opened again (a restart).

use std::collections::BTreeSet;
use std::sync::Arc;

use onramp_domain::ports::{Inserted, SandboxObject, SandboxObjects, StoreError};
use onramp_sql::SqlStore;
use serde_json::json;

use super::support::*;

const ORDER: &str = "paypal.order";

fn object(id: &str, value: serde_json::Value, version: u64) -> SandboxObject {
    SandboxObject {
        id: id.to_string(),
        value,
        version,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_object_is_inserted_once_and_the_first_document_stays() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let first = json!({ "status": "CREATED", "amount": 1999 });

        let created = store.insert(t, ORDER, "SBX-1", first.clone()).await;
        assert_eq!(
            created.ok(),
            Some(Inserted::Created(object("SBX-1", first.clone(), 1))),
            "{label}"
        );
        let again = store
            .insert(t, ORDER, "SBX-1", json!({ "status": "other" }))
            .await;
        assert_eq!(
            again.ok(),
            Some(Inserted::Existing(object("SBX-1", first.clone(), 1))),
            "{label}"
        );
        let read = store.get(t, ORDER, "SBX-1").await.expect("get");
        assert_eq!(read, Some(object("SBX-1", first.clone(), 1)), "{label}");

        // Another kind is another namespace.
        let missing = store.get(t, "paypal.order_key", "SBX-1").await;
        assert_eq!(missing.ok(), Some(None), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replace_applies_only_at_the_version_it_read() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        store
            .insert(t, ORDER, "SBX-1", json!({ "status": "CREATED" }))
            .await
            .expect("insert");

        let approved = json!({ "status": "APPROVED" });
        let version = store.replace(t, ORDER, "SBX-1", 1, approved.clone()).await;
        assert_eq!(version.ok(), Some(2), "{label}");

        // A writer that read version 1 lost the race: nothing is written.
        let stale = store
            .replace(t, ORDER, "SBX-1", 1, json!({ "status": "stale" }))
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{label}");
        let missing = store.replace(t, ORDER, "SBX-2", 1, json!({})).await;
        assert!(matches!(missing, Err(StoreError::Conflict(_))), "{label}");
        let read = store.get(t, ORDER, "SBX-1").await.expect("get");
        assert_eq!(read, Some(object("SBX-1", approved, 2)), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_writers_exactly_one_inserts_and_exactly_one_replaces() {
    for db in backends().await {
        let (store, label) = (Arc::new(db.store.clone()), db.label);
        let t = tenant();

        let inserts: Vec<_> = (0..20)
            .map(|n| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .insert(t, ORDER, "SBX-1", json!({ "writer": n }))
                        .await
                })
            })
            .collect();
        let mut created = 0;
        let mut seen = BTreeSet::new();
        for task in inserts {
            let inserted = task.await.expect("task").expect("insert");
            created += usize::from(matches!(inserted, Inserted::Created(_)));
            seen.insert(inserted.into_object().value.to_string());
        }
        assert_eq!(created, 1, "{label}");
        assert_eq!(
            seen.len(),
            1,
            "{label}: every writer sees the winner: {seen:?}"
        );

        let replaces: Vec<_> = (0..20)
            .map(|n| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .replace(t, ORDER, "SBX-1", 1, json!({ "captured_by": n }))
                        .await
                })
            })
            .collect();
        let mut applied = 0;
        for task in replaces {
            match task.await.expect("task") {
                Ok(version) => {
                    assert_eq!(version, 2, "{label}");
                    applied += 1;
                }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{label}: {e:?}"),
            }
        }
        assert_eq!(applied, 1, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_tenant_neither_sees_nor_changes_an_object_of_the_same_id() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (a, b) = (tenant(), tenant());
        store
            .insert(a, ORDER, "SBX-1", json!({ "owner": "a" }))
            .await
            .expect("insert");

        assert_eq!(
            store.get(b, ORDER, "SBX-1").await.ok(),
            Some(None),
            "{label}"
        );
        assert_eq!(store.list(b, ORDER, 10).await.ok(), Some(vec![]), "{label}");
        let replaced = store
            .replace(b, ORDER, "SBX-1", 1, json!({ "owner": "b" }))
            .await;
        assert!(matches!(replaced, Err(StoreError::Conflict(_))), "{label}");
        // The same id is free for b, and stays a's for a.
        let inserted = store
            .insert(b, ORDER, "SBX-1", json!({ "owner": "b" }))
            .await
            .expect("insert");
        assert!(matches!(inserted, Inserted::Created(_)), "{label}");
        let read = store.get(a, ORDER, "SBX-1").await.expect("get");
        assert_eq!(
            read,
            Some(object("SBX-1", json!({ "owner": "a" }), 1)),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listing_gives_a_kind_in_insertion_order_up_to_its_limit() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        // Ids that sort against insertion order.
        for (n, id) in ["pi_c", "pi_a", "pi_b"].iter().enumerate() {
            store
                .insert(t, "stripe.payment_intent", id, json!({ "n": n }))
                .await
                .expect("insert");
        }
        store
            .insert(t, "stripe.customer", "cus_1", json!({}))
            .await
            .expect("insert");
        store
            .replace(
                t,
                "stripe.payment_intent",
                "pi_c",
                1,
                json!({ "n": 0, "voided": true }),
            )
            .await
            .expect("replace");

        let ids = |objects: Vec<SandboxObject>| -> Vec<String> {
            objects.into_iter().map(|o| o.id).collect()
        };
        let all = store
            .list(t, "stripe.payment_intent", 10)
            .await
            .expect("list");
        assert_eq!(all[0].version, 2, "{label}: a replace keeps the place");
        assert_eq!(ids(all), ["pi_c", "pi_a", "pi_b"], "{label}");
        let first = store
            .list(t, "stripe.payment_intent", 2)
            .await
            .expect("list");
        assert_eq!(ids(first), ["pi_c", "pi_a"], "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn objects_are_kept_when_the_store_is_opened_again() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        db.store
            .insert(t, ORDER, "SBX-1", json!({ "status": "CREATED" }))
            .await
            .expect("insert");
        db.store
            .replace(t, ORDER, "SBX-1", 1, json!({ "status": "APPROVED" }))
            .await
            .expect("replace");

        // Another process's view of the same database, as after a restart.
        let reopened = SqlStore::connect(&db.url).await.expect("reopen");
        let read = reopened.get(t, ORDER, "SBX-1").await.expect("get");
        assert_eq!(
            read,
            Some(object("SBX-1", json!({ "status": "APPROVED" }), 2)),
            "{label}"
        );
    }
}
