//! [`Tx`]: the unit of work of one attempt of [`Core::execute`](crate::app::Core::execute)(super::super::Services):
//! the states it read, what it applies to them, and everything it will commit.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use crate::ids::{JobId, TenantId};
use crate::ports::{
    Commit, EventStore, IdGen, Loaded, NewEvent, NewJob, NewTenantEvent, Requeue, Snapshot,
    StreamId, StreamWrite, WebhookAttempt, WebhookRoute,
};

use super::super::CoreError;
use super::super::catalog::FlowCatalog;
use super::super::events::Notice;
use super::super::persist::{state_of, to_json};
use super::{Aggregate, Evolve, stores_state};

/// One stream touched by a [`Tx`]: its state as read (then as evolved), the version it was
/// read at, and what this attempt appends to it.
struct Touched {
    stream: StreamId,
    version: u64,
    /// `None` while the stream does not exist.
    state: Option<Box<dyn Any + Send + Sync>>,
    events: Vec<NewEvent>,
    snapshot: Option<Snapshot>,
    /// The aggregate's [`Aggregate::SNAPSHOT_EVERY`].
    snapshot_every: u64,
}

/// The unit of work of one attempt of [`Core::execute`](crate::app::Core::execute): the states it read and everything
/// it will commit.
pub(crate) struct Tx<'env> {
    /// The decision closure's borrows outlive every reference to the `Tx` (see
    /// [`Core::execute`](crate::app::Core::execute)).
    env: PhantomData<&'env ()>,
    tenant: TenantId,
    store: Arc<dyn EventStore>,
    /// The flows a session's stored events are replayed with.
    flows: Arc<FlowCatalog>,
    /// The tenant-facing events' ids.
    ids: Arc<dyn IdGen>,
    /// When this attempt started: the time of events that carry none.
    now: OffsetDateTime,
    /// Reads come from the decide cache (`true`) or the database (a confirmation).
    cached: bool,
    /// A read went to the decide cache.
    read_cache: bool,
    touched: Vec<Touched>,
    jobs: Vec<NewJob>,
    tenant_events: Vec<NewTenantEvent>,
    /// The outbound webhooks' routes, attempts and requeues.
    outbound: Outbound,
    cancel_timers: Vec<String>,
    complete_job: Option<JobId>,
    answer: Option<Vec<u8>>,
}

/// What a [`Tx`] writes to the outbound webhook queue.
#[derive(Default)]
struct Outbound {
    routes: Vec<WebhookRoute>,
    attempts: Vec<WebhookAttempt>,
    requeues: Vec<Requeue>,
}

