//! The outbox: leases, retries, completion (alone or inside a commit), concurrent claimers.
//! Timers (jobs with a key) are in `timers.rs`.

use std::collections::HashSet;

use onramp_domain::ports::{Commit, EventStore, JobQueue};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claimed_job_is_leased_until_its_lease_ends() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let id = job_id();
        store
            .commit(jobs_commit(
                t,
                vec![job(id, at(0), None, json!({ "to": "+447700900123" }))],
            ))
            .await
            .expect("enqueue");

        assert!(
            store.claim(at(-1), 30, 10).await.expect("claim").is_empty(),
            "{label}: not due yet"
        );
        assert!(
            store.claim(at(0), 30, 0).await.expect("claim").is_empty(),
            "{label}: limit 0"
        );
        let claimed = store.claim(at(0), 30, 10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "{label}");
        let j = &claimed[0];
        assert_eq!(
            (j.id, j.tenant, j.kind.as_str()),
            (id, t, "test.job"),
            "{label}"
        );
        assert_eq!(
            (j.payload.clone(), j.attempts, j.max_attempts),
            (json!({ "to": "+447700900123" }), 1, 3),
            "{label}"
        );

        for now in [1, 15, 30] {
            assert!(
                store
                    .claim(at(now), 30, 10)
                    .await
                    .expect("claim")
                    .is_empty(),
                "{label}: leased at {now}"
            );
        }
        let again = store.claim(at(31), 30, 10).await.expect("claim");
        assert_eq!(
            again.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
            vec![(id, 2)],
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_job_retries_at_its_run_at_and_dies_after_max_attempts() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let id = job_id();
        store
            .commit(jobs_commit(
                t,
                vec![job(id, at(0), Some("deliver"), json!({}))],
            ))
            .await
            .expect("enqueue");

        assert_eq!(
            store.claim(at(0), 30, 10).await.expect("claim")[0].attempts,
            1,
            "{label}"
        );
        // Failing releases the lease: the retry may come before the old lease would have ended.
        store
            .fail(id, "provider unavailable", at(5))
            .await
            .expect("fail");
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(5)),
            "{label}"
        );
        assert!(
            store.claim(at(4), 30, 10).await.expect("claim").is_empty(),
            "{label}"
        );
        assert_eq!(
            store.claim(at(5), 30, 10).await.expect("claim")[0].attempts,
            2,
            "{label}"
        );
        store
            .fail(id, "provider unavailable", at(60))
            .await
            .expect("fail");
        assert!(
            store.claim(at(59), 30, 10).await.expect("claim").is_empty(),
            "{label}"
        );
        assert_eq!(
            store.claim(at(60), 30, 10).await.expect("claim")[0].attempts,
            3,
            "{label}"
        );
        store
            .fail(id, &"x".repeat(10_000), at(120))
            .await
            .expect("fail a long error");

        // Dead: never claimed again, not pending, and its timer key is free again.
        assert!(
            store
                .claim(at(100_000), 30, 10)
                .await
                .expect("claim")
                .is_empty(),
            "{label}"
        );
        assert_eq!(store.next_due().await.expect("next_due"), None, "{label}");
        store
            .fail(id, "again", at(130))
            .await
            .expect("failing a dead job is a no-op");
        assert!(
            store
                .claim(at(100_000), 30, 10)
                .await
                .expect("claim")
                .is_empty(),
            "{label}"
        );
        store
            .commit(jobs_commit(
                t,
                vec![job(job_id(), at(0), Some("deliver"), json!({}))],
            ))
            .await
            .expect("key free");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn complete_job_inside_a_commit_marks_the_job_done() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, u) = (tenant(), tenant());
        let s = session();
        store
            .commit(commit_of(
                t,
                append(&s, 0, 1, snapshot("active", 0, json!({}))),
            ))
            .await
            .expect("stream");
        let id = job_id();
        store
            .commit(jobs_commit(t, vec![job(id, at(0), None, json!({}))]))
            .await
            .expect("enqueue");
        assert_eq!(
            store.claim(at(0), 30, 10).await.expect("claim").len(),
            1,
            "{label}"
        );

        // A conflicting commit does not complete the job.
        let mut stale = commit_of(t, append(&s, 0, 1, snapshot("completed", 0, json!({}))));
        stale.complete_job = Some(id);
        assert!(is_conflict(&store.commit(stale).await), "{label}");
        // Nor does another tenant's commit naming it.
        let mut foreign = Commit::new(u);
        foreign.complete_job = Some(id);
        store
            .commit(foreign)
            .await
            .expect("another tenant's commit");
        assert_eq!(
            store.claim(at(31), 30, 10).await.expect("claim").len(),
            1,
            "{label}: still pending"
        );

        let mut done = commit_of(t, append(&s, 1, 1, snapshot("completed", 0, json!({}))));
        done.complete_job = Some(id);
        store.commit(done).await.expect("commit with completion");
        assert!(
            store
                .claim(at(1_000), 30, 10)
                .await
                .expect("claim")
                .is_empty(),
            "{label}"
        );
        assert_eq!(store.next_due().await.expect("next_due"), None, "{label}");

        // Completing again, inside a commit or alone, changes nothing and fails nothing.
        let mut again = Commit::new(t);
        again.complete_job = Some(id);
        store.commit(again).await.expect("complete twice");
        store.complete(id).await.expect("complete alone");
        store
            .complete(job_id())
            .await
            .expect("complete an unknown job");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_claimers_claim_each_of_fifty_jobs_once() {
    for db in backends().await {
        let label = db.label;
        let (t, u) = (tenant(), tenant());
        let mut enqueued = HashSet::new();
        for i in 0..50_i64 {
            let id = job_id();
            enqueued.insert(id);
            let owner = if i % 2 == 0 { t } else { u };
            db.store
                .commit(jobs_commit(
                    owner,
                    vec![job(id, at(i % 7), None, json!({ "i": i }))],
                ))
                .await
                .expect("enqueue");
        }
        let claimers: Vec<_> = (0..10)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store.claim(at(10), 600, 3).await.expect("claim");
                        if batch.is_empty() {
                            return mine;
                        }
                        mine.extend(batch);
                    }
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for claimer in claimers {
            claimed.extend(claimer.await.expect("claimer"));
        }
        let ids: HashSet<_> = claimed.iter().map(|j| j.id).collect();
        assert_eq!(claimed.len(), 50, "{label}: every job claimed once");
        assert_eq!(ids, enqueued, "{label}");
        assert!(claimed.iter().all(|j| j.attempts == 1), "{label}");
    }
}
