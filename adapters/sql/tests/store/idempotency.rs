//! Idempotency records, written by the commit of the request's effects (issue 11, item 2):
//! all or nothing with the effects, one holder at a time, takeover of an unfinished record after
//! its lease, expiry after 24 hours, races.

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    Commit, EventStore, IdempotencyEntry, IdempotencyRecord, IdempotencyStore, StoreError,
    StoredResponse,
};
use sqlx::Connection;
use time::OffsetDateTime;

use super::support::*;

/// A record of `holder` for `key`, written at `now` (seconds), leased 30 s, kept 24 h.
fn record(
    key: &str,
    fingerprint: &str,
    holder: &str,
    answer: Option<StoredResponse>,
    now: i64,
) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.to_string(),
        fingerprint: fingerprint.to_string(),
        holder: holder.to_string(),
        answer,
        secret_withheld: false,
        now: at(now),
        lease_until: at(now + 30),
        expires_at: at(now + 86_400),
    }
}

fn with_record(tenant: TenantId, record: IdempotencyRecord) -> Commit {
    let mut commit = Commit::new(tenant);
    commit.idempotency = Some(record);
    commit
}

fn answer(status: u16, body: &[u8]) -> StoredResponse {
    StoredResponse {
        status,
        body: body.to_vec(),
    }
}

async fn entry(
    store: &impl IdempotencyStore,
    t: TenantId,
    key: &str,
    now: OffsetDateTime,
) -> Option<IdempotencyEntry> {
    store.idempotency_entry(t, key, now).await.expect("entry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_record_is_written_with_the_effects_of_its_commit_or_not_at_all() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let stream = session();

        // A commit that conflicts writes neither its events nor its record.
        let mut conflicting = commit_of(
            t,
            append(&stream, 3, 1, snapshot("active", 0, serde_json::json!({}))),
        );
        conflicting.idempotency = Some(record("k", "fp", "h1", Some(answer(201, b"{}")), 0));
        assert!(is_conflict(&store.commit(conflicting).await), "{label}");
        assert_eq!(entry(store, t, "k", at(1)).await, None, "{label}");

        // A commit that applies writes both; the answer, bytes as they were, is replayable.
        let body = b"{\"id\":\"s-1\"}\x00\xff";
        let mut commit = commit_of(
            t,
            append(&stream, 0, 1, snapshot("active", 0, serde_json::json!({}))),
        );
        commit.idempotency = Some(record("k", "fp", "h1", Some(answer(201, body)), 0));
        store.commit(commit).await.expect("commit");
        let got = entry(store, t, "k", at(1)).await.expect("a record");
        assert_eq!(got.answer, Some(answer(201, body)), "{label}");
        assert_eq!(
            (got.fingerprint.as_str(), got.holder.as_str()),
            ("fp", "h1"),
            "{label}"
        );
        assert_eq!(
            store
                .load(t, &stream)
                .await
                .expect("load")
                .map(|l| l.version),
            Some(1),
            "{label}"
        );

        // Keys are per tenant.
        assert_eq!(entry(store, tenant(), "k", at(1)).await, None, "{label}");
    }
}

