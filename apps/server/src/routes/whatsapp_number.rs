//! `/v1/whatsapp/accounts/{id}/register` and `/verify`: the proof that the business owns a BSP
//! sender's number (Sinch's `register` and `verify`, PROVIDERS.md section 5). The BSP sends a
//! one-time code to the number by SMS or voice call; the business gives it back.

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::app::whatsapp::WabaAccountView;
use onramp_domain::ports::NumberVerificationMethod;
use onramp_domain::verification::OtpCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::whatsapp::account_id;
use crate::auth::TenantContext;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/whatsapp/accounts/{id}/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterNumberBody {
    /// How the code reaches the number: `sms` or `voice`.
    #[schema(value_type = String, example = "sms")]
    pub method: NumberVerificationMethod,
}

/// Body of `POST /v1/whatsapp/accounts/{id}/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyNumberBody {
    /// The 6-digit code the number received.
    #[schema(example = "123456")]
    pub code: String,
}

/// Has the BSP send a one-time code to the sender's number by SMS or voice call (the account's
/// `number_verification` is `required`, or `code_sent` for a new code). The account answered
/// shows `code_sent`; an `Idempotency-Key` keeps a retried request from sending a second code.
#[utoipa::path(post, path = "/v1/whatsapp/accounts/{id}/register", tag = "whatsapp", request_body = RegisterNumberBody,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = WabaAccountView), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "An Embedded Signup account, a sender not created at the BSP yet, or a number verified already"),
        (status = 502, body = Problem), (status = 503, body = Problem)),
    security(("api_key" = [])))]
pub async fn register_number(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RegisterNumberBody>,
) -> Result<axum::Json<WabaAccountView>, ApiError> {
    let id = account_id(&id)?;
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .register_sender_number(tenant.id, id, req.method)
            .await?,
    ))
}

/// Gives the BSP back the code the sender's number received; once accepted the number is
/// `verified` and the sender's review goes on (or it is approved).
#[utoipa::path(post, path = "/v1/whatsapp/accounts/{id}/verify", tag = "whatsapp", request_body = VerifyNumberBody,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = WabaAccountView), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "No code was sent yet, or not a BSP account"),
        (status = 422, body = Problem, description = "`INVALID_CODE_FORMAT` for a code that is not 6 digits (the BSP is not asked), `SENDER_CODE_INCORRECT` when the BSP refuses it"),
        (status = 502, body = Problem), (status = 503, body = Problem)),
    security(("api_key" = [])))]
pub async fn verify_number(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyNumberBody>,
) -> Result<axum::Json<WabaAccountView>, ApiError> {
    let id = account_id(&id)?;
    let code = OtpCode::parse(&req.code).map_err(|_| ApiError::InvalidCodeFormat)?;
    Ok(axum::Json(
        state
            .services
            .whatsapp
            .verify_sender_number(tenant.id, id, &code)
            .await?,
    ))
}
