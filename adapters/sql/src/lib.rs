//! # onramp-sql
//!
//! Onramp's persistence adapter: it implements the domain's store ports
//! ([`EventStore`], [`JobQueue`], [`TenantStore`],
//! [`IdempotencyStore`](onramp_domain::ports::IdempotencyStore),
//! [`Retention`](onramp_domain::ports::Retention),
//! [`SandboxObjects`](onramp_domain::ports::SandboxObjects)) on SQLite or PostgreSQL, chosen by
//! the database URL (DESIGN.md section 4).
//!
//! [`SqlStore::connect`] opens the database, runs the embedded migrations of that engine and
//! returns one cloneable handle implementing all six ports.
//!
//! - **Events and projections.** Each aggregate is an append-only stream in `events` plus one
//!   row of queryable columns in `aggregates` and its whole state in `snapshots`, written in the
//!   same transaction; the stream's version is the optimistic-concurrency check, and a conflict
//!   writes nothing. The state is rewritten only when the write asks
//!   (`StreamWrite::store_state`); reads return it with the events since (`Loaded::pending`).
//! - **Jobs.** The outbox and timers share `jobs`: claimed with a lease, retried, then dead. The
//!   sandbox test clock (`JobQueue::advance_timers`) moves one tenant's pending jobs earlier.
//! - **Tenancy.** Every table has `tenant_id`, and every query of a tenant's data filters on it
//!   (P-TEN-1). The job queue's claim is the system-wide exception; each job carries its tenant.
//! - **SQLite** (`sqlite://onramp.db`, created if missing) runs every write through one writer
//!   thread that groups concurrent requests into one transaction, each in its own savepoint, and
//!   every read on the reading request's thread, both on connections of SQLite's own API
//!   (rusqlite) rather than sqlx's; see the `sqlite` module for the durability trade-off of
//!   `synchronous=NORMAL`.
//! - **PostgreSQL** (`postgres://...`) sends each commit in one statement, with the commits
//!   of other requests queued beside it in one transaction (group commit, the `postgres`
//!   module); other writes run in their own transactions on a pool.
//!
//! # Layout
//! - `ops/`: every statement and the logic around it, written once for both engines;
//! - `db.rs`: the seam that runs a statement on either engine;
//! - `native.rs`: statements on SQLite's own API (binding, rows, the `native_row!` lists);
//! - `codec.rs`: rows to domain types, timestamps, listing cursors;
//! - `sqlite/`, `postgres/`: connection set-up and how writes reach the database;
//! - `error.rs`: `classify`, the one mapping of database failures to [`StoreError`];
//! - `cache.rs`: the decide cache ([`SqlStore::with_decide_cache`]);
//! - `housekeeping.rs`: idempotency records read back, and retention;
//! - `sandbox.rs`: the sandbox's simulated provider objects (PayPal orders, Stripe customers,
//!   BSP senders, ...), so that they survive a restart like the rest.
//!
//! # Example
//! ```
//! use onramp_domain::ids::TenantId;
//! use onramp_domain::ports::{AggregateKind, EventStore, StreamId};
//! use onramp_sql::{Backend, SqlStore};
//!
//! # let dir = std::env::temp_dir().join(format!("onramp-doc-{}", uuid::Uuid::new_v4()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let url = format!("sqlite://{}", dir.join("onramp.db").display());
//! let runtime = tokio::runtime::Runtime::new().unwrap();
//! runtime.block_on(async {
//!     let store = SqlStore::connect(&url).await.unwrap();
//!     assert_eq!(store.backend(), Backend::Sqlite);
//!     store.ping().await.unwrap();
//!     let tenant = TenantId::new(uuid::Uuid::new_v4());
//!     let stream = StreamId::new(AggregateKind::Session, uuid::Uuid::new_v4());
//!     assert!(store.load(tenant, &stream).await.unwrap().is_none());
//! });
//! # drop(runtime);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

#![deny(missing_docs)]

