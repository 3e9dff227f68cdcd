//! The one commit path (issue 11, item 1; DESIGN.md section 4): every state change of every
//! aggregate goes through [`Core::execute`].
//!
//! An aggregate is declared once, by implementing [`Aggregate`] on its state: its stream kind,
//! its events' stored names and times, and the projection row's queryable columns. Its decider
//! (anything implementing [`Decider`] over that state and those events) folds the events.
//!
//! A use case hands `execute` a closure that works on a [`Tx`], the unit of work of one
//! attempt: it loads states ([`Tx::load`]; the first from the store's decide cache when it has
//! the stream), decides, and records the events with [`Tx::apply`], which evolves the state
//! **once** and keeps the events, the projection row and the tenant-facing events they report
//! ([`Aggregate::notice`]); jobs, timers, the job being completed and the request's answer are
//! added to the same `Tx`. `execute` then commits everything in
//! **one store commit** (the HTTP edge adds the request's idempotency record to it). On a version
//! conflict the attempt is thrown away and the closure runs again on fresh states, at most
//! [`MAX_CONFLICT_RETRIES`](super::MAX_CONFLICT_RETRIES) times. A closure must therefore do
//! nothing but read and decide: no provider call, no other write.
//!
//! A decision taken on a cached state that does not change it (a refusal, a no-op, a commit of
//! other things) is confirmed once on the database's copy, which the cache may lag behind
//! (another replica wrote): only a stream the commit writes has its version checked.
//!
//! # Example
//!
//! Pausing a session: load it, decide, apply, answer.
//!
//! ```ignore
//! self.execute(tenant, |tx| Box::pin(async move {
//!     let state = tx.load::<SessionState>(id).await?.ok_or(CoreError::SessionNotFound)?;
//!     let flow = self.flow_of(&state)?;
//!     let decider = SessionDecider::new(&flow);
//!     let events = decider.decide(&state, &SessionCommand::Pause { at: self.clock.now() })?;
//!     let after = tx.apply(&decider, id, events)?;
//!     let answer = view(&flow, &after);
//!     tx.answer(&answer);
//!     Ok(answer)
//! }))
//! .await
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::decider::Decider;
use crate::ids::TenantId;
use crate::ports::{AggregateKind, StoreError, StoredEvent};

mod tx;

pub(crate) use tx::Tx;
pub(in crate::app) use tx::written;

use super::catalog::FlowCatalog;
use super::error::AreaError;
use super::events::{Notice, object_of_columns};
use super::persist::Columns;
use super::{Core, CoreError, MAX_CONFLICT_RETRIES};

/// An aggregate's state, declared once: which streams hold it and what its projection row
/// shows. Its events are folded by a [`Decider`] whose `State` it is.
pub(crate) trait Aggregate:
    Serialize + DeserializeOwned + Clone + Send + Sync + 'static
{
    /// The kind of its streams.
    const KIND: AggregateKind;
    /// Its events.
    type Event: Serialize;

    /// The stored, dotted name of `event` (`session.step_submitted`).
    fn event_type(event: &Self::Event) -> &'static str;

    /// When `event` happened, given the state after the events being recorded; `None` for
    /// events that carry no time of their own (they are recorded at the attempt's time).
    fn event_at(event: &Self::Event, state: &Self) -> Option<OffsetDateTime>;

    /// The projection row's queryable columns of this state, the aggregate `key`'s (the id of
    /// its stream), which changed last at `at`.
    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns;

    /// The tenant-facing event `event` reports (issue 12, item 1), given the state after the
    /// events recorded with it and the aggregate's `key`; `None` (the default) for an event a
    /// tenant is not told about.
    fn notice(event: &Self::Event, after: &Self, key: &str) -> Option<Notice> {
        let _ = (event, after, key);
        None
    }

    /// The object a tenant-facing event about this state shows in `data.object`: by default
    /// its projection row's columns ([`object_of_columns`]), as of `at`.
    fn tenant_object(&self, key: &str, at: OffsetDateTime) -> serde_json::Value {
        object_of_columns(Self::KIND, key, self.columns(key, at))
    }

    /// How often the whole state is stored, in events: when a write crosses a multiple of this;
    /// other writes (a new stream's first too) store the columns and the events only, and
    /// readers fold the events since the stored state, or since the initial state, with
    /// [`Aggregate::replay`] (issue 11, item 4). 1, the default, stores it on every write: what
    /// an aggregate whose state holds fields outside its events (`Tx::stage`) must keep.
    const SNAPSHOT_EVERY: u64 = 1;

    /// `state` (`None`: the initial state, before any event) with the stored `events` after it
    /// folded in, exactly as the commit path evolved it. Called only for aggregates with
    /// [`Aggregate::SNAPSHOT_EVERY`] above 1; the default refuses.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when an event does not read back, or the aggregate cannot replay.
    fn replay(
        state: Option<Self>,
        events: &[StoredEvent],
        flows: &FlowCatalog,
    ) -> Result<Self, CoreError> {
        let _ = flows;
        match (state, events.first()) {
            (Some(state), None) => Ok(state),
            (_, event) => Err(CoreError::Corrupt(format!(
                "{:?} {} has no stored state or events after it, and no replay",
                Self::KIND,
                event.map_or("", |e| e.stream.id.as_str())
            ))),
        }
    }
}

