//! PostgreSQL: one connection pool; every write is its own READ COMMITTED transaction, made safe
//! under concurrency by the conditional statements in [`crate::ops`].

use std::str::FromStr;
use std::time::Duration;

use onramp_domain::ports::StoreError;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::db::{Conn, Pooled};
use crate::error::classify;
use crate::ops::{self, WriteOp, WriteOutput};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process; several replicas share one server, so stay well under its
/// `max_connections` (100 by default).
const MAX_CONNECTIONS: u32 = 16;

/// How long a request waits for a free connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL backend.
pub(crate) struct PgBackend {
    pool: PgPool,
}

impl PgBackend {
    /// Connects to `url` and runs the PostgreSQL migrations (under sqlx's advisory lock, so
    /// replicas starting together migrate once).
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(classify)?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Kept: the ping per acquire costs a round trip but replaces connections broken by
            // a server restart or failover before a request fails on them.
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(classify)?;
        MIGRATOR.run(&pool).await.map_err(crate::error::migration)?;
        Ok(Self { pool })
    }

    /// Runs `op` in a transaction of its own.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteOutput, StoreError> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        match ops::execute(&mut Conn::Postgres(&mut tx), op).await {
            Ok(output) => {
                tx.commit().await.map_err(classify)?;
                Ok(output)
            }
            Err(e) => {
                // The error is the news; a failed rollback only means the connection is gone,
                // and the pool discards it.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// A pooled connection for reads.
    pub(crate) async fn reader(&self) -> Result<Pooled, StoreError> {
        self.pool
            .acquire()
            .await
            .map(Pooled::Postgres)
            .map_err(classify)
    }
}