mod cache;
mod codec;
mod columns;
mod db;
mod error;
mod housekeeping;
mod native;
mod ops;
mod outbound;
mod postgres;
mod sandbox;
mod sqlite;
mod stats;
mod tenant_events;

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::ports::{
    AggregateKind, ClaimedJob, Commit, EventStore, JobQueue, ListQuery, Loaded, Page, StoreError,
    StoredEvent, StreamId, Tenant, TenantStore,
};
use time::OffsetDateTime;

use crate::db::Pooled;
use crate::ops::{WriteOp, WriteOutput};
use crate::postgres::PgBackend;
use crate::sqlite::SqliteBackend;

pub use stats::{BreakerCount, PoolStats, QueueStats};

/// Most write requests the SQLite writer commits in one transaction.
pub const SQLITE_MAX_WRITE_GROUP: usize = sqlite::MAX_BATCH;

/// The database engine behind a [`SqlStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A SQLite file (`sqlite://path`), WAL mode, one writer thread.
    Sqlite,
    /// A PostgreSQL server (`postgres://` or `postgresql://`).
    Postgres,
}

/// The store: every persistence port on one database. Cheap to clone (an [`Arc`] inside);
/// clones share the pool and, on SQLite, the writer thread, which stops when the last clone is
/// dropped.
#[derive(Clone)]
pub struct SqlStore {
    inner: Arc<Inner>,
    cache: Option<Arc<cache::DecideCache>>,
}

/// Names the engine only: the pools' options hold the database password.
impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

enum Inner {
    Sqlite(SqliteBackend),
    Postgres(PgBackend),
}

impl SqlStore {
    /// Connects to `url`, runs the embedded migrations of its engine and returns the store.
    /// `sqlite://path` creates the file if missing; `postgres://` / `postgresql://` need the
    /// database to exist. Must be called inside a tokio runtime (the SQLite writer is spawned on
    /// it).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached;
    /// [`StoreError::Unexpected`] for an unsupported URL (another scheme, in-memory SQLite) or a
    /// failed migration.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        let inner = match backend_of(url)? {
            Backend::Sqlite => Inner::Sqlite(SqliteBackend::connect(url).await?),
            Backend::Postgres => Inner::Postgres(PgBackend::connect(url).await?),
        };
        Ok(SqlStore {
            inner: Arc::new(inner),
            cache: None,
        })
    }

    /// Keeps the projection rows this process commits or reads to decide on, within about
    /// `budget_bytes` (`EventStore::load_for_decide`; issue 11, item 4). Correct with several
    /// processes on one database: every commit checks the version it decided on, and a commit
    /// that fails drops the rows it touched. `0` keeps none.
    #[must_use]
    pub fn with_decide_cache(mut self, budget_bytes: u64) -> Self {
        self.cache = (budget_bytes > 0).then(|| Arc::new(cache::DecideCache::new(budget_bytes)));
        self
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers (and, on SQLite, that the writer thread runs): for
    /// `/readyz`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        if let Inner::Sqlite(s) = &*self.inner {
            s.check_writer()?;
        }
        let mut pooled = self.reader().await?;
        pooled
            .conn()
            .execute("SELECT 1", Vec::new())
            .await
            .map(|_| ())
    }

    async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        match &*self.inner {
            Inner::Sqlite(s) => s.write(op).await,
            Inner::Postgres(p) => p.write(op).await,
        }
    }

    async fn reader(&self) -> Result<Pooled, StoreError> {
        match &*self.inner {
            Inner::Sqlite(s) => s.reader(),
            Inner::Postgres(p) => p.reader().await,
        }
    }
}

/// The engine a URL names, by scheme. Only the scheme is echoed in errors: the rest may hold a
/// password.
/// Records the size of one group commit of `engine` in the `onramp_store_group_size`
/// histogram (the server renders it at `/metrics`; without a recorder this does nothing).
fn group_size(engine: &'static str, commits: usize) {
    #[allow(clippy::cast_precision_loss)] // group sizes are far below 2^52
    metrics::histogram!("onramp_store_group_size", "engine" => engine).record(commits as f64);
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        other => Err(error::unexpected(format!(
            "unsupported database URL scheme {other:?}: use sqlite://path or postgres://..."
        ))),
    }
}