impl Tx<'_> {
    pub(super) fn new(
        tenant: TenantId,
        store: Arc<dyn EventStore>,
        flows: Arc<FlowCatalog>,
        ids: Arc<dyn IdGen>,
        now: OffsetDateTime,
        cached: bool,
    ) -> Self {
        Self {
            env: PhantomData,
            tenant,
            store,
            flows,
            ids,
            now,
            cached,
            read_cache: false,
            touched: Vec::new(),
            jobs: Vec::new(),
            tenant_events: Vec::new(),
            outbound: Outbound::default(),
            cancel_timers: Vec::new(),
            complete_job: None,
            answer: None,
        }
    }

    fn position(&self, stream: &StreamId) -> Option<usize> {
        self.touched.iter().position(|t| &t.stream == stream)
    }

    /// The state of the aggregate `key` of kind `S::KIND` as this attempt sees it (with what it
    /// applied already), `None` when the stream does not exist.
    ///
    /// # Errors
    /// Store failures; [`CoreError::Corrupt`] when the stored state does not read back.
    pub async fn load<S: Aggregate>(&mut self, key: impl ToString) -> Result<Option<S>, CoreError> {
        let stream = StreamId::new(S::KIND, key);
        if let Some(i) = self.position(&stream) {
            return downcast::<S>(&self.touched[i]);
        }
        // Only the attempt's first stream may come from the cache: what an attempt reads first
        // is what it decides on and changes (a conflict then catches a stale copy), or its
        // decision commits nothing (confirmed on the database's copy). Any other stream is read
        // fresh: a stale copy of it could steer the decision unseen (a verification approved
        // on one replica completing the phone step of a session another replica moved on).
        let loaded = if self.cached && self.touched.is_empty() {
            self.read_cache = true;
            self.store.load_for_decide(self.tenant, &stream).await?
        } else {
            self.store.load(self.tenant, &stream).await?
        };
        match loaded {
            None => {
                self.touch(stream, 0, None::<S>);
                Ok(None)
            }
            Some(row) => Ok(Some(self.adopt::<S>(&row)?)),
        }
    }

    /// Takes a row read elsewhere (a listing) as this attempt's reading of its stream, and
    /// returns its state. A stream read already keeps what this attempt saw first.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when the stored state does not read back.
    pub fn adopt<S: Aggregate>(&mut self, row: &Loaded) -> Result<S, CoreError> {
        if let Some(i) = self.position(&row.stream) {
            return downcast::<S>(&self.touched[i])?
                .ok_or_else(|| CoreError::Corrupt(format!("{:?} vanished", row.stream)));
        }
        let state: S = state_of(row, &self.flows)?;
        self.touch(row.stream.clone(), row.version, Some(state.clone()));
        Ok(state)
    }

    fn touch<S: Aggregate>(&mut self, stream: StreamId, version: u64, state: Option<S>) {
        self.touched.push(Touched {
            stream,
            version,
            state: state.map(|s| Box::new(s) as Box<dyn Any + Send + Sync>),
            events: Vec::new(),
            snapshot: None,
            snapshot_every: S::SNAPSHOT_EVERY,
        });
    }

    /// Records `events` on the aggregate `key`: folds them into its state with `decider` (once),
    /// keeps them and the new projection row for the commit, and returns the state after. A
    /// stream this attempt did not load is created (expected at version 0: if it exists, the
    /// commit conflicts). No events, no change.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when an event or the state does not serialize.
    pub fn apply<S: Aggregate>(
        &mut self,
        evolver: &impl Evolve<S>,
        key: impl ToString,
        events: Vec<S::Event>,
    ) -> Result<S, CoreError> {
        let i = self.entry::<S>(key);
        let before = downcast::<S>(&self.touched[i])?;
        let missing = || CoreError::Corrupt(format!("{:?} has no state", S::KIND));
        if events.is_empty() {
            return evolver.initial(before).ok_or_else(missing);
        }
        let mut state = before;
        for event in &events {
            state = evolver.evolve_from(state, event);
        }
        let after = state.ok_or_else(missing)?;
        self.append(i, &events, after)
    }

    /// The position of the stream `key` of kind `S::KIND`, touched (as not existing) if this
    /// attempt has not read it.
    fn entry<S: Aggregate>(&mut self, key: impl ToString) -> usize {
        let stream = StreamId::new(S::KIND, key);
        self.position(&stream).unwrap_or_else(|| {
            self.touch(stream, 0, None::<S>);
            self.touched.len() - 1
        })
    }

    /// Appends `events` to the touched stream `i` whose state they lead to is `after`, with the
    /// tenant-facing events they report.
    fn append<S: Aggregate>(
        &mut self,
        i: usize,
        events: &[S::Event],
        after: S,
    ) -> Result<S, CoreError> {
        let key = &self.touched[i].stream.id;
        for event in events {
            if let Some(notice) = S::notice(event, &after, key) {
                let at = S::event_at(event, &after).unwrap_or(self.now);
                let object = after.tenant_object(key, at);
                let id = self.ids.new_id();
                self.tenant_events.push(notice.into_event(id, at, object));
            }
        }
        let touched = &mut self.touched[i];
        let (written, snapshot) = written(&touched.stream.id, events, &after, self.now)?;
        touched.events.extend(written);
        touched.snapshot = Some(snapshot);
        touched.state = Some(Box::new(after.clone()));
        Ok(after)
    }

    /// Whether the stream `key` of kind `S::KIND` is new in this attempt (not stored before).
    pub fn is_new<S: Aggregate>(&self, key: impl ToString) -> bool {
        let stream = StreamId::new(S::KIND, key);
        self.position(&stream)
            .is_none_or(|i| self.touched[i].version == 0)
    }

    /// Records `state` as the new state of the stream `key` of an aggregate whose state is the
    /// last event recorded on it (a reference, a claim, a received webhook): created at version
    /// 0 unless this attempt loaded it.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when it does not serialize.
    pub fn record<S: Aggregate<Event = S>>(
        &mut self,
        key: impl ToString,
        state: S,
    ) -> Result<S, CoreError> {
        let i = self.entry::<S>(key);
        self.append(i, std::slice::from_ref(&state), state.clone())
    }

    /// Sets this attempt's view of the stream `key`'s state before the events applied to it
    /// next, for fields outside any event (a WhatsApp account's id, session and BSP details, a
    /// conversation's phone). Written with those events' projection row; without events,
    /// nothing is written.
    pub fn stage<S: Aggregate>(&mut self, key: impl ToString, state: S) {
        let i = self.entry::<S>(key);
        self.touched[i].state = Some(Box::new(state));
    }

    /// Reports a change no single event shows (an integration's health moving) as a
    /// tenant-facing event about `object`, at this attempt's time.
    pub fn notify(&mut self, notice: Notice, object: serde_json::Value) {
        let id = self.ids.new_id();
        self.tenant_events
            .push(notice.into_event(id, self.now, object));
    }

    /// Writes an outbound webhook endpoint's route (its filter, whether it is enabled).
    pub fn route(&mut self, route: WebhookRoute) {
        self.outbound.routes.push(route);
    }

    /// Records a delivery attempt and its message's new state.
    pub fn record_attempt(&mut self, attempt: WebhookAttempt) {
        self.outbound.attempts.push(attempt);
    }

    /// Queues events for an endpoint again.
    pub fn requeue(&mut self, requeue: Requeue) {
        self.outbound.requeues.push(requeue);
    }

    /// Enqueues a job (an effect to run after the commit, or a timer).
    pub fn enqueue(&mut self, job: NewJob) {
        self.jobs.push(job);
    }

    /// Deletes the pending timer `key`, if any.
    pub fn cancel_timer(&mut self, key: impl Into<String>) {
        self.cancel_timers.push(key.into());
    }

    /// Marks the claimed job `id` done in this commit (its work is what the commit records).
    pub fn complete_job(&mut self, id: JobId) {
        self.complete_job = Some(id);
    }

    /// Makes `view` the answer of the request this commit completes (see
    /// [`Commit::answer_with`]).
    pub fn answer<V: Serialize>(&mut self, view: &V) {
        self.answer = serde_json::to_vec(view).ok();
    }

    /// Whether a read of this attempt went to the decide cache.
    pub(super) fn read_cache(&self) -> bool {
        self.read_cache
    }

    /// Whether this attempt decided on a cached state it does not change: a stale copy could
    /// have steered the decision, and no version check would catch it.
    pub(super) fn unconfirmed(&self) -> bool {
        self.read_cache && self.touched.first().is_some_and(|t| t.events.is_empty())
    }

    /// Whether this attempt writes anything.
    pub(super) fn writes_nothing(&self) -> bool {
        self.touched.iter().all(|t| t.events.is_empty())
            && self.jobs.is_empty()
            && self.tenant_events.is_empty()
            && self.outbound.routes.is_empty()
            && self.outbound.attempts.is_empty()
            && self.outbound.requeues.is_empty()
            && self.cancel_timers.is_empty()
            && self.complete_job.is_none()
    }

    pub(super) fn into_commit(self) -> Commit {
        let mut commit = Commit::new(self.tenant);
        commit.streams = self
            .touched
            .into_iter()
            .filter_map(|t| {
                let new_version = t.version + t.events.len() as u64;
                let store_state = stores_state(t.version, new_version, t.snapshot_every);
                t.snapshot.map(|snapshot| StreamWrite {
                    stream: t.stream,
                    expected_version: t.version,
                    events: t.events,
                    snapshot,
                    store_state,
                })
            })
            .collect();
        commit.jobs = self.jobs;
        commit.tenant_events = self.tenant_events;
        commit.webhook_routes = self.outbound.routes;
        commit.webhook_attempts = self.outbound.attempts;
        commit.webhook_requeues = self.outbound.requeues;
        commit.cancel_timers = self.cancel_timers;
        commit.complete_job = self.complete_job;
        commit.answer = self.answer;
        commit
    }
}

