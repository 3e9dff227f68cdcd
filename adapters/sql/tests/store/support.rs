//! Backends under test and builders for commits.
//!
//! [`backends`] gives a fresh SQLite file per call and, when `ONRAMP_TEST_DATABASE_URL` is set,
//! a fresh PostgreSQL database (created on that server, dropped when the [`TestDb`] is dropped,
//! best effort). Testcontainers is not used: no container engine runs on these machines.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Once;

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::ports::{
    AggregateKind, Commit, NewEvent, NewJob, Snapshot, StoreError, StreamId, StreamWrite,
};
use onramp_sql::SqlStore;
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// The server to create PostgreSQL test databases on, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub const DATABASE_URL_VAR: &str = "ONRAMP_TEST_DATABASE_URL";

/// A store on a throwaway database.
pub struct TestDb {
    /// Which engine, for assertion messages.
    pub label: &'static str,
    /// The URL the store was opened with (to reopen it).
    pub url: String,
    /// The store.
    pub store: SqlStore,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, database: String },
}

/// The stores to run a test against: SQLite always, PostgreSQL when configured.
///
/// # Panics
/// When `CI` is set but `ONRAMP_TEST_DATABASE_URL` is not: CI must run both engines.
pub async fn backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => dbs.push(postgres(&url).await),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "CI must set {DATABASE_URL_VAR} (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
            )
        }
        _ => announce_skip(),
    }
    dbs
}

fn announce_skip() {
    static ONCE: Once = Once::new();
    // Written to stderr directly rather than with eprintln!, which the test harness captures.
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "PostgreSQL suite skipped: set {DATABASE_URL_VAR}"
        );
    });
}

async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(format!("onramp-sql-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("onramp.db").display());
    let store = SqlStore::connect(&url).await.expect("open SQLite store");
    TestDb {
        label: "sqlite",
        url,
        store,
        cleanup: Cleanup::Sqlite { dir },
    }
}

async fn postgres(admin_url: &str) -> TestDb {
    let database = format!("t_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(admin_url)
        .await
        .expect("connect to ONRAMP_TEST_DATABASE_URL");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let mut url = url::Url::parse(admin_url).expect("ONRAMP_TEST_DATABASE_URL is a URL");
    url.set_path(&database);
    let url = url.to_string();
    let store = SqlStore::connect(&url)
        .await
        .expect("open PostgreSQL store");
    TestDb {
        label: "postgres",
        url,
        store,
        cleanup: Cleanup::Postgres {
            admin_url: admin_url.to_string(),
            database,
        },
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres {
                admin_url,
                database,
            } => {
                let (admin_url, database) = (admin_url.clone(), database.clone());
                // Drop may run on a runtime thread, which cannot block on async work: use a
                // thread with a runtime of its own.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                        admin.execute(sqlx::AssertSqlSafe(sql)).await.ok()?;
                        admin.close().await.ok()
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}

/// A fresh tenant id.
pub fn tenant() -> TenantId {
    TenantId::new(Uuid::now_v7())
}

/// A fresh job id.
pub fn job_id() -> JobId {
    JobId::new(Uuid::now_v7())
}

/// A fresh session stream.
pub fn session() -> StreamId {
    StreamId::new(AggregateKind::Session, Uuid::now_v7())
}

/// The suite's epoch plus `seconds`: times are inputs, never the wall clock.
pub fn at(seconds: i64) -> OffsetDateTime {
    datetime!(2026-01-01 00:00 UTC) + time::Duration::seconds(seconds)
}

/// A projection row with the given status, created at `at(created)`.
pub fn snapshot(status: &str, created: i64, state: Value) -> Snapshot {
    Snapshot {
        status: status.to_string(),
        flow_id: Some("signup".to_string()),
        phone: Some("+447700900123".to_string()),
        external_ref: Some("crm-1".to_string()),
        session_id: Some("session-1".to_string()),
        created_at: at(created),
        updated_at: at(created + 1),
        state,
    }
}

/// Appends `count` events (`test.happened`, payload `{"n": k}`) to `stream` at `expected`.
pub fn append(stream: &StreamId, expected: u64, count: u64, snapshot: Snapshot) -> StreamWrite {
    let events = (1..=count)
        .map(|k| NewEvent {
            event_type: "test.happened".to_string(),
            payload: json!({ "n": expected + k }),
            recorded_at: at(i64::try_from(expected + k).unwrap_or(0)),
        })
        .collect();
    StreamWrite {
        stream: stream.clone(),
        expected_version: expected,
        events,
        snapshot,
        store_state: true,
    }
}

/// A commit of one stream write.
pub fn commit_of(tenant: TenantId, write: StreamWrite) -> Commit {
    let mut commit = Commit::new(tenant);
    commit.streams.push(write);
    commit
}

/// A job due at `run_at`, allowed three attempts.
pub fn job(id: JobId, run_at: OffsetDateTime, timer_key: Option<&str>, payload: Value) -> NewJob {
    NewJob {
        id,
        kind: "test.job".to_string(),
        payload,
        run_at,
        timer_key: timer_key.map(str::to_string),
        max_attempts: 3,
    }
}

/// A commit that only enqueues `jobs`.
pub fn jobs_commit(tenant: TenantId, jobs: Vec<NewJob>) -> Commit {
    let mut commit = Commit::new(tenant);
    commit.jobs = jobs;
    commit
}

/// Whether `result` is a [`StoreError::Conflict`].
pub fn is_conflict<T>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict(_)))
}
