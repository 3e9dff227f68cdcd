//! Tenants and their API key hashes.

use onramp_domain::ports::{Tenant, TenantStore};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_are_created_found_by_key_hash_and_counted() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        assert_eq!(store.tenant_count().await.expect("count"), 0, "{label}");
        let acme = Tenant {
            id: tenant(),
            name: "Acme".to_string(),
            created_at: at(0),
        };
        let globex = Tenant {
            id: tenant(),
            name: "Globex".to_string(),
            created_at: at(1),
        };
        store
            .create_tenant(&acme, "hash-acme")
            .await
            .expect("create acme");
        store
            .create_tenant(&globex, "hash-globex")
            .await
            .expect("create globex");
        assert_eq!(store.tenant_count().await.expect("count"), 2, "{label}");

        assert_eq!(
            store.tenant_by_key_hash("hash-acme").await.expect("lookup"),
            Some(acme.clone()),
            "{label}"
        );
        assert_eq!(
            store
                .tenant_by_key_hash("hash-globex")
                .await
                .expect("lookup"),
            Some(globex),
            "{label}"
        );
        assert_eq!(
            store
                .tenant_by_key_hash("hash-nobody")
                .await
                .expect("lookup"),
            None,
            "{label}"
        );

        let thief = Tenant {
            id: tenant(),
            name: "Thief".to_string(),
            created_at: at(2),
        };
        assert!(
            is_conflict(&store.create_tenant(&thief, "hash-acme").await),
            "{label}: duplicate key hash"
        );
        assert!(
            is_conflict(&store.create_tenant(&acme, "hash-new").await),
            "{label}: duplicate id"
        );
        assert_eq!(store.tenant_count().await.expect("count"), 2, "{label}");
        assert_eq!(
            store.tenant_by_key_hash("hash-new").await.expect("lookup"),
            None,
            "{label}"
        );
    }
}
