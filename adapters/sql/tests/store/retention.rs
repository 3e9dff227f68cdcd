//! Retention (issue 11, item 7): done jobs and stored webhooks deleted by age in bounded
//! batches, pending jobs and other aggregates left alone, SQLite's freed pages returned.

use onramp_domain::ports::{AggregateKind, EventStore, JobQueue, ListQuery, Retention, StreamId};
use serde_json::json;
use sqlx::Connection;
use time::{Duration, OffsetDateTime};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn done_jobs_are_deleted_oldest_first_in_batches_and_pending_ones_kept() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let now = OffsetDateTime::now_utc();
        let jobs: Vec<_> = (0..5)
            .map(|_| job(job_id(), at(0), None, json!({})))
            .collect();
        store.commit(jobs_commit(t, jobs)).await.expect("enqueue");
        let claimed = store.claim(now, 30, 3).await.expect("claim");
        assert_eq!(claimed.len(), 3, "{label}");
        for j in &claimed {
            store.complete(j.id).await.expect("complete");
        }
        let later = now + Duration::hours(1);
        assert_eq!(
            store
                .delete_done_jobs(now - Duration::hours(1), 10)
                .await
                .expect("delete"),
            0,
            "{label}: none old enough"
        );
        assert_eq!(
            store.delete_done_jobs(later, 2).await.expect("delete"),
            2,
            "{label}"
        );
        assert_eq!(
            store.delete_done_jobs(later, 2).await.expect("delete"),
            1,
            "{label}"
        );
        assert_eq!(
            store.delete_done_jobs(later, 2).await.expect("delete"),
            0,
            "{label}"
        );
        // The two pending jobs are still there to run.
        let pending = store.claim(later, 30, 10).await.expect("claim");
        assert_eq!(pending.len(), 2, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stored_webhooks_are_deleted_with_their_events_by_age_and_nothing_else() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let hook = |n: u32| StreamId::new(AggregateKind::WebhookEvent, format!("stripe:evt_{n}"));
        for (n, created) in [(1, 0), (2, 10), (3, 20)] {
            let write = append(
                &hook(n),
                0,
                1,
                snapshot("stored", created, json!({ "n": n })),
            );
            store.commit(commit_of(t, write)).await.expect("webhook");
        }
        let stream = session();
        store
            .commit(commit_of(
                t,
                append(&stream, 0, 1, snapshot("active", 0, json!({}))),
            ))
            .await
            .expect("session");

        assert_eq!(
            store.delete_webhooks(at(15), 1).await.expect("delete"),
            1,
            "{label}"
        );
        assert_eq!(
            store.delete_webhooks(at(15), 10).await.expect("delete"),
            1,
            "{label}"
        );
        assert_eq!(
            store.delete_webhooks(at(15), 10).await.expect("delete"),
            0,
            "{label}"
        );
        for n in [1, 2] {
            assert_eq!(
                store.load(t, &hook(n)).await.expect("load"),
                None,
                "{label}"
            );
            assert!(
                store
                    .events(t, &hook(n), 0, 10)
                    .await
                    .expect("events")
                    .is_empty(),
                "{label}"
            );
        }
        assert!(
            store.load(t, &hook(3)).await.expect("load").is_some(),
            "{label}"
        );
        assert_eq!(
            store
                .events(t, &hook(3), 0, 10)
                .await
                .expect("events")
                .len(),
            1,
            "{label}"
        );
        assert!(
            store.load(t, &stream).await.expect("load").is_some(),
            "{label}"
        );
        let sessions = store
            .list(
                t,
                AggregateKind::Session,
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("list");
        assert_eq!(sessions.items.len(), 1, "{label}");
        // A redelivery after its deletion is new again.
        let again = append(&hook(1), 0, 1, snapshot("stored", 30, json!({ "n": 1 })));
        store
            .commit(commit_of(t, again))
            .await
            .expect("stored anew");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_space_of_deleted_rows_is_returned_to_the_file_system_on_sqlite() {
    for db in backends().await {
        let (store, label) = (&db.store, db.label);
        let t = tenant();
        let now = OffsetDateTime::now_utc();
        let big = "x".repeat(16 * 1024);
        for _ in 0..4 {
            let jobs: Vec<_> = (0..50)
                .map(|_| job(job_id(), at(0), None, json!({ "padding": big })))
                .collect();
            store.commit(jobs_commit(t, jobs)).await.expect("enqueue");
        }
        loop {
            let claimed = store.claim(now, 30, 100).await.expect("claim");
            if claimed.is_empty() {
                break;
            }
            for j in &claimed {
                store.complete(j.id).await.expect("complete");
            }
        }
        let later = now + Duration::hours(1);
        while store.delete_done_jobs(later, 64).await.expect("delete") > 0 {}
        if label != "sqlite" {
            store.reclaim_space().await.expect("a no-op elsewhere");
            continue;
        }
        let free_pages = || async {
            let mut conn = sqlx::SqliteConnection::connect(&db.url)
                .await
                .expect("connect");
            let (pages,): (i64,) = sqlx::query_as("PRAGMA freelist_count")
                .fetch_one(&mut conn)
                .await
                .expect("freelist");
            pages
        };
        let before = free_pages().await;
        assert!(
            before > 100,
            "{label}: {before} free pages after the delete"
        );
        while free_pages().await > 0 {
            store.reclaim_space().await.expect("reclaim");
            assert!(
                free_pages().await < before,
                "{label}: the free list shrinks"
            );
        }
    }
}
