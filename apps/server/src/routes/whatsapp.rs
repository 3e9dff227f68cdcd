//! WhatsApp Business Accounts (issue 5): Meta's Embedded Signup (`POST /v1/whatsapp/signups`),
//! BSP senders (`POST /v1/whatsapp/senders`, resubmission), the accounts (a Solution Partner's
//! clients; messages on their behalf are in `whatsapp_client`), and whether the tenant's
//! WhatsApp channel is live.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::whatsapp::bsp::SenderRequest;
use onramp_domain::app::whatsapp::signup::SignupRequest;
use onramp_domain::app::whatsapp::{BspDetails, WabaAccountView};
use onramp_domain::ids::WabaAccountId;
use onramp_domain::ports::{ClearSecret, ProviderId};
use onramp_domain::waba::{BusinessId, PhoneNumberId, SignupIds, WabaId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sessions::session_id;
use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/whatsapp/signups`: Embedded Signup's FINISH data and the code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    /// FINISH `data.waba_id`.
    pub waba_id: String,
    /// FINISH `data.phone_number_id`.
    pub phone_number_id: String,
    /// FINISH `data.business_id`.
    pub business_id: String,
    /// The code `FB.login` answered (it lives about 30 s: send it at once).
    pub code: String,
    /// When the browser received the code (RFC 3339), to judge its age strictly.
    pub code_issued_at: Option<String>,
    /// The session whose `whatsapp_signup` step this completes.
    pub session_id: Option<String>,
    /// That step, when the flow has several.
    pub step: Option<String>,
}

/// Body of `POST /v1/whatsapp/senders`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderBody {
    /// The business's display name (1 to 100 characters).
    pub display_name: String,
    /// The sender's number, E.164.
    pub phone: String,
    /// Where progress notifications are mailed.
    pub contact_email: Option<String>,
    /// Further details (description, website, ...), at most 20.
    #[serde(default)]
    pub details: std::collections::BTreeMap<String, String>,
    /// The session whose `whatsapp_sender` step this completes.
    pub session_id: Option<String>,
    /// That step, when the flow has several.
    pub step: Option<String>,
}

/// Body of `POST /v1/whatsapp/accounts/{id}/resubmit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmitBody {
    /// What was corrected (1 to 2000 characters).
    pub corrections: String,
    /// A corrected display name, if it changed.
    pub display_name: Option<String>,
}

/// Filter of `GET /v1/whatsapp/accounts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountsParams {
    /// Only accounts in this status.
    pub status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsPage {
    /// The accounts, newest first.
    pub data: Vec<WabaAccountView>,
    /// The next page's cursor.
    pub next_cursor: Option<String>,
}

/// Whether the tenant's WhatsApp channel is live.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatsAppStatus {
    /// The provider carrying it (`twilio`, `sinch`, `meta`, or `sandbox`).
    #[schema(value_type = String)]
    pub provider: ProviderId,
    /// True for the sandbox: no message leaves Onramp.
    pub sandbox: bool,
    /// True when the provider answered its health check.
    pub live: bool,
    /// Why not, when it is not.
    pub error: Option<String>,
}

pub(crate) fn account_id(text: &str) -> Result<WabaAccountId, ApiError> {
    WabaAccountId::parse(text).map_err(|_| ApiError::WabaNotFound)
}

fn meta_id(value: &str, field: &str) -> Result<String, ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ApiError::Malformed(format!(
            "{field} must be Meta's id (1 to 64 letters, digits or _)"
        )))
    }
}

