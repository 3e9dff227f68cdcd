//! `/v1/sandbox/messages`: what the sandbox delivered, while the sandbox is the code sender.

use axum::Extension;
use axum::extract::State;
use onramp_sandbox::SandboxMessage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sessions::parse_phone;
use crate::auth::TenantContext;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Filter of `GET /v1/sandbox/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessagesParams {
    /// Destination phone, E.164 (`+12025550123`).
    pub to: String,
}

/// The sandbox inbox of one phone.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMessages {
    /// Voice calls and SMS delivered (or failed) to that phone, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<SandboxMessage>,
}

/// Messages the sandbox delivered to a phone, oldest first; none for a phone it never called or
/// texted. The sandbox delivers a tenant's codes while no code-delivering provider is live for
/// it (`GET /v1/integrations` says which are); with one, codes go to that provider and not here.
#[utoipa::path(get, path = "/v1/sandbox/messages", tag = "sandbox", params(MessagesParams),
    responses((status = 200, body = SandboxMessages), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(p): ApiQuery<MessagesParams>,
) -> Result<axum::Json<SandboxMessages>, ApiError> {
    let to = parse_phone(&p.to, None)?;
    Ok(axum::Json(SandboxMessages {
        data: state
            .providers
            .sandboxes()
            .inbox
            .messages_to(tenant.id, &to),
    }))
}