#[async_trait]
impl EventStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %commit.tenant, streams = commit.streams.len()))]
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        // Encoding the record needs no connection: done here, not in the SQLite writer.
        let prepared = ops::Prepared::new(commit)?;
        let Some(cache) = &self.cache else {
            return self
                .write(WriteOp::Commit(Box::new(prepared)))
                .await?
                .done();
        };
        let tenant = prepared.commit().tenant;
        let rows = cache::DecideCache::rows_of(prepared.commit());
        let result = self
            .write(WriteOp::Commit(Box::new(prepared)))
            .await
            .and_then(WriteOutput::done);
        match &result {
            Ok(()) => cache.committed(tenant, rows),
            Err(_) => {
                let streams: Vec<StreamId> = rows.into_iter().map(|r| r.stream).collect();
                cache.failed(tenant, &streams);
            }
        }
        result
    }

    async fn load_for_decide(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Loaded>, StoreError> {
        let Some(cache) = &self.cache else {
            return self.load(tenant, stream).await;
        };
        if let Some(row) = cache.get(tenant, stream) {
            return Ok(Some(row));
        }
        let row = self.load(tenant, stream).await?;
        if let Some(row) = &row {
            cache.keep(tenant, row.clone());
        }
        Ok(row)
    }

    async fn load(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Loaded>, StoreError> {
        ops::load(&mut self.reader().await?.conn(), tenant, stream).await
    }

    async fn events(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        ops::events(
            &mut self.reader().await?.conn(),
            tenant,
            stream,
            after_version,
            limit,
        )
        .await
    }

    async fn stream_owner(&self, stream: &StreamId) -> Result<Option<TenantId>, StoreError> {
        ops::stream_owner(&mut self.reader().await?.conn(), stream).await
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: AggregateKind,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        ops::list(&mut self.reader().await?.conn(), tenant, kind, query).await
    }
}

#[async_trait]
impl JobQueue for SqlStore {
    #[tracing::instrument(level = "debug", skip(self))]
    async fn claim(
        &self,
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        self.write(WriteOp::Claim {
            now,
            lease_seconds,
            limit,
        })
        .await?
        .claimed()
    }

    async fn complete(&self, id: JobId) -> Result<(), StoreError> {
        self.write(WriteOp::Complete(id)).await?.done()
    }

    async fn fail(&self, id: JobId, error: &str, run_at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(WriteOp::Fail {
            id,
            error: error.to_string(),
            run_at,
        })
        .await?
        .done()
    }

    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        ops::next_due(&mut self.reader().await?.conn()).await
    }

    #[tracing::instrument(level = "debug", skip(self))]
    async fn advance_timers(&self, tenant: TenantId, seconds: i64) -> Result<u64, StoreError> {
        self.write(WriteOp::AdvanceTimers { tenant, seconds })
            .await?
            .count()
    }
}

#[async_trait]
impl TenantStore for SqlStore {
    async fn create_tenant(&self, tenant: &Tenant, api_key_hash: &str) -> Result<(), StoreError> {
        let op = WriteOp::CreateTenant {
            tenant: tenant.clone(),
            api_key_hash: api_key_hash.to_string(),
        };
        self.write(op).await?.done()
    }

    async fn tenant_by_key_hash(&self, api_key_hash: &str) -> Result<Option<Tenant>, StoreError> {
        ops::tenant_by_key_hash(&mut self.reader().await?.conn(), api_key_hash).await
    }

    async fn tenant_count(&self) -> Result<u64, StoreError> {
        ops::tenant_count(&mut self.reader().await?.conn()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_engine_by_scheme() {
        assert_eq!(backend_of("sqlite://onramp.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("sqlite:onramp.db").ok(), Some(Backend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
    }

    #[test]
    fn other_schemes_are_rejected_without_echoing_the_url() {
        let err = backend_of("mysql://user:secret@host/db")
            .err()
            .map(|e| format!("{:?}", e))
            .unwrap_or_default();
        assert!(err.contains("mysql"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