/// Whether a write moving a stream from `expected` to `new` stores its whole state: when it
/// crosses a multiple of `every` events (every write when `every` is 1).
pub(crate) fn stores_state(expected: u64, new: u64, every: u64) -> bool {
    let every = every.max(1);
    expected / every != new / every
}

/// How an aggregate's events fold into its state: its [`Decider`]'s `evolve`, or its own for
/// aggregates with no decider (the webhook log).
pub(crate) trait Evolve<S: Aggregate> {
    /// The state after `event`, from `state` (`None` before the first event); `None` when
    /// `event` cannot follow `state` (a status for a webhook never received).
    fn evolve_from(&self, state: Option<S>, event: &S::Event) -> Option<S>;

    /// The state as it stands without events: `state`, or the initial one if there is one.
    fn initial(&self, state: Option<S>) -> Option<S>;
}

impl<D> Evolve<D::State> for D
where
    D: Decider,
    D::State: Aggregate<Event = D::Event>,
{
    fn evolve_from(&self, state: Option<D::State>, event: &D::Event) -> Option<D::State> {
        Some(self.evolve(state.unwrap_or_default(), event))
    }

    fn initial(&self, state: Option<D::State>) -> Option<D::State> {
        Some(state.unwrap_or_default())
    }
}

/// One attempt's decision: a boxed future (`Box::pin(async move { .. })`) that works on the
/// attempt's [`Tx`]. Boxed and `Send` because a generic async closure's future cannot be shown
/// `Send` for every lifetime of its `Tx` (rust-lang/rust#110338).
pub(crate) type Decision<'t, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 't>>;

/// What [`Core::execute_once`] does when a stream moved or a created one exists.
enum OnConflict {
    /// Decide again on fresh states.
    Retry,
    /// Give up: the caller answers a duplicate.
    Stop,
}

