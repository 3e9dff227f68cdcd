//! Messages on a WhatsApp client's behalf (`/v1/whatsapp/accounts/{id}/messages`): an active
//! client's number sends and receives them.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::whatsapp::conversation::ChatMessage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::whatsapp::account_id;
use crate::auth::TenantContext;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/whatsapp/accounts/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientMessageBody {
    /// The recipient, E.164.
    pub to: String,
    /// The text (1 to 4096 characters).
    pub text: String,
}

/// A list of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagesPage {
    /// Oldest first.
    pub data: Vec<ChatMessage>,
}

/// Sends a text message on an active client's behalf, from the client's number.
#[utoipa::path(post, path = "/v1/whatsapp/accounts/{id}/messages", tag = "whatsapp", request_body = ClientMessageBody,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 202, body = ChatMessage), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn send_client_message(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ClientMessageBody>,
) -> Result<impl IntoResponse, ApiError> {
    if req.text.is_empty() || req.text.chars().count() > 4096 {
        return Err(ApiError::Malformed(
            "text must be 1 to 4096 characters".into(),
        ));
    }
    let message = state
        .services
        .whatsapp
        .send_client_message(tenant.id, account_id(&id)?, &req.to, req.text)
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(message)))
}

/// The messages sent and received on a client's behalf, oldest first.
#[utoipa::path(get, path = "/v1/whatsapp/accounts/{id}/messages", tag = "whatsapp",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = MessagesPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn client_messages(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<MessagesPage>, ApiError> {
    let data = state
        .services
        .whatsapp
        .client_messages(tenant.id, account_id(&id)?)
        .await?;
    Ok(axum::Json(MessagesPage { data }))
}
