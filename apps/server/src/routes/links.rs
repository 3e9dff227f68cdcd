//! Cross-channel continuity (MISSION.md B): a session's conversation, finding a person's
//! session by phone, link codes sent over WhatsApp, and the end-user tokens they give.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::end_users::links::LinkRequested;
use onramp_domain::app::end_users::tokens::{IssuedToken, parse_platform};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::session::SessionView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sessions::session_id;
use super::whatsapp_client::MessagesPage;
use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::SecretFields;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Query of `GET /v1/sessions/find`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindParams {
    /// The person's phone, E.164.
    pub phone: String,
}

/// Body of `POST /v1/links/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyLinkBody {
    /// The phone the code was sent to, E.164.
    pub phone: String,
    /// The code the person typed.
    pub code: String,
    /// The platform the token is for (default `web`).
    pub platform: Option<String>,
}

/// Body of `POST /v1/sessions/{id}/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokenBody {
    /// The platform the token is for (`web`, `partner-app`, ...).
    pub platform: String,
}

/// Body of `PUT /v1/platforms/links`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformLinkBody {
    /// One platform.
    pub a: String,
    /// The other.
    pub b: String,
}

/// The tenant's linked platform pairs.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformLinks {
    /// Pairs of platforms whose tokens may be exchanged for each other.
    pub data: Vec<(String, String)>,
}

/// The session's conversation: every user and bot message, on WhatsApp and the web, oldest
/// first.
#[utoipa::path(get, path = "/v1/sessions/{id}/messages", tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = MessagesPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<MessagesPage>, ApiError> {
    let data = state
        .services
        .whatsapp
        .session_messages(tenant.id, session_id(&id)?)
        .await?;
    Ok(axum::Json(MessagesPage { data }))
}

/// The person's open session, found by phone number (one per person).
#[utoipa::path(get, path = "/v1/sessions/find", tag = "sessions", params(FindParams),
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn find(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(q): ApiQuery<FindParams>,
) -> Result<axum::Json<SessionView>, ApiError> {
    let phone =
        PhoneNumber::parse(&q.phone, None).map_err(|e| ApiError::InvalidPhone(e.to_string()))?;
    state
        .services
        .whatsapp
        .find_session_by_phone(tenant.id, &phone)
        .await?
        .map(axum::Json)
        .ok_or(ApiError::SessionNotFound)
}

/// Sends a link code over WhatsApp to the session's phone (never in this answer); typed on the
/// web with `POST /v1/links/verify` within 300 s, it gives a token for this session.
#[utoipa::path(post, path = "/v1/sessions/{id}/links", tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 202, body = LinkRequested), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn request_link(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let link = state
        .services
        .end_users
        .request_link(tenant.id, session_id(&id)?)
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(link)))
}

/// Verifies a link code: the session that asked for it, once, within 300 s (P-LNK-1); answers
/// an end-user token for that session, shown once.
#[utoipa::path(post, path = "/v1/links/verify", tag = "sessions", request_body = VerifyLinkBody,
    responses((status = 201, body = IssuedToken), (status = 404, body = Problem), (status = 410, body = Problem),
        (status = 422, body = Problem), (status = 423, body = Problem)),
    security(("api_key" = [])))]
pub async fn verify_link(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<VerifyLinkBody>,
) -> Result<impl IntoResponse, ApiError> {
    let phone =
        PhoneNumber::parse(&req.phone, None).map_err(|e| ApiError::InvalidPhone(e.to_string()))?;
    if req.code.len() > 16 {
        return Err(ApiError::Malformed("code is at most 16 characters".into()));
    }
    let platform = parse_platform(req.platform.as_deref().unwrap_or("web"))?;
    let token = state
        .services
        .end_users
        .verify_link(tenant.id, &phone, &req.code, platform)
        .await?;
    Ok((
        StatusCode::CREATED,
        Extension(SecretFields(&["token"])),
        axum::Json(token),
    ))
}

/// Issues an end-user token for the session on a platform (one per device; several may be
/// active at once). Shown once.
#[utoipa::path(post, path = "/v1/sessions/{id}/tokens", tag = "sessions", request_body = IssueTokenBody,
    params(("id" = String, Path, description = "Session id")),
    responses((status = 201, body = IssuedToken), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn issue_token(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<IssueTokenBody>,
) -> Result<impl IntoResponse, ApiError> {
    let token = state
        .services
        .end_users
        .issue_token(tenant.id, session_id(&id)?, parse_platform(&req.platform)?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Extension(SecretFields(&["token"])),
        axum::Json(token),
    ))
}

/// Links two of the tenant's platforms: a token of one may then be exchanged for a token of
/// the other (MISSION.md A's cross-platform sessions). Idempotent.
#[utoipa::path(put, path = "/v1/platforms/links", tag = "sessions", request_body = PlatformLinkBody,
    responses((status = 200, body = PlatformLinks), (status = 422, body = Problem)), security(("api_key" = [])))]
pub async fn link_platforms(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<PlatformLinkBody>,
) -> Result<axum::Json<PlatformLinks>, ApiError> {
    let (a, b) = (parse_platform(&req.a)?, parse_platform(&req.b)?);
    if a == b {
        return Err(ApiError::Malformed("link two different platforms".into()));
    }
    let data = state
        .services
        .end_users
        .link_platforms(tenant.id, &a, &b)
        .await?;
    Ok(axum::Json(PlatformLinks { data }))
}
