//! `/v1/verifications`: phone verification by one-time code, voice first with SMS fallback.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::verifications::{StartVerification, VerificationView};
use onramp_domain::ids::VerificationId;
use onramp_domain::verification::{Channel, OtpCode};
use serde::Deserialize;
use utoipa::ToSchema;

use super::sessions::{parse_phone, session_id};
use crate::auth::TenantContext;
use crate::extract::{ApiJson, OptionalJson};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/verifications`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartVerificationRequest {
    /// Phone, international (`+44 7700 900123`) or national with `country`.
    pub phone: String,
    /// ISO 3166-1 alpha-2 country of a national `phone`.
    pub country: Option<String>,
    /// First channel: `voice` (default) or `sms`.
    pub channel: Option<Channel>,
    /// The session whose phone verification step this completes.
    pub session_id: Option<String>,
}

/// Body of `POST /v1/verifications/{id}/resend` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendRequest {
    /// Channel of the new code; the last one used when absent. `sms` is always allowed.
    pub channel: Option<Channel>,
}

/// Body of `POST /v1/verifications/{id}/check`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The 6-digit code the person received.
    pub code: String,
}

fn verification_id(text: &str) -> Result<VerificationId, ApiError> {
    VerificationId::parse(text).map_err(|_| ApiError::VerificationNotFound)
}

/// Starts a phone verification: a 6-digit code by voice call (SMS when the call fails or when
/// asked). At most 5 sends per phone per rolling hour.
#[utoipa::path(post, path = "/v1/verifications", tag = "verifications", request_body = StartVerificationRequest,
    responses((status = 201, body = VerificationView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem, description = "RATE_LIMITED, with Retry-After")),
    security(("api_key" = [])))]
pub async fn start_verification(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<StartVerificationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let phone = parse_phone(&req.phone, req.country.as_deref())?;
    let session_id = req.session_id.as_deref().map(session_id).transpose()?;
    crate::idempotency::answer_status(StatusCode::CREATED);
    let view = state
        .services
        .verifications
        .start_verification(
            tenant.id,
            StartVerification {
                phone,
                channel: req.channel,
                session_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// One verification.
#[utoipa::path(get, path = "/v1/verifications/{id}", tag = "verifications", params(("id" = String, Path, description = "Verification id")),
    responses((status = 200, body = VerificationView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_verification(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<VerificationView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .verifications
            .verification(tenant.id, verification_id(&id)?)
            .await?,
    ))
}

/// Sends a new code (the previous one stops working), at most once per 30 s.
#[utoipa::path(post, path = "/v1/verifications/{id}/resend", tag = "verifications", request_body(content = ResendRequest, description = "optional"),
    params(("id" = String, Path, description = "Verification id")),
    responses((status = 200, body = VerificationView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 410, body = Problem), (status = 423, body = Problem), (status = 429, body = Problem)),
    security(("api_key" = [])))]
pub async fn resend(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<ResendRequest>,
) -> Result<axum::Json<VerificationView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .verifications
            .resend_verification(tenant.id, verification_id(&id)?, req.channel)
            .await?,
    ))
}

/// Checks a code. A wrong code answers 422 `VERIFICATION_CODE_INCORRECT` with the checks left;
/// the fifth wrong code locks the verification (423).
#[utoipa::path(post, path = "/v1/verifications/{id}/check", tag = "verifications", request_body = CheckRequest,
    params(("id" = String, Path, description = "Verification id")),
    responses((status = 200, body = VerificationView, description = "approved"), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 410, body = Problem), (status = 422, body = Problem), (status = 423, body = Problem)),
    security(("api_key" = [])))]
pub async fn check(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CheckRequest>,
) -> Result<axum::Json<VerificationView>, ApiError> {
    let id = verification_id(&id)?;
    let code = OtpCode::parse(&req.code).map_err(|_| ApiError::InvalidCodeFormat)?;
    Ok(axum::Json(
        state
            .services
            .verifications
            .check_verification(tenant.id, id, &code)
            .await?,
    ))
}