/// Starts the server side of Meta's Embedded Signup: the code is exchanged for a business token
/// within this request (it lives about 30 s), then the webhooks, the credit line and the
/// number's registration follow in the background, in order, each once (P-WABA-1). The token
/// and the PIN are stored encrypted and never shown. 410 `SIGNUP_CODE_EXPIRED` when the code
/// is too old: the user signs up again.
#[utoipa::path(post, path = "/v1/whatsapp/signups", tag = "whatsapp", request_body = SignupBody,
    responses((status = 201, body = WabaAccountView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 410, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn begin_signup(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<SignupBody>,
) -> Result<impl IntoResponse, ApiError> {
    if req.code.is_empty() || req.code.len() > 2048 {
        return Err(ApiError::Malformed(
            "code must be 1 to 2048 characters".into(),
        ));
    }
    let code_issued_at = req
        .code_issued_at
        .as_deref()
        .map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|_| ApiError::Malformed("code_issued_at must be RFC 3339".into()))
        })
        .transpose()?;
    let view = state
        .services
        .whatsapp
        .begin_signup(
            tenant.id,
            SignupRequest {
                ids: SignupIds {
                    waba_id: WabaId::new(meta_id(&req.waba_id, "waba_id")?),
                    phone_number_id: PhoneNumberId::new(meta_id(
                        &req.phone_number_id,
                        "phone_number_id",
                    )?),
                    business_id: BusinessId::new(meta_id(&req.business_id, "business_id")?),
                },
                code: ClearSecret::new(req.code),
                code_issued_at,
                session_id: req.session_id.as_deref().map(session_id).transpose()?,
                step: req.step,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Submits a WhatsApp sender to the tenant's BSP (Sinch; the sandbox without credentials). Its
/// review is followed (usually 24 to 48 hours) and each change is mailed to `contact_email`.
#[utoipa::path(post, path = "/v1/whatsapp/senders", tag = "whatsapp", request_body = SenderBody,
    responses((status = 201, body = WabaAccountView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn submit_sender(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<SenderBody>,
) -> Result<impl IntoResponse, ApiError> {
    let name = req.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Malformed(
            "display_name must be 1 to 100 characters".into(),
        ));
    }
    if req.details.len() > 20
        || req
            .details
            .iter()
            .any(|(k, v)| k.len() > 100 || v.len() > 2000)
    {
        return Err(ApiError::Malformed(
            "at most 20 details, names of 100 and values of 2000 characters".into(),
        ));
    }
    if req
        .contact_email
        .as_ref()
        .is_some_and(|e| !e.contains('@') || e.len() > 254)
    {
        return Err(ApiError::Malformed(
            "contact_email must be an e-mail address".into(),
        ));
    }
    let phone = onramp_domain::phone::PhoneNumber::parse(&req.phone, None)
        .map_err(|e| ApiError::InvalidPhone(e.to_string()))?;
    let view = state
        .services
        .whatsapp
        .submit_sender(
            tenant.id,
            SenderRequest {
                details: BspDetails {
                    display_name: name.to_owned(),
                    phone: phone.to_string(),
                    contact_email: req.contact_email,
                    details: req.details.into_iter().collect(),
                },
                session_id: req.session_id.as_deref().map(session_id).transpose()?,
                step: req.step,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// One account: its path, status, saga steps or review, quality rating; never a token or PIN.
#[utoipa::path(get, path = "/v1/whatsapp/accounts/{id}", tag = "whatsapp",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = WabaAccountView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_account(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<WabaAccountView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .waba_account(tenant.id, account_id(&id)?)
            .await?,
    ))
}

/// The tenant's accounts (a Solution Partner's clients), newest first.
#[utoipa::path(get, path = "/v1/whatsapp/accounts", tag = "whatsapp", params(AccountsParams),
    responses((status = 200, body = AccountsPage), (status = 400, body = Problem)), security(("api_key" = [])))]
pub async fn list_accounts(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(q): ApiQuery<AccountsParams>,
) -> Result<axum::Json<AccountsPage>, ApiError> {
    let (data, next_cursor) = state
        .services
        .whatsapp
        .list_waba_accounts(tenant.id, q.status, q.limit.unwrap_or(20), q.cursor)
        .await?;
    Ok(axum::Json(AccountsPage { data, next_cursor }))
}

/// Queues the signup's due step again, after a failure that retrying could not fix (a refused
/// PIN, missing permissions) was fixed.
#[utoipa::path(post, path = "/v1/whatsapp/accounts/{id}/retry", tag = "whatsapp",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = WabaAccountView), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn retry_signup(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<WabaAccountView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .retry_signup(tenant.id, account_id(&id)?)
            .await?,
    ))
}

/// Corrects a rejected sender and submits it for review again (P-WABA-4).
#[utoipa::path(post, path = "/v1/whatsapp/accounts/{id}/resubmit", tag = "whatsapp", request_body = ResubmitBody,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = WabaAccountView), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn resubmit_sender(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ResubmitBody>,
) -> Result<axum::Json<WabaAccountView>, ApiError> {
    let corrections = req.corrections.trim();
    if corrections.is_empty() || corrections.chars().count() > 2000 {
        return Err(ApiError::Malformed(
            "corrections must be 1 to 2000 characters".into(),
        ));
    }
    if let Some(name) = &req.display_name
        && (name.trim().is_empty() || name.chars().count() > 100)
    {
        return Err(ApiError::Malformed(
            "display_name must be 1 to 100 characters".into(),
        ));
    }
    let id = account_id(&id)?;
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .resubmit_sender(
                tenant.id,
                id,
                corrections.to_owned(),
                req.display_name.map(|n| n.trim().to_owned()),
            )
            .await?,
    ))
}

/// Whether the tenant's WhatsApp channel is live (its provider answers its health check).
#[utoipa::path(get, path = "/v1/whatsapp/status", tag = "whatsapp",
    responses((status = 200, body = WhatsAppStatus)), security(("api_key" = [])))]
pub async fn status(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
) -> Result<axum::Json<WhatsAppStatus>, ApiError> {
    let (provider, health) = state.services.whatsapp.whatsapp_status(tenant.id).await?;
    Ok(axum::Json(WhatsAppStatus {
        provider,
        sandbox: provider == ProviderId::Sandbox,
        live: health.is_ok(),
        error: health.err().map(|e| e.to_string()),
    }))
}