fn downcast<S: Aggregate>(touched: &Touched) -> Result<Option<S>, CoreError> {
    touched
        .state
        .as_ref()
        .map(|state| {
            state.downcast_ref::<S>().cloned().ok_or_else(|| {
                CoreError::Corrupt(format!("{:?} read as another type", touched.stream))
            })
        })
        .transpose()
}

/// How `events` of the stream `key`, leading to `after`, are stored: the events (timed by
/// themselves, or at `now`) and the projection row. The one place both are made, for a
/// [`Tx`] and for stores filled without one ([`super::super::seed`]).
///
/// # Errors
/// [`CoreError::Corrupt`] when an event or the state does not serialize.
pub(in crate::app) fn written<S: Aggregate>(
    key: &str,
    events: &[S::Event],
    after: &S,
    now: OffsetDateTime,
) -> Result<(Vec<NewEvent>, Snapshot), CoreError> {
    let mut last = now;
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        last = S::event_at(event, after).unwrap_or(now);
        written.push(NewEvent {
            event_type: S::event_type(event).to_string(),
            payload: to_json(event)?,
            recorded_at: last,
        });
    }
    let columns = after.columns(key, last);
    let snapshot = Snapshot {
        status: columns.status,
        flow_id: columns.flow_id,
        phone: columns.phone,
        external_ref: columns.external_ref,
        session_id: columns.session_id,
        created_at: columns.created_at,
        updated_at: columns.updated_at,
        state: to_json(after)?,
    };
    Ok((written, snapshot))
}
