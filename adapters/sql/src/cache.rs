//! The in-process cache of projection rows to decide on (issue 11, item 4): a use case that
//! changes an aggregate reads its state from here instead of the database, and the commit checks
//! the version it read as always. A state another process changed since is stale here; its
//! commit then fails with a conflict, the entry is dropped, and the caller reads the database.
//!
//! Bounded by an approximate byte budget (quick_cache's weighted S3-FIFO). Reads for answers
//! (`EventStore::load`) never come from here: only `load_for_decide` does.

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Commit, Loaded, StreamId};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use serde_json::Value;

type Key = (TenantId, StreamId);

/// Projection rows by tenant and stream, weighed by their approximate size in bytes.
pub(crate) struct DecideCache {
    rows: Cache<Key, Loaded, RowWeight>,
}

#[derive(Clone)]
struct RowWeight;

impl Weighter<Key, Loaded> for RowWeight {
    fn weight(&self, key: &Key, row: &Loaded) -> u64 {
        let fixed = 256 + key.1.id.len();
        let pending: usize = row
            .pending
            .iter()
            .map(|e| 128 + json_size(&e.payload))
            .sum();
        u64::try_from(fixed + json_size(&row.snapshot.state) + pending).unwrap_or(u64::MAX)
    }
}

/// Roughly the bytes a JSON value takes in memory: its strings plus a word or two per node.
fn json_size(value: &Value) -> usize {
    match value {
        Value::String(s) => 24 + s.len(),
        Value::Array(items) => 24 + items.iter().map(json_size).sum::<usize>(),
        Value::Object(map) => {
            48 + map
                .iter()
                .map(|(k, v)| 24 + k.len() + json_size(v))
                .sum::<usize>()
        }
        _ => 16,
    }
}

impl DecideCache {
    /// A cache of at most about `budget_bytes`.
    pub(crate) fn new(budget_bytes: u64) -> Self {
        // The estimate of entries only sizes the cache's tables; the weight bounds it.
        let estimated = usize::try_from((budget_bytes / 4096).max(16)).unwrap_or(usize::MAX);
        Self {
            rows: Cache::with_weighter(estimated, budget_bytes, RowWeight),
        }
    }

    /// The row last committed or read by this process, if it is still held.
    pub(crate) fn get(&self, tenant: TenantId, stream: &StreamId) -> Option<Loaded> {
        self.rows.get(&(tenant, stream.clone()))
    }

    /// Keeps a row read from the database, unless a newer one is held.
    pub(crate) fn keep(&self, tenant: TenantId, row: Loaded) {
        let key = (tenant, row.stream.clone());
        if self
            .rows
            .get(&key)
            .is_none_or(|held| held.version < row.version)
        {
            self.rows.insert(key, row);
        }
    }

    /// The rows `commit` writes, as they will be once it is applied, each with its whole state
    /// (nothing pending: a decision taken on it folds nothing).
    pub(crate) fn rows_of(commit: &Commit) -> Vec<Loaded> {
        commit
            .streams
            .iter()
            .map(|w| Loaded {
                stream: w.stream.clone(),
                version: w.expected_version + w.events.len() as u64,
                snapshot: w.snapshot.clone(),
                pending: Vec::new(),
            })
            .collect()
    }

    /// Records the rows of a commit that was applied.
    pub(crate) fn committed(&self, tenant: TenantId, rows: Vec<Loaded>) {
        for row in rows {
            self.keep(tenant, row);
        }
    }

    /// Drops the rows a failed commit touched: one of them is stale.
    pub(crate) fn failed(&self, tenant: TenantId, streams: &[StreamId]) {
        for stream in streams {
            self.rows.remove(&(tenant, stream.clone()));
        }
    }
}