/// The stored form of `key`'s answer: its `response_encoding` and `response_body` as written.
async fn stored_answer(db: &TestDb, key: &str) -> (Option<String>, Vec<u8>) {
    const SQL: &str =
        "SELECT response_encoding, response_body FROM idempotency_keys WHERE request_key = $1";
    let row: (Option<String>, Option<Vec<u8>>) = if db.label == "sqlite" {
        let mut conn = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("connect");
        sqlx::query_as(SQL)
            .bind(key)
            .fetch_one(&mut conn)
            .await
            .expect("row")
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        sqlx::query_as(SQL)
            .bind(key)
            .fetch_one(&mut conn)
            .await
            .expect("row")
    };
    (row.0, row.1.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn large_answers_are_stored_deflated_and_replayed_byte_for_byte() {
    // A session's view, the usual answer: 1.4 KB of JSON, a third of it once deflated.
    let steps: Vec<_> = (0..12)
        .map(|i| serde_json::json!({"id": format!("step_{i}"), "kind": "choice", "title": "Your main goal", "required": true, "status": "completed"}))
        .collect();
    let view = serde_json::to_vec(&serde_json::json!({"id": "01a2503d-a1e9-731e-a8fa-9ccc7eaa8da0", "status": "active", "steps": steps}))
        .expect("json");
    assert!(view.len() > 1_000, "{} bytes", view.len());
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        for (key, body) in [
            ("big", view.as_slice()),
            ("small", b"{\"ok\":true}".as_slice()),
        ] {
            store
                .commit(with_record(
                    t,
                    record(key, "fp", "h", Some(answer(201, body)), 0),
                ))
                .await
                .expect("commit");
            let got = entry(store, t, key, at(1)).await.expect("a record");
            assert_eq!(got.answer, Some(answer(201, body)), "{label}: {key}");
        }
        let (encoding, stored) = stored_answer(&db, "big").await;
        assert_eq!(encoding.as_deref(), Some("zlib-dict-1"), "{label}");
        assert!(
            stored.len() * 2 < view.len(),
            "{label}: {} bytes stored for a {}-byte answer",
            stored.len(),
            view.len()
        );
        // Under the threshold an answer is stored as it is.
        assert_eq!(
            stored_answer(&db, "small").await,
            (None, b"{\"ok\":true}".to_vec()),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_held_by_another_attempt_refuses_the_whole_commit() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        store
            .commit(with_record(t, record("k", "fp", "h1", None, 0)))
            .await
            .expect("first attempt");
        // The same attempt writes again (its next commit, then its answer).
        store
            .commit(with_record(t, record("k", "fp", "h1", None, 5)))
            .await
            .expect("same holder");

        // Another attempt, while the lease runs: refused, and its effects are not written.
        let stream = session();
        let mut other = commit_of(
            t,
            append(&stream, 0, 1, snapshot("active", 0, serde_json::json!({}))),
        );
        other.idempotency = Some(record("k", "fp", "h2", Some(answer(200, b"x")), 10));
        assert!(
            matches!(
                store.commit(other).await,
                Err(StoreError::IdempotencyKeyTaken)
            ),
            "{label}"
        );
        assert_eq!(store.load(t, &stream).await.expect("load"), None, "{label}");

        // After the lease (35 s: the last write at 5 leased until 35), the same request may take
        // the unfinished record over; another request (fingerprint) may not.
        let late = record("k", "other", "h3", None, 40);
        assert!(
            matches!(
                store.commit(with_record(t, late)).await,
                Err(StoreError::IdempotencyKeyTaken)
            ),
            "{label}: not for another request"
        );
        store
            .commit(with_record(
                t,
                record("k", "fp", "h3", Some(answer(200, b"done")), 40),
            ))
            .await
            .expect("takeover");
        let got = entry(store, t, "k", at(41)).await.expect("a record");
        assert_eq!(
            (got.holder.as_str(), got.answer),
            ("h3", Some(answer(200, b"done"))),
            "{label}"
        );

        // A finished record is never taken over, however late (within its 24 hours).
        assert!(
            matches!(
                store
                    .commit(with_record(t, record("k", "fp", "h4", None, 80_000)))
                    .await,
                Err(StoreError::IdempotencyKeyTaken)
            ),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_expire_after_a_day_and_are_deleted_in_batches() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        for i in 0..5 {
            store
                .commit(with_record(
                    t,
                    record(&format!("k{i}"), "fp", "h", Some(answer(200, b"{}")), i),
                ))
                .await
                .expect("commit");
        }
        assert!(entry(store, t, "k0", at(86_399)).await.is_some(), "{label}");
        assert_eq!(
            entry(store, t, "k0", at(86_400)).await,
            None,
            "{label}: expired"
        );
        // An expired key may be used again, by any request.
        store
            .commit(with_record(t, record("k0", "new", "h9", None, 86_400)))
            .await
            .expect("reuse");
        assert_eq!(
            entry(store, t, "k0", at(86_401))
                .await
                .map(|e| e.fingerprint),
            Some("new".to_string()),
            "{label}"
        );

        // k1..k4 expire at 86_401..86_404; at 86_402 two have, deleted one batch at a time.
        assert_eq!(
            store
                .delete_expired_idempotency(at(86_402), 1)
                .await
                .expect("delete"),
            1,
            "{label}"
        );
        assert_eq!(
            store
                .delete_expired_idempotency(at(86_402), 10)
                .await
                .expect("delete"),
            1,
            "{label}"
        );
        assert_eq!(
            store
                .delete_expired_idempotency(at(86_402), 10)
                .await
                .expect("delete"),
            0,
            "{label}"
        );
        assert!(entry(store, t, "k3", at(86_402)).await.is_some(), "{label}");
        assert!(
            entry(store, t, "k0", at(86_402)).await.is_some(),
            "{label}: the reused key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_attempts_of_one_key_commit_exactly_once() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        for round in 0..3 {
            let key = format!("race-{round}");
            let tasks: Vec<_> = (0..20)
                .map(|i| {
                    let store = db.store.clone();
                    let key = key.clone();
                    tokio::spawn(async move {
                        let stream = onramp_domain::ports::StreamId::new(
                            onramp_domain::ports::AggregateKind::Session,
                            uuid::Uuid::new_v4(),
                        );
                        let mut commit = commit_of(
                            t,
                            append(&stream, 0, 1, snapshot("active", 0, serde_json::json!({}))),
                        );
                        commit.idempotency = Some(record(
                            &key,
                            "fp",
                            &format!("h{i}"),
                            Some(answer(201, b"{}")),
                            0,
                        ));
                        store.commit(commit).await
                    })
                })
                .collect();
            let mut won = 0;
            for task in tasks {
                match task.await.expect("task") {
                    Ok(()) => won += 1,
                    Err(StoreError::IdempotencyKeyTaken) => {}
                    Err(e) => panic!("{label}: {e:?}"),
                }
            }
            assert_eq!(won, 1, "{label}");
            let sessions = db
                .store
                .list(
                    t,
                    onramp_domain::ports::AggregateKind::Session,
                    &onramp_domain::ports::ListQuery {
                        limit: 100,
                        ..Default::default()
                    },
                )
                .await
                .expect("list");
            assert_eq!(
                sessions.items.len(),
                round + 1,
                "{label}: one session per key"
            );
        }
    }
}
