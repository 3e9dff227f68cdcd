//! `/v1/sessions`: start, read, list, answer steps, pause, resume, complete, abandon, events
//! (the audit trail is in `session_audit`).

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::sessions::{SessionAction, StartSession};
use onramp_domain::ids::SessionId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{ListQuery, StoredEvent};
use onramp_domain::session::{SessionChannel, SessionStatus, SessionView};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/sessions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSessionRequest {
    /// Flow template id, e.g. `conversational-profile`.
    pub flow_id: String,
    /// Channel the person is on (default `web`).
    #[serde(default)]
    pub channel: SessionChannel,
    /// The person's phone, international or national with `country`.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2 country for a national `phone`, e.g. `GB`.
    pub country: Option<String>,
    /// The tenant's own reference for this person (at most 200 characters).
    pub external_ref: Option<String>,
}

/// Body of `POST /v1/sessions/{id}/steps/{step_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitStepRequest {
    /// The step's answers object, validated against the step's schema.
    #[schema(value_type = Object)]
    pub answers: Value,
}

/// Body of `POST /v1/sessions/{id}/abandon` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbandonRequest {
    /// Why the session is abandoned (at most 500 characters).
    pub reason: Option<String>,
}

/// Filters of `GET /v1/sessions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListSessionsParams {
    /// Only sessions with this status.
    pub status: Option<SessionStatus>,
    /// Only sessions of this flow.
    pub flow_id: Option<String>,
    /// Only sessions of this E.164 phone.
    pub phone: Option<String>,
    /// Only sessions with this external reference.
    pub external_ref: Option<String>,
    /// Page size, 1..=100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A page of sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPage {
    /// Sessions, newest first.
    pub data: Vec<SessionView>,
    /// Cursor of the next page, absent on the last.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/sessions/{id}/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    /// Only events with a version above this (default 0).
    pub after: Option<u64>,
    /// At most this many (1..=500, default 100).
    pub limit: Option<u32>,
}

/// One audit-trail entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Position in the session's stream, from 1.
    pub version: u64,
    /// Dotted type, e.g. `session.step_submitted`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's data.
    #[schema(value_type = Object)]
    pub data: Value,
    /// When it was recorded (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: time::OffsetDateTime,
}

/// The audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Events in order.
    pub data: Vec<EventView>,
}

impl From<StoredEvent> for EventView {
    fn from(e: StoredEvent) -> Self {
        Self {
            version: e.version,
            event_type: e.event_type,
            data: e.payload,
            recorded_at: e.recorded_at,
        }
    }
}

/// A path id that does not parse cannot name an existing session: 404.
pub(crate) fn session_id(text: &str) -> Result<SessionId, ApiError> {
    SessionId::parse(text).map_err(|_| ApiError::SessionNotFound)
}

pub(crate) fn parse_phone(phone: &str, country: Option<&str>) -> Result<PhoneNumber, ApiError> {
    PhoneNumber::parse(phone, country).map_err(|e| ApiError::InvalidPhone(e.to_string()))
}

/// Starts an onboarding session on the newest version of a flow template.
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = StartSessionRequest,
    responses((status = 201, body = SessionView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn start_session(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<StartSessionRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let phone = req
        .phone
        .as_deref()
        .map(|p| parse_phone(p, req.country.as_deref()))
        .transpose()?;
    if req
        .external_ref
        .as_ref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        return Err(ApiError::Malformed(
            "external_ref is at most 200 characters".into(),
        ));
    }
    crate::idempotency::answer_status(StatusCode::CREATED);
    let view = state
        .services
        .sessions
        .start_session(
            tenant.id,
            StartSession {
                flow_id: req.flow_id,
                channel: req.channel,
                phone,
                external_ref: req.external_ref,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Lists the tenant's sessions, newest first.
#[utoipa::path(get, path = "/v1/sessions", tag = "sessions", params(ListSessionsParams),
    responses((status = 200, body = SessionPage), (status = 400, body = Problem)), security(("api_key" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(p): ApiQuery<ListSessionsParams>,
) -> Result<axum::Json<SessionPage>, ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Malformed(
            "limit must be between 1 and 100".into(),
        ));
    }
    let phone = p
        .phone
        .as_deref()
        .map(|ph| parse_phone(ph, None))
        .transpose()?;
    let query = ListQuery {
        status: p.status.map(|s| s.as_str().to_string()),
        flow_id: p.flow_id,
        phone: phone.map(|ph| ph.to_string()),
        external_ref: p.external_ref,
        session_id: None,
        limit,
        cursor: p.cursor,
    };
    let (data, next_cursor) = state
        .services
        .sessions
        .list_sessions(tenant.id, &query)
        .await?;
    Ok(axum::Json(SessionPage { data, next_cursor }))
}

/// One session.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_session(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .sessions
            .session(tenant.id, session_id(&id)?)
            .await?,
    ))
}

