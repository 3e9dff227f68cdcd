//! Session use cases: start, read, list, answer, skip, pause, resume, complete, abandon, expire.

use std::sync::Arc;

use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::decider::Decider;
use crate::flow::{Flow, StepId};
use crate::ids::{JobId, SessionId, TenantId};
use crate::phone::PhoneNumber;
use crate::ports::{AggregateKind, ListQuery, NewJob, StoredEvent, StreamId};
use crate::session::{
    SessionChannel, SessionCommand, SessionDecider, SessionError, SessionEvent, SessionState,
    SessionView, view,
};

use super::execute::Tx;
use super::jobs::Job;
use super::persist::Versioned;
use super::{Core, CoreError, SessionService, SessionServiceError};

/// Input of [`SessionService::start_session`].
#[derive(Debug, Clone)]
pub struct StartSession {
    /// Flow template id; its newest version is pinned.
    pub flow_id: String,
    /// Channel the person is on.
    pub channel: SessionChannel,
    /// Phone, already parsed.
    pub phone: Option<PhoneNumber>,
    /// The tenant's reference for this person (at most 200 characters).
    pub external_ref: Option<String>,
}

/// A session command without its time (the service stamps it).
#[derive(Debug, Clone)]
pub enum SessionAction {
    /// Pause.
    Pause,
    /// Resume.
    Resume,
    /// Complete (idempotent).
    Complete,
    /// Abandon, with an optional reason.
    Abandon(Option<String>),
}

pub(crate) fn session_stream(id: SessionId) -> StreamId {
    StreamId::new(AggregateKind::Session, id)
}

fn expiry_timer_key(id: SessionId) -> String {
    format!("session-expiry:{id}")
}

impl Core {
    /// The flow a session pinned.
    pub(crate) fn flow_of(&self, state: &SessionState) -> Result<Arc<Flow>, CoreError> {
        let flow_id = state.flow_id.as_ref().ok_or(CoreError::SessionNotFound)?;
        self.flows.pinned(flow_id, state.flow_version)
    }

    pub(crate) async fn load_session(
        &self,
        tenant: TenantId,
        id: SessionId,
    ) -> Result<Versioned<SessionState>, CoreError> {
        self.load_versioned(tenant, &session_stream(id))
            .await?
            .ok_or(CoreError::SessionNotFound)
    }

    /// Records a session decision in `tx`: its events, and its inactivity timer (armed at the
    /// start, canceled when the session ends). Returns the state after.
    pub(crate) fn apply_session(
        &self,
        tx: &mut Tx<'_>,
        flow: &Flow,
        id: SessionId,
        events: Vec<SessionEvent>,
    ) -> Result<SessionState, CoreError> {
        let started = tx.is_new::<SessionState>(id);
        let after = tx.apply(&SessionDecider::new(flow), id, events)?;
        if after.status.is_final() {
            tx.cancel_timer(expiry_timer_key(id));
        } else if started {
            // Armed once, at start: when it fires early because the session was active since,
            // it re-arms itself (see `expire_session`), so answering a step writes no timer.
            let now = after.updated_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
            tx.enqueue(self.expiry_timer(flow, id, now)?);
        }
        Ok(after)
    }

    /// The inactivity timer of session `id`, due `flow`'s timeout after `last_activity`.
    fn expiry_timer(
        &self,
        flow: &Flow,
        id: SessionId,
        last_activity: OffsetDateTime,
    ) -> Result<NewJob, CoreError> {
        let timeout =
            Duration::seconds(i64::try_from(flow.inactivity_timeout_seconds()).unwrap_or(i64::MAX));
        Job::ExpireSession { session_id: id }.schedule(
            JobId::new(self.ids.new_id()),
            last_activity.checked_add(timeout).unwrap_or(last_activity),
            Some(expiry_timer_key(id)),
        )
    }
}

