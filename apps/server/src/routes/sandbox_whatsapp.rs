//! The sandbox's WhatsApp (issue 5, item 9): simulate an inbound message, read what the bot
//! sent, and finish a sandbox Embedded Signup. Answered only while the tenant's WhatsApp runs
//! on the sandbox (404 `SANDBOX_INACTIVE` otherwise).

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::whatsapp::chat::InboundChat;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::ProviderId;
use onramp_domain::session::SessionView;
use onramp_sandbox::SandboxWhatsAppMessage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::SecretFields;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/sandbox/whatsapp/inbound`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundBody {
    /// The person writing, E.164.
    pub from: String,
    /// What they wrote (1 to 4096 characters).
    pub text: String,
}

/// What the simulated message did.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundTurn {
    /// The person's session, after the message.
    pub session: SessionView,
    /// True when the message started it.
    pub started: bool,
    /// The bot's replies (also in the sandbox's WhatsApp inbox).
    pub replies: Vec<String>,
}

/// Filter of `GET /v1/sandbox/whatsapp/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxParams {
    /// Only messages to this number (E.164).
    pub to: Option<String>,
}

/// The sandbox WhatsApp inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    /// Messages the tenant's bot sent, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<SandboxWhatsAppMessage>,
}

/// A sandbox Embedded Signup's FINISH data and code, as the browser would receive them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxSignupFinish {
    /// FINISH `data.waba_id`.
    pub waba_id: String,
    /// FINISH `data.phone_number_id`.
    pub phone_number_id: String,
    /// FINISH `data.business_id`.
    pub business_id: String,
    /// The single-use code (it lives 30 s).
    pub code: String,
}

async fn ensure_sandbox_whatsapp(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    let messaging = state
        .services
        .whatsapp
        .providers
        .messaging(tenant)
        .await
        .map_err(ApiError::from)?;
    if messaging.provider() == ProviderId::Sandbox {
        Ok(())
    } else {
        Err(ApiError::SandboxInactive)
    }
}

/// Simulates a WhatsApp message from `from`: it drives the person's session exactly as a
/// provider's inbound webhook would, and the bot's replies go to the sandbox inbox.
#[utoipa::path(post, path = "/v1/sandbox/whatsapp/inbound", tag = "sandbox", request_body = InboundBody,
    responses((status = 200, body = InboundTurn), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn inbound(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<InboundBody>,
) -> Result<axum::Json<InboundTurn>, ApiError> {
    ensure_sandbox_whatsapp(&state, tenant.id).await?;
    if req.text.is_empty() || req.text.chars().count() > 4096 {
        return Err(ApiError::Malformed(
            "text must be 1 to 4096 characters".into(),
        ));
    }
    let message_id = format!("wamid.sbx_in_{}", uuid::Uuid::now_v7().simple());
    let turn = state
        .services
        .whatsapp
        .receive_whatsapp(
            tenant.id,
            InboundChat {
                from: req.from,
                text: req.text,
                provider: ProviderId::Sandbox,
                message_id,
            },
        )
        .await?;
    Ok(axum::Json(InboundTurn {
        session: turn.session,
        started: turn.started,
        replies: turn.replies,
    }))
}

/// The messages the tenant's bot sent on the sandbox WhatsApp, oldest first.
#[utoipa::path(get, path = "/v1/sandbox/whatsapp/messages", tag = "sandbox", params(InboxParams),
    responses((status = 200, body = InboxPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(q): ApiQuery<InboxParams>,
) -> Result<axum::Json<InboxPage>, ApiError> {
    ensure_sandbox_whatsapp(&state, tenant.id).await?;
    let inbox = &state.providers.sandboxes().whatsapp;
    let data = match q.to {
        Some(to) => inbox.messages_to(tenant.id, &to),
        None => inbox.all(tenant.id),
    };
    Ok(axum::Json(InboxPage { data }))
}

/// Finishes a sandbox Embedded Signup: FINISH data and a code for `POST /v1/whatsapp/signups`.
#[utoipa::path(post, path = "/v1/sandbox/whatsapp/signups", tag = "sandbox",
    responses((status = 201, body = SandboxSignupFinish), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn signup(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
) -> Result<impl IntoResponse, ApiError> {
    let signup = state
        .services
        .whatsapp
        .providers
        .embedded_signup(tenant.id)
        .await
        .map_err(ApiError::from)?;
    if signup.provider() != ProviderId::Sandbox {
        return Err(ApiError::SandboxInactive);
    }
    let finish = state
        .providers
        .sandboxes()
        .signup
        .for_tenant(tenant.id)
        .begin()
        .await
        .map_err(|e| ApiError::from(onramp_domain::ports::ProviderError::from(e)))?;
    Ok((
        StatusCode::CREATED,
        axum::Extension(SecretFields(&["code"])),
        axum::Json(SandboxSignupFinish {
            waba_id: finish.waba_id.as_str().to_owned(),
            phone_number_id: finish.phone_number_id.as_str().to_owned(),
            business_id: finish.business_id.as_str().to_owned(),
            code: finish.code.expose().to_owned(),
        }),
    ))
}