/// Answers a step: the current one, or a completed one to change its answers.
#[utoipa::path(post, path = "/v1/sessions/{id}/steps/{step_id}", tag = "sessions", request_body = SubmitStepRequest,
    params(("id" = String, Path, description = "Session id"), ("step_id" = String, Path, description = "Step id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn submit_step(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path((id, step)): Path<(String, String)>,
    ApiJson(req): ApiJson<SubmitStepRequest>,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .sessions
            .submit_step(tenant.id, session_id(&id)?, &step, req.answers)
            .await?,
    ))
}

/// Skips the current step, which must be optional.
#[utoipa::path(post, path = "/v1/sessions/{id}/steps/{step_id}/skip", tag = "sessions",
    params(("id" = String, Path, description = "Session id"), ("step_id" = String, Path, description = "Step id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn skip_step(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path((id, step)): Path<(String, String)>,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .sessions
            .skip_step(tenant.id, session_id(&id)?, &step)
            .await?,
    ))
}

async fn act(
    state: &AppState,
    tenant: &TenantContext,
    id: &str,
    action: SessionAction,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .sessions
            .act_on_session(tenant.id, session_id(id)?, action)
            .await?,
    ))
}

/// Pauses an active session.
#[utoipa::path(post, path = "/v1/sessions/{id}/pause", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn pause(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<SessionView>, ApiError> {
    act(&state, &tenant, &id, SessionAction::Pause).await
}

/// Resumes a paused session.
#[utoipa::path(post, path = "/v1/sessions/{id}/resume", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<SessionView>, ApiError> {
    act(&state, &tenant, &id, SessionAction::Resume).await
}

/// Completes a session whose required steps are done; completing again changes nothing.
#[utoipa::path(post, path = "/v1/sessions/{id}/complete", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn complete(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<SessionView>, ApiError> {
    act(&state, &tenant, &id, SessionAction::Complete).await
}

/// Abandons a session.
#[utoipa::path(post, path = "/v1/sessions/{id}/abandon", tag = "sessions", request_body(content = AbandonRequest, description = "optional"),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn abandon(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<AbandonRequest>,
) -> Result<axum::Json<SessionView>, ApiError> {
    if req.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::Malformed(
            "reason is at most 500 characters".into(),
        ));
    }
    act(&state, &tenant, &id, SessionAction::Abandon(req.reason)).await
}

/// The session's audit trail: every event in order.
#[utoipa::path(get, path = "/v1/sessions/{id}/events", tag = "sessions", params(("id" = String, Path, description = "Session id"), EventsParams),
    responses((status = 200, body = EventPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn events(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<EventsParams>,
) -> Result<axum::Json<EventPage>, ApiError> {
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Malformed(
            "limit must be between 1 and 500".into(),
        ));
    }
    let events = state
        .services
        .sessions
        .session_events(tenant.id, session_id(&id)?, p.after.unwrap_or(0), limit)
        .await?;
    Ok(axum::Json(EventPage {
        data: events.into_iter().map(EventView::from).collect(),
    }))
}
