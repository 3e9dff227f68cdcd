//! Timers, the outbox's jobs with a key: replaced by key and cancelled, and moved forward for one
//! tenant (`advance_timers`, the sandbox clock).

use onramp_domain::ports::{Commit, EventStore, JobQueue, NewJob};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timers_are_replaced_by_key_and_cancelled() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, u) = (tenant(), tenant());
        assert_eq!(store.next_due().await.expect("next_due"), None, "{label}");

        let (first, second, cancelled, others) = (job_id(), job_id(), job_id(), job_id());
        store
            .commit(jobs_commit(
                t,
                vec![job(first, at(10), Some("expiry"), json!({ "n": 1 }))],
            ))
            .await
            .expect("first");
        store
            .commit(jobs_commit(
                t,
                vec![job(second, at(20), Some("expiry"), json!({ "n": 2 }))],
            ))
            .await
            .expect("replace");
        store
            .commit(jobs_commit(
                t,
                vec![job(cancelled, at(5), Some("reminder"), json!({}))],
            ))
            .await
            .expect("reminder");
        // Keys are per tenant: the same key of another tenant is another timer.
        store
            .commit(jobs_commit(
                u,
                vec![job(others, at(30), Some("expiry"), json!({ "n": 3 }))],
            ))
            .await
            .expect("other tenant");
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(5)),
            "{label}"
        );

        let mut cancel = Commit::new(t);
        cancel.cancel_timers.push("reminder".to_string());
        store.commit(cancel).await.expect("cancel");
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(20)),
            "{label}"
        );

        // Cancelling and scheduling the same key in one commit keeps the new timer.
        let rescheduled = job_id();
        let mut both = jobs_commit(
            t,
            vec![job(
                rescheduled,
                at(25),
                Some("reminder"),
                json!({ "again": true }),
            )],
        );
        both.cancel_timers.push("reminder".to_string());
        store.commit(both).await.expect("reschedule");

        let claimed = store.claim(at(100), 30, 10).await.expect("claim");
        let got: Vec<_> = claimed
            .iter()
            .map(|j| (j.id, j.tenant, j.payload.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (second, t, json!({ "n": 2 })),
                (rescheduled, t, json!({ "again": true })),
                (others, u, json!({ "n": 3 }))
            ],
            "{label}: oldest due first, replaced and cancelled timers gone"
        );
        // While leased, the jobs are next due when their lease ends.
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(130)),
            "{label}"
        );
        for j in &claimed {
            store.complete(j.id).await.expect("complete");
        }
        assert_eq!(store.next_due().await.expect("next_due"), None, "{label}");
        // A completed timer no longer holds its key.
        store
            .commit(jobs_commit(
                t,
                vec![job(job_id(), at(200), Some("expiry"), json!({}))],
            ))
            .await
            .expect("new timer");
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(200)),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn advancing_timers_moves_only_the_tenants_pending_jobs() {
    const DAY: i64 = 86_400;
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let (t, u) = (tenant(), tenant());

        // A done job and a dead job of the tenant: finished, they must not move.
        let (done, dead) = (job_id(), job_id());
        let dies_at_once = NewJob {
            max_attempts: 1,
            ..job(dead, at(0), None, json!({}))
        };
        store
            .commit(jobs_commit(
                t,
                vec![job(done, at(0), None, json!({})), dies_at_once],
            ))
            .await
            .expect("enqueue");
        assert_eq!(
            store.claim(at(0), 30, 10).await.expect("claim").len(),
            2,
            "{label}"
        );
        store.complete(done).await.expect("complete");
        store.fail(dead, "gone", at(1)).await.expect("fail");

        // Pending: a trial's end in seven days, a job after it, and another tenant's timer.
        let (timer, later, foreign) = (job_id(), job_id(), job_id());
        store
            .commit(jobs_commit(
                t,
                vec![
                    job(timer, at(7 * DAY), Some("trial.end"), json!({})),
                    job(later, at(7 * DAY + 100), None, json!({})),
                ],
            ))
            .await
            .expect("tenant's timers");
        store
            .commit(jobs_commit(
                u,
                vec![job(foreign, at(7 * DAY), Some("trial.end"), json!({}))],
            ))
            .await
            .expect("another tenant's timer");

        assert_eq!(
            store.advance_timers(t, 6 * DAY).await.expect("advance"),
            2,
            "{label}: the two pending jobs, not the done or dead one"
        );
        assert!(
            store.claim(at(0), 30, 10).await.expect("claim").is_empty(),
            "{label}: six days are not enough"
        );
        assert_eq!(
            store.advance_timers(t, DAY).await.expect("advance"),
            2,
            "{label}"
        );
        assert_eq!(
            store.next_due().await.expect("next_due"),
            Some(at(0)),
            "{label}"
        );
        assert!(
            store.claim(at(-1), 30, 10).await.expect("claim").is_empty(),
            "{label}: moved exactly seven days"
        );
        let claimed = store.claim(at(0), 30, 10).await.expect("claim");
        assert_eq!(
            claimed.iter().map(|j| (j.id, j.tenant)).collect::<Vec<_>>(),
            vec![(timer, t)],
            "{label}: due after seven days"
        );
        store.complete(timer).await.expect("complete");
        let claimed = store.claim(at(100), 30, 10).await.expect("claim");
        assert_eq!(
            claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![later],
            "{label}"
        );
        store.complete(later).await.expect("complete");
        assert!(
            store
                .claim(at(7 * DAY - 1), 30, 10)
                .await
                .expect("claim")
                .is_empty(),
            "{label}: the other tenant's timer did not move"
        );
        let claimed = store.claim(at(7 * DAY), 30, 10).await.expect("claim");
        assert_eq!(
            claimed.iter().map(|j| (j.id, j.tenant)).collect::<Vec<_>>(),
            vec![(foreign, u)],
            "{label}"
        );

        assert_eq!(
            store.advance_timers(tenant(), DAY).await.expect("advance"),
            0,
            "{label}: a tenant without jobs"
        );
        assert!(
            store.advance_timers(t, 0).await.is_err(),
            "{label}: the clock only moves forward"
        );
    }
}
