//! `Idempotency-Key` on every POST (DESIGN.md section 5): the same key and request replay the
//! stored response; the same key with another request is refused with 409
//! `IDEMPOTENCY_KEY_REUSED`; a request still running under the key gets 409
//! `IDEMPOTENCY_REQUEST_IN_PROGRESS`. Keys are scoped to the tenant (admin requests share one
//! scope) and the record is taken in the store before the handler runs, so two concurrent
//! requests with one key never both run. A 5xx releases the key so the request can be retried.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{IdempotencyBegin, StoredResponse};
use sha2::{Digest, Sha256};
use time::Duration;

use crate::auth::TenantContext;
use crate::problem::ApiError;
use crate::state::AppState;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a started request holds its key before another attempt may take it over.
const LEASE: Duration = Duration::seconds(60);
/// Largest body buffered for fingerprinting, bytes.
const MAX_BODY: usize = 1 << 20;

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::Internal(Box::new(e))
}

/// Middleware implementing the idempotency contract for POST requests that carry the header.
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
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| ApiError::Malformed(format!("unreadable body: {e}")))?;
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
    hasher.update(&bytes);
    let fingerprint = hex::encode(hasher.finalize());
    let now = state.services.clock.now();
    let begun = state
        .idempotency
        .begin_request(tenant, &key, &fingerprint, now, now + LEASE)
        .await
        .map_err(internal)?;
    match begun {
        IdempotencyBegin::Replay(stored) => return Ok(replay(stored)),
        IdempotencyBegin::Mismatch => return Err(ApiError::IdempotencyKeyReused),
        IdempotencyBegin::InProgress => return Err(ApiError::IdempotencyInProgress),
        IdempotencyBegin::Started => {}
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            let _ = state.idempotency.release_request(tenant, &key).await;
            return Err(internal(e));
        }
    };
    if parts.status.is_server_error() {
        state
            .idempotency
            .release_request(tenant, &key)
            .await
            .map_err(internal)?;
    } else {
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            body: bytes.to_vec(),
        };
        state
            .idempotency
            .finish_request(tenant, &key, &stored)
            .await
            .map_err(internal)?;
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

fn replay(stored: StoredResponse) -> Response {
    let status =
        axum::http::StatusCode::from_u16(stored.status).unwrap_or(axum::http::StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, stored.body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
