//! `EventStore::commit` on PostgreSQL: the whole commit as one JSON document.
//!
//! The document goes to the `onramp_commit` function (migrations `0013_commit_function.sql` and
//! `0014_tenant_events.sql`),
//! which runs the statements of [`super::commit`] in the same order with the same checks, in
//! one statement: one round trip, no BEGIN or COMMIT. Several commits go together to
//! `onramp_commit_group` ([`crate::postgres`]'s group commit). Times travel as unix
//! microseconds, floored as every bound time is ([`crate::codec::to_micros`]); the idempotency
//! answer as hex.

use onramp_domain::ports::{NewEvent, NewJob, NewTenantEvent, StoreError, StreamWrite};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::codec::{to_i64, to_micros};

use super::commit::Prepared;

/// The commit as the document `onramp_commit` reads (its shape is in the migration). Built in
/// the caller's task, before the commit queues for a committer.
///
/// # Errors
/// [`StoreError::Conflict`] for a stream version beyond `i64`.
pub(crate) fn document(prepared: Prepared) -> Result<Value, StoreError> {
    let (commit, record) = prepared.into_parts();
    let mut streams = commit.streams;
    // Stream order, as on SQLite: two commits lock shared rows in the same order.
    streams.sort_by(|a, b| a.stream.cmp(&b.stream));
    let streams = streams
        .into_iter()
        .map(stream)
        .collect::<Result<Vec<_>, _>>()?;
    let jobs: Vec<Value> = commit.jobs.into_iter().map(job).collect();
    let tenant_events: Vec<Value> = commit.tenant_events.into_iter().map(tenant_event).collect();
    Ok(json!({
        "tenant": commit.tenant.uuid(),
        "now": to_micros(OffsetDateTime::now_utc()),
        "idempotency": record.map(|r| r.document()),
        "streams": streams,
        "tenant_events": tenant_events,
        "cancel_timers": commit.cancel_timers,
        "jobs": jobs,
        "complete_job": commit.complete_job.map(|id| id.uuid()),
    }))
}

fn stream(write: StreamWrite) -> Result<Value, StoreError> {
    let StreamWrite {
        stream,
        expected_version,
        events,
        snapshot,
        store_state,
    } = write;
    let mut out = Map::new();
    out.insert("kind".into(), stream.kind.as_str().into());
    out.insert("id".into(), stream.id.into());
    out.insert(
        "expected".into(),
        to_i64(expected_version, "expected version")?.into(),
    );
    out.insert("status".into(), snapshot.status.into());
    out.insert("flow_id".into(), snapshot.flow_id.into());
    out.insert("phone".into(), snapshot.phone.into());
    out.insert("external_ref".into(), snapshot.external_ref.into());
    out.insert("session_id".into(), snapshot.session_id.into());
    out.insert("created_at".into(), to_micros(snapshot.created_at).into());
    out.insert("updated_at".into(), to_micros(snapshot.updated_at).into());
    out.insert("store_state".into(), store_state.into());
    if store_state {
        out.insert("state".into(), snapshot.state);
    }
    let events: Vec<Value> = events.into_iter().map(event).collect();
    out.insert("events".into(), events.into());
    Ok(Value::Object(out))
}

fn event(event: NewEvent) -> Value {
    json!({
        "type": event.event_type,
        "payload": event.payload,
        "at": to_micros(event.recorded_at),
    })
}

fn tenant_event(event: NewTenantEvent) -> Value {
    json!({
        "id": event.id,
        "type": event.event_type,
        "session_id": event.session_id,
        "at": to_micros(event.created_at),
        "data": event.data,
    })
}

fn job(job: NewJob) -> Value {
    json!({
        "id": job.id.uuid(),
        "kind": job.kind,
        "payload": job.payload,
        "run_at": to_micros(job.run_at),
        "timer_key": job.timer_key,
        "max_attempts": job.max_attempts,
    })
}
