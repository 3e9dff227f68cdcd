//! `Idempotency-Key` on every POST (DESIGN.md sections 4 and 5).
//!
//! - The same key and request replay the stored answer (`idempotent-replayed: true`); the same
//!   key with another request is refused with 409 `IDEMPOTENCY_KEY_REUSED`; a request still
//!   running under the key gets 409 `IDEMPOTENCY_REQUEST_IN_PROGRESS`.
//! - The record (key, request fingerprint, answer) is written **by the commit of the request's
//!   effects** (the edge store, [`crate::edge_store::EdgeStore`], with [`scope::attach_record`]):
//!   a crash keeps both or neither, so a retry after a crash replays the answer or, when nothing
//!   was committed, runs once. A use case's last commit carries its answer
//!   ([`onramp_domain::ports::Commit::answer_with`]), so a request is one store trip; an answer
//!   no commit carried (an error, a route whose body is not the use case's view) is stored after
//!   the handler, in a second write.
//! - No record exists before the handler commits, so there is nothing to release when a process
//!   dies before that. A record committed without its answer (a request that commits more than
//!   once, still running) holds the key until the request's deadline (the 30 s request timeout),
//!   then a retry takes it over and runs again; those use cases resume from what they committed.
//! - Two attempts at once: in one process the second is refused as in progress; across replicas
//!   both may run, the first commit wins the key and the other's commit is rolled back whole, and
//!   it answers from the winner's record.
//! - **Secrets are never stored**: an answer carrying one (an API key, an end-user token, a
//!   sandbox signup code) is marked by its route with [`SecretFields`] and stored without those
//!   fields; a replay answers 409 `SECRET_SHOWN_ONCE` with the rest of the answer in `answer`.
//! - Records expire 24 hours after the request (`ONRAMP_IDEMPOTENCY_TTL_HOURS`); a key may then
//!   be reused. The retention sweep deletes them ([`crate::retention`]).
//! - Keys are scoped to the tenant (admin requests share one scope; an end user's keys are their
//!   token's). A 5xx stores no answer, so the request can be retried.

pub mod scope;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    Commit, IdempotencyEntry, IdempotencyStore, StoreError, StoredResponse,
};
use sha2::{Digest, Sha256};

use self::scope::RequestScope;
use crate::auth::TenantContext;
use crate::problem::ApiError;
use crate::state::AppState;

pub use self::scope::answer_status;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// A response extension naming the top-level JSON fields of the answer that hold a secret shown
/// once: they are left out of the stored answer.
#[derive(Debug, Clone, Copy)]
pub struct SecretFields(pub &'static [&'static str]);

/// The keys being served by this process: a second attempt of a running key is refused here
/// without a store trip.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<(TenantId, String)>>);

struct InFlightGuard<'a> {
    set: &'a InFlight,
    entry: (TenantId, String),
}

impl InFlight {
    fn enter(&self, tenant: TenantId, key: &str) -> Option<InFlightGuard<'_>> {
        let entry = (tenant, key.to_string());
        let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        keys.insert(entry.clone())
            .then_some(InFlightGuard { set: self, entry })
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let mut keys = self.set.0.lock().unwrap_or_else(PoisonError::into_inner);
        keys.remove(&self.entry);
    }
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::Internal(Box::new(e))
}