impl SessionService {
    /// Starts a session on the newest version of a flow template.
    ///
    /// # Errors
    /// [`CoreError::TemplateNotFound`], or a store error.
    pub async fn start_session(
        &self,
        tenant: TenantId,
        input: StartSession,
    ) -> Result<SessionView, SessionServiceError> {
        let flow = self.core.flows.newest(&input.flow_id)?;
        let id = SessionId::new(self.core.ids.new_id());
        let at = self.core.clock.now();
        let command = SessionCommand::Start {
            id,
            channel: input.channel,
            phone: input.phone,
            external_ref: input.external_ref,
            at,
        };
        let events = SessionDecider::new(&flow).decide(&SessionState::default(), &command)?;
        let events = &events;
        let flow = &flow;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let after = self.core.apply_session(tx, flow, id, events.clone())?;
                let answer = view(flow, &after);
                tx.answer(&answer);
                Ok(answer)
            })
        })
        .await
    }

    /// The session's view.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`] (also for another tenant's session).
    pub async fn session(
        &self,
        tenant: TenantId,
        id: SessionId,
    ) -> Result<SessionView, SessionServiceError> {
        let current = self.core.load_session(tenant, id).await?;
        let flow = self.core.flow_of(&current.state)?;
        Ok(view(&flow, &current.state))
    }

    /// Sessions of the tenant, newest first, filtered; with the next page's cursor.
    ///
    /// # Errors
    /// Store errors.
    pub async fn list_sessions(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<(Vec<SessionView>, Option<String>), SessionServiceError> {
        let page = self
            .core
            .store
            .list(tenant, AggregateKind::Session, query)
            .await?;
        let mut views = Vec::with_capacity(page.items.len());
        for loaded in &page.items {
            let state: SessionState = super::persist::state_of(loaded, &self.core.flows)?;
            views.push(view(&*self.core.flow_of(&state)?, &state));
        }
        Ok((views, page.next_cursor))
    }

    /// The audit trail of a session: its events after `after_version`, at most `limit`.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`].
    pub async fn session_events(
        &self,
        tenant: TenantId,
        id: SessionId,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, SessionServiceError> {
        self.core.load_session(tenant, id).await?;
        Ok(self
            .core
            .store
            .events(tenant, &session_stream(id), after_version, limit)
            .await?)
    }

    /// Runs one session command on the commit path and returns the new view. A step
    /// submission gets the proof its step's kind needs ([`SessionService::step_proof`]), read in the
    /// same attempt.
    async fn execute_session(
        &self,
        tenant: TenantId,
        id: SessionId,
        make: impl Fn(OffsetDateTime) -> SessionCommand + Sync,
    ) -> Result<SessionView, SessionServiceError> {
        let make = &make;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<SessionState>(id)
                    .await?
                    .ok_or(CoreError::SessionNotFound)?;
                let flow = self.core.flow_of(&current)?;
                let mut command = make(self.core.clock.now());
                if let SessionCommand::SubmitStep {
                    step,
                    answers,
                    proof,
                    verified_phone,
                    ..
                } = &mut command
                    && let Some(kind) = flow.step(step).map(|s| s.kind())
                {
                    let found = self.step_proof(tx, id, step, kind, answers).await?;
                    *proof = found.step;
                    *verified_phone = found.phone;
                }
                let events = SessionDecider::new(&flow).decide(&current, &command)?;
                let after = self.core.apply_session(tx, &flow, id, events)?;
                let answer = view(&flow, &after);
                tx.answer(&answer);
                Ok(answer)
            })
        })
        .await
    }

    /// Answers a step.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`]; [`SessionServiceError::Session`] with
    /// [`SessionError::InvalidAnswers`] (every failing field) or an invalid transition.
    pub async fn submit_step(
        &self,
        tenant: TenantId,
        id: SessionId,
        step: &str,
        answers: Value,
    ) -> Result<SessionView, SessionServiceError> {
        let step = StepId::parse(step).map_err(|_| SessionError::UnknownStep(step.to_string()))?;
        self.execute_session(tenant, id, |at| SessionCommand::SubmitStep {
            proof: None,
            step: step.clone(),
            answers: answers.clone(),
            verified_phone: None,
            at,
        })
        .await
    }

    /// Skips an optional step.
    ///
    /// # Errors
    /// As [`SessionService::submit_step`], and [`SessionError::StepRequired`].
    pub async fn skip_step(
        &self,
        tenant: TenantId,
        id: SessionId,
        step: &str,
    ) -> Result<SessionView, SessionServiceError> {
        let step = StepId::parse(step).map_err(|_| SessionError::UnknownStep(step.to_string()))?;
        self.execute_session(tenant, id, |at| SessionCommand::SkipStep {
            step: step.clone(),
            at,
        })
        .await
    }

    /// Pauses, resumes, completes or abandons.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`] or an invalid transition.
    pub async fn act_on_session(
        &self,
        tenant: TenantId,
        id: SessionId,
        action: SessionAction,
    ) -> Result<SessionView, SessionServiceError> {
        self.execute_session(tenant, id, |at| match &action {
            SessionAction::Pause => SessionCommand::Pause { at },
            SessionAction::Resume => SessionCommand::Resume { at },
            SessionAction::Complete => SessionCommand::Complete { at },
            SessionAction::Abandon(reason) => SessionCommand::Abandon {
                reason: reason.clone(),
                at,
            },
        })
        .await
    }

    /// The inactivity timer: expires the session if it has been idle for the flow's timeout.
    ///
    /// # Errors
    /// Store errors.
    pub(crate) async fn expire_session(
        &self,
        tenant: TenantId,
        id: SessionId,
        job: JobId,
    ) -> Result<(), SessionServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job);
                let Some(current) = tx.load::<SessionState>(id).await? else {
                    return Ok(());
                };
                let flow = self.core.flow_of(&current)?;
                let events = SessionDecider::new(&flow).decide(
                    &current,
                    &SessionCommand::Expire {
                        at: self.core.clock.now(),
                    },
                )?;
                if !events.is_empty() {
                    self.core.apply_session(tx, &flow, id, events)?;
                } else if !current.status.is_final() {
                    // Not due: the session was active after the timer was armed. Re-arm it for the
                    // flow's timeout after the last activity.
                    if let Some(last) = current.updated_at {
                        tx.enqueue(self.core.expiry_timer(&flow, id, last)?);
                    }
                }
                Ok(())
            })
        })
        .await
    }
}
