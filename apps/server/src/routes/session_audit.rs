//! `GET /v1/sessions/{id}/audit`: a session's whole audit trail.

use axum::Extension;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::sessions::{EventView, session_id};
use crate::auth::TenantContext;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// One entry of a session's whole audit trail: an event and the stream it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// `session` or `verification`.
    pub stream: String,
    /// The session's or the verification's id.
    pub stream_id: String,
    /// The event (its `version` counts in its own stream; ciphertext fields left out).
    #[serde(flatten)]
    pub event: EventView,
}

/// A session's whole audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditTrail {
    /// Entries in the order they were recorded.
    pub data: Vec<AuditEntry>,
}

/// The session's whole audit trail: its own events and its phone verifications' (every send,
/// provider call, failover, circuit breaker trip and fallback, each with its reason).
#[utoipa::path(get, path = "/v1/sessions/{id}/audit", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = AuditTrail), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<AuditTrail>, ApiError> {
    let trail = state
        .services
        .sessions
        .session_audit(tenant.id, session_id(&id)?)
        .await?;
    Ok(axum::Json(AuditTrail {
        data: trail
            .into_iter()
            .map(|e| AuditEntry {
                stream: e.stream.kind.as_str().to_string(),
                stream_id: e.stream.id.clone(),
                event: EventView::from(e),
            })
            .collect(),
    }))
}