/// Middleware implementing the idempotency contract for POST requests that carry the header.
///
/// # Errors
/// 400 for a malformed key, 409 for a reused or running key, 500 when the store fails.
pub async fn idempotency(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Ok(next.run(req).await);
    }
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(next.run(req).await);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::Malformed("Idempotency-Key must be 1 to 255 visible ASCII characters".into())
        })?
        .to_string();
    // An end user's keys live in their own space, apart from the tenant's.
    let end_user = req
        .extensions()
        .get::<onramp_domain::app::end_users::tokens::EndUser>()
        .cloned();
    let (tenant, key) = match (req.extensions().get::<TenantContext>(), end_user) {
        (Some(t), _) => (t.id, key),
        (None, Some(u)) => (u.tenant, format!("end-user:{}:{key}", u.token_id.uuid())),
        (None, None) => (TenantId::new(uuid::Uuid::nil()), key),
    };
    let (parts, body) = req.into_parts();
    let bytes = crate::extract::body_bytes(body).await?;
    let fingerprint = fingerprint(&parts, &bytes);
    let Some(_running) = state.in_flight.enter(tenant, &key) else {
        return Err(ApiError::IdempotencyInProgress);
    };
    let now = state.services.core.clock.now();
    let entry = state
        .store
        .idempotency_entry(tenant, &key, now)
        .await
        .map_err(internal)?;
    if let Some(entry) = entry
        && let Some(answer) = answer_from(&entry, &fingerprint, now)
    {
        return answer;
    }
    let deadline =
        now + time::Duration::try_from(crate::routes::REQUEST_TIMEOUT).unwrap_or_default();
    let scope = Arc::new(RequestScope::new(
        tenant,
        key.clone(),
        fingerprint.clone(),
        now,
        deadline,
        state.idempotency_ttl,
    ));
    let response = scope
        .run(next.run(Request::from_parts(parts, Body::from(bytes))))
        .await;
    if held_for_crash_tests() {
        std::future::pending::<()>().await;
    }
    if scope.key_taken() {
        return answer_of_winner(&state, tenant, &key, &fingerprint).await;
    }
    let secrets = response.extensions().get::<SecretFields>().copied();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(internal)?;
    if parts.status.is_server_error() {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    }
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        body: match secrets {
            Some(fields) => without_secrets(&bytes, fields),
            None => bytes.to_vec(),
        },
    };
    if scope.answered().as_ref() != Some(&stored) {
        // The answer no commit carried: stored in a write of its own.
        let mut commit = Commit::new(tenant);
        let now = state.services.core.clock.now();
        commit.idempotency = Some(scope.record(Some(stored), secrets.is_some(), now));
        match state.services.core.store.commit(commit).await {
            Ok(()) => {}
            Err(StoreError::IdempotencyKeyTaken) => {
                return answer_of_winner(&state, tenant, &key, &fingerprint).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, committed = scope.committed(), "the answer to an idempotent request was not stored");
            }
        }
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// True when the fail point `idempotency-after-handler` is set to `return` (builds with the
/// `failpoints` feature only): the crash tests hold the answer there, after the handler's
/// commits and before the answer is stored or sent, and kill the process.
fn held_for_crash_tests() -> bool {
    fail::fail_point!("idempotency-after-handler", |_| true);
    false
}

/// A hash of the request's method, path with query, and body.
fn fingerprint(parts: &axum::http::request::Parts, body: &Bytes) -> String {
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(
        parts
            .uri
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
    );
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// What an existing record answers to an attempt with `fingerprint` at `now`; `None` when the
/// attempt may run (an unfinished record whose holder's deadline passed).
fn answer_from(
    entry: &IdempotencyEntry,
    fingerprint: &str,
    now: time::OffsetDateTime,
) -> Option<Result<Response, ApiError>> {
    if entry.fingerprint != fingerprint {
        return Some(Err(ApiError::IdempotencyKeyReused));
    }
    match &entry.answer {
        Some(answer) if entry.secret_withheld => Some(Ok(secret_shown_once(answer))),
        Some(answer) => Some(Ok(replay(answer))),
        None if entry.lease_until > now => Some(Err(ApiError::IdempotencyInProgress)),
        None => None,
    }
}

/// The answer for an attempt that lost the key to another attempt of the same request.
async fn answer_of_winner(
    state: &AppState,
    tenant: TenantId,
    key: &str,
    fingerprint: &str,
) -> Result<Response, ApiError> {
    let now = state.services.core.clock.now();
    let entry = state
        .store
        .idempotency_entry(tenant, key, now)
        .await
        .map_err(internal)?;
    match entry.and_then(|e| answer_from(&e, fingerprint, now)) {
        Some(answer) => answer,
        None => Err(ApiError::IdempotencyInProgress),
    }
}

/// The answer's JSON without `fields`; a body that is not a JSON object is not kept at all.
fn without_secrets(body: &[u8], fields: SecretFields) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut object)) => {
            for field in fields.0 {
                object.remove(*field);
            }
            serde_json::to_vec(&object).unwrap_or_default()
        }
        _ => b"{}".to_vec(),
    }
}

fn replay(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, stored.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// 409 `SECRET_SHOWN_ONCE`: the request succeeded before and its answer held a secret, which is
/// not kept; the rest of the answer is in `answer`.
fn secret_shown_once(stored: &StoredResponse) -> Response {
    let answer = serde_json::from_slice::<serde_json::Value>(&stored.body).unwrap_or_default();
    let mut response = ApiError::SecretShownOnce {
        answer_status: stored.status,
        answer,
    }
    .into_response();
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