impl Core {
    /// Runs `decide` on a fresh [`Tx`] and commits what it recorded in one store commit, deciding
    /// again on a version conflict (see the module docs). Returns what `decide` returned with
    /// the attempt that committed. Area services call it through their own `execute`
    /// ([`commit_path!`]), which fixes the error type to the area's.
    ///
    /// # Errors
    /// What `decide` returns; store failures; [`CoreError::Contention`] after
    /// [`MAX_CONFLICT_RETRIES`](super::MAX_CONFLICT_RETRIES) conflicts.
    pub(crate) async fn execute<'env, T, E: AreaError>(
        &self,
        tenant: TenantId,
        decide: impl for<'t> FnMut(&'t mut Tx<'env>) -> Decision<'t, T, E> + Send,
    ) -> Result<T, E> {
        self.run(tenant, OnConflict::Retry, decide)
            .await?
            .ok_or_else(|| CoreError::Contention.into())
    }

    /// As [`Core::execute`] with one attempt: `None` when the commit conflicts (a stream it
    /// creates exists: a redelivered webhook, a key held already).
    ///
    /// # Errors
    /// What `decide` returns; store failures.
    pub(crate) async fn execute_once<'env, T, E: AreaError>(
        &self,
        tenant: TenantId,
        decide: impl for<'t> FnMut(&'t mut Tx<'env>) -> Decision<'t, T, E> + Send,
    ) -> Result<Option<T>, E> {
        self.run(tenant, OnConflict::Stop, decide).await
    }

    async fn run<'env, T, E: AreaError>(
        &self,
        tenant: TenantId,
        on_conflict: OnConflict,
        mut decide: impl for<'t> FnMut(&'t mut Tx<'env>) -> Decision<'t, T, E> + Send,
    ) -> Result<Option<T>, E> {
        let mut cached = true;
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut tx = Tx::new(
                tenant,
                Arc::clone(&self.store),
                Arc::clone(&self.flows),
                Arc::clone(&self.ids),
                self.clock.now(),
                cached,
            );
            let outcome = decide(&mut tx).await;
            // A conflict drops the store's cached copies: the next attempt may use the cache.
            cached = true;
            let value = match outcome {
                Err(e) => match e.core() {
                    Some(CoreError::Store(StoreError::Conflict(_))) => continue,
                    Some(CoreError::Store(_)) => return Err(e),
                    // Refused, or nothing to do, on states that may be stale: confirm on the
                    // database's.
                    _ if tx.read_cache() => {
                        cached = false;
                        continue;
                    }
                    _ => return Err(e),
                },
                Ok(_) if tx.unconfirmed() => {
                    cached = false;
                    continue;
                }
                Ok(value) => value,
            };
            if tx.writes_nothing() {
                return Ok(Some(value));
            }
            match self.store.commit(tx.into_commit()).await {
                Ok(()) => return Ok(Some(value)),
                Err(StoreError::Conflict(_)) => match on_conflict {
                    OnConflict::Retry => {}
                    OnConflict::Stop => return Ok(None),
                },
                Err(e) => return Err(CoreError::from(e).into()),
            }
        }
        Ok(None)
    }
}

/// Gives an area service (`$service`, with a `core: Core` field) its `execute`, and with
/// `once` its `execute_once`: [`Core::execute`] and [`Core::execute_once`] answering the area's
/// error (`$error`), so that a use case's closure needs no annotation.
macro_rules! commit_path {
    ($service:ty, $error:ty) => {
        impl $service {
            /// [`Core::execute`](crate::app::Core::execute) answering this area's error.
            ///
            /// # Errors
            /// What `decide` returns; store failures; contention.
            pub(crate) async fn execute<'env, T>(
                &self,
                tenant: $crate::ids::TenantId,
                decide: impl for<'t> FnMut(
                    &'t mut $crate::app::execute::Tx<'env>,
                ) -> $crate::app::execute::Decision<'t, T, $error>
                + Send,
            ) -> Result<T, $error> {
                self.core.execute(tenant, decide).await
            }
        }
    };
    ($service:ty, $error:ty, once) => {
        $crate::app::execute::commit_path!($service, $error);

        impl $service {
            /// [`Core::execute_once`](crate::app::Core::execute_once) answering this area's
            /// error.
            ///
            /// # Errors
            /// What `decide` returns; store failures.
            pub(crate) async fn execute_once<'env, T>(
                &self,
                tenant: $crate::ids::TenantId,
                decide: impl for<'t> FnMut(
                    &'t mut $crate::app::execute::Tx<'env>,
                ) -> $crate::app::execute::Decision<'t, T, $error>
                + Send,
            ) -> Result<Option<T>, $error> {
                self.core.execute_once(tenant, decide).await
            }
        }
    };
}
pub(crate) use commit_path;
