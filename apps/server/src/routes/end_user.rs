//! The end-user routes (issue 5, item 7): a person's own session, reached with the session
//! token a link code or the tenant gave (`Authorization: Bearer ort_…` and
//! `X-Onramp-Platform`), on any device; refresh, revoke and cross-platform exchange.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onramp_domain::app::end_users::tokens::{EndUser, IssuedToken, parse_platform};
use onramp_domain::session::SessionView;
use serde::Deserialize;
use utoipa::ToSchema;

use super::sessions::SubmitStepRequest;
use super::whatsapp_client::MessagesPage;
use crate::extract::ApiJson;
use crate::idempotency::SecretFields;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/me/token/exchange`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    /// The linked platform to get a token for.
    pub platform: String,
}

/// The person's session.
#[utoipa::path(get, path = "/v1/me/session", tag = "end users",
    responses((status = 200, body = SessionView), (status = 401, body = Problem)), security(("session_token" = [])))]
pub async fn session(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .sessions
            .session(user.tenant, user.session_id)
            .await?,
    ))
}

/// Answers a step of the person's session from the web; the answer joins the conversation.
#[utoipa::path(post, path = "/v1/me/session/steps/{step_id}", tag = "end users", request_body = SubmitStepRequest,
    params(("step_id" = String, Path, description = "Step id")),
    responses((status = 200, body = SessionView), (status = 401, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("session_token" = [])))]
pub async fn submit_step(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
    Path(step): Path<String>,
    ApiJson(req): ApiJson<SubmitStepRequest>,
) -> Result<axum::Json<SessionView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .submit_step_on_web(user.tenant, user.session_id, &step, req.answers)
            .await?,
    ))
}

/// The person's conversation, on every channel, oldest first.
#[utoipa::path(get, path = "/v1/me/session/messages", tag = "end users",
    responses((status = 200, body = MessagesPage), (status = 401, body = Problem)), security(("session_token" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
) -> Result<axum::Json<MessagesPage>, ApiError> {
    let data = state
        .services
        .whatsapp
        .session_messages(user.tenant, user.session_id)
        .await?;
    Ok(axum::Json(MessagesPage { data }))
}

/// A new text for this token: its idle hour starts again; the old text stops working.
#[utoipa::path(post, path = "/v1/me/token/refresh", tag = "end users",
    responses((status = 200, body = IssuedToken), (status = 401, body = Problem)), security(("session_token" = [])))]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
) -> Result<(Extension<SecretFields>, axum::Json<IssuedToken>), ApiError> {
    Ok((
        Extension(SecretFields(&["token"])),
        axum::Json(state.services.end_users.refresh_token(&user).await?),
    ))
}

/// Revokes this token (this device only).
#[utoipa::path(post, path = "/v1/me/token/revoke", tag = "end users",
    responses((status = 204), (status = 401, body = Problem)), security(("session_token" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .end_users
        .revoke_token(user.tenant, user.token_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Exchanges this token for a token of a platform the tenant linked to this one, for the same
/// session.
#[utoipa::path(post, path = "/v1/me/token/exchange", tag = "end users", request_body = ExchangeBody,
    responses((status = 201, body = IssuedToken), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("session_token" = [])))]
pub async fn exchange(
    State(state): State<AppState>,
    Extension(user): Extension<EndUser>,
    ApiJson(req): ApiJson<ExchangeBody>,
) -> Result<(StatusCode, Extension<SecretFields>, axum::Json<IssuedToken>), ApiError> {
    let to = parse_platform(&req.platform)?;
    Ok((
        StatusCode::CREATED,
        Extension(SecretFields(&["token"])),
        axum::Json(state.services.end_users.exchange_token(&user, to).await?),
    ))
}
