//! Group commit (issue 11, item 4): commits that arrive together share one transaction (one
//! SQLite transaction with a savepoint each, one PostgreSQL statement with a subtransaction
//! each), and one that fails undoes only itself.

use onramp_domain::ports::{
    Commit, EventStore, IdempotencyRecord, IdempotencyStore, JobQueue, StoreError,
};
use serde_json::json;

use super::support::*;

/// What one concurrent commit of the mix was.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// A new stream of its own: must be kept.
    Alone,
    /// One of several creating the same stream: exactly one is kept.
    Contender,
    /// One of several attempts holding the same idempotency key: exactly one is kept.
    KeyHolder,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_that_fails_beside_others_undoes_only_itself() {
    for db in backends().await {
        let label = db.label;
        let t = tenant();
        let shared = session();
        let mut tasks = Vec::new();
        // Four rounds of 32 commits started at once, every other one a commit of its own, so
        // that groups mix commits that are kept with commits that fail. A round contends for
        // one stream or for one key, never both: two groups locking both in opposite orders
        // would deadlock, and PostgreSQL would break it by failing one as a conflict.
        for round in 0..4_u32 {
            for n in 0..32_u32 {
                let role = match (n % 2, round % 2) {
                    (0, _) => Role::Alone,
                    (_, 0) => Role::Contender,
                    _ => Role::KeyHolder,
                };
                let own = session();
                let mut commit = Commit::new(t);
                let stream = if role == Role::Contender {
                    shared.clone()
                } else {
                    own.clone()
                };
                let expected = if role == Role::Contender {
                    u64::from(round / 2)
                } else {
                    0
                };
                commit.streams.push(append(
                    &stream,
                    expected,
                    1,
                    snapshot("active", 0, json!({ "round": round, "n": n })),
                ));
                commit
                    .jobs
                    .push(job(job_id(), at(0), None, json!({ "n": n })));
                if role == Role::KeyHolder {
                    commit.idempotency =
                        Some(record(&format!("key-{round}"), &format!("holder-{n}")));
                }
                let store = db.store.clone();
                tasks.push(tokio::spawn(async move {
                    (role, own, store.commit(commit).await)
                }));
            }
            let mut kept = (0, 0, 0);
            let mut losers = Vec::new();
            for task in tasks.drain(..) {
                let (role, own, result) = task.await.expect("task");
                match (role, result) {
                    (Role::Alone, Ok(())) => kept.0 += 1,
                    (Role::Contender, Ok(())) => kept.1 += 1,
                    (Role::KeyHolder, Ok(())) => kept.2 += 1,
                    (Role::Contender, Err(e)) => {
                        assert!(matches!(e, StoreError::Conflict(_)), "{label}: {e:?}");
                    }
                    (Role::KeyHolder, Err(e)) => {
                        assert!(
                            matches!(e, StoreError::IdempotencyKeyTaken),
                            "{label}: {e:?}"
                        );
                        losers.push(own);
                    }
                    (Role::Alone, Err(e)) => panic!("{label}: a commit of its own failed: {e:?}"),
                }
            }
            let contended = if round % 2 == 0 { (1, 0) } else { (0, 1) };
            assert_eq!(
                kept,
                (16, contended.0, contended.1),
                "{label}: round {round}"
            );
            // A loser wrote nothing: no stream, no event.
            for own in losers {
                assert_eq!(db.store.load(t, &own).await.expect("load"), None, "{label}");
                assert!(
                    db.store
                        .events(t, &own, 0, 10)
                        .await
                        .expect("events")
                        .is_empty()
                );
            }
            if round % 2 == 0 {
                let loaded = db
                    .store
                    .load(t, &shared)
                    .await
                    .expect("load")
                    .expect("exists");
                assert_eq!(loaded.version, u64::from(round / 2) + 1, "{label}");
            } else {
                let entry = db
                    .store
                    .idempotency_entry(t, &format!("key-{round}"), at(1))
                    .await
                    .expect("entry")
                    .expect("the winner's record");
                assert!(entry.holder.starts_with("holder-"), "{label}");
            }
        }
        // Every kept commit's job and only those: 16 + 1 a round.
        let claimed = db.store.claim(at(10), 30, 1000).await.expect("claim");
        assert_eq!(claimed.len(), 4 * 17, "{label}");
    }
}

fn record(key: &str, holder: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.to_string(),
        fingerprint: "same request".to_string(),
        holder: holder.to_string(),
        answer: None,
        secret_withheld: false,
        now: at(0),
        lease_until: at(30),
        expires_at: at(86_400),
    }
}
