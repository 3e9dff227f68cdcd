//! `onramp bench seed`: N started sessions of the conversational-profile flow written straight
//! to the server's database through the SQL store, in batches, not over HTTP: a full store to
//! measure journeys against (issue 11 item 4, step p99 with 1,000,000 sessions stored beside an
//! empty store; `bench/flat.sh`). Each session is stored as the API stores a new one
//! (`onramp_domain::app::seed::started_session`): its `session.started` event and its row.

use std::time::Instant;

use anyhow::{Context, ensure};
use clap::Args;
use onramp_domain::app::seed::started_session;
use onramp_domain::flow::{Flow, load_all};
use onramp_domain::ids::{SessionId, TenantId};
use onramp_domain::ports::{Commit, EventStore};
use onramp_sql::SqlStore;
use time::OffsetDateTime;
use tokio::task::JoinSet;
use uuid::Uuid;

/// The flow of `onramp bench journeys`.
const FLOW: &str = include_str!("../../../../spec/flows/conversational-profile.toml");

/// `onramp bench seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The server's database, `sqlite://FILE` or `postgres://...` (migrated if it is new).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Sessions to write.
    #[arg(long, default_value_t = 1_000_000)]
    sessions: usize,
    /// The tenant to write them for (`onramp tenant create` prints its id); a tenant id of
    /// their own when absent.
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<Uuid>,
    /// Sessions per commit.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Commits in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// Writes the sessions and prints how long it took.
///
/// # Errors
/// The database refusing the connection or a commit; a batch or concurrency of 0.
pub async fn run(args: SeedArgs) -> anyhow::Result<bool> {
    ensure!(args.batch > 0, "--batch must be at least 1");
    ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let flow = load_all(&[("conversational-profile", FLOW)])
        .map_err(|(name, e)| anyhow::anyhow!("flow {name}: {e}"))?
        .pop()
        .context("the flow template")?;
    let store = SqlStore::connect(&args.database_url)
        .await
        .with_context(|| format!("opening {}", args.database_url))?;
    let tenant = TenantId::new(args.tenant.unwrap_or_else(Uuid::now_v7));
    let started = Instant::now();
    let batches = args.sessions.div_ceil(args.batch);
    let mut workers = JoinSet::new();
    for worker in 0..args.concurrency {
        let (store, flow) = (store.clone(), flow.clone());
        let (sessions, batch, concurrency) = (args.sessions, args.batch, args.concurrency);
        workers.spawn(async move {
            for b in (worker..batches).step_by(concurrency) {
                let size = batch.min(sessions - b * batch);
                store.commit(seed_commit(&flow, tenant, size)?).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done.context("a seeding worker panicked")??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {} sessions for tenant {tenant} in {secs:.1} s ({:.0} per second)",
        args.sessions,
        args.sessions as f64 / secs.max(f64::EPSILON)
    );
    Ok(true)
}

/// One commit of `size` new sessions of `tenant`.
fn seed_commit(flow: &Flow, tenant: TenantId, size: usize) -> anyhow::Result<Commit> {
    let mut commit = Commit::new(tenant);
    let now = OffsetDateTime::now_utc();
    for _ in 0..size {
        commit.streams.push(started_session(
            flow,
            SessionId::new(Uuid::now_v7()),
            None,
            now,
        )?);
    }
    Ok(commit)
}
