//! Card-gated trials (issue 4): `POST /v1/sessions/{id}/trial` (card check and start),
//! `GET /v1/sessions/{id}/trial`, `GET /v1/trials/{id}`, `POST /v1/trials/{id}/cancel`.

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::app::payments::trials::{CardSubmission, TrialView};
use onramp_domain::ids::TrialId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::sessions::session_id;
use crate::auth::TenantContext;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/sessions/{id}/trial`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardRequest {
    /// The payment method collected by the client (`pm_…`); in the sandbox, Stripe's test
    /// tokens: `pm_card_visa` succeeds, `pm_card_visa_chargeDeclined` is declined,
    /// `pm_card_chargeCustomerFail` is verified and then fails at the trial's end.
    pub payment_method: String,
    /// Billing e-mail (the reminder goes there).
    pub email: String,
    /// The `card_on_file_trial` step; the flow's first one when absent.
    pub step: Option<String>,
}

fn trial_id(text: &str) -> Result<TrialId, ApiError> {
    TrialId::parse(text).map_err(|_| ApiError::TrialNotFound)
}

/// Verifies a card (an authorization of the step's verification amount, voided at once) and
/// starts the free trial. A declined card answers 402 `CARD_DECLINED` and may be replaced by
/// another; a card or phone that had a trial answers 409 `TRIAL_ALREADY_USED`. Repeating the
/// request resumes where it stopped and never authorizes twice.
#[utoipa::path(post, path = "/v1/sessions/{id}/trial", tag = "payments", request_body = CardRequest,
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = TrialView), (status = 402, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 502, body = Problem), (status = 503, body = Problem)),
    security(("api_key" = [])))]
pub async fn submit_card(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CardRequest>,
) -> Result<axum::Json<TrialView>, ApiError> {
    if req.payment_method.trim().is_empty() || req.payment_method.len() > 255 {
        return Err(ApiError::Malformed(
            "payment_method must be a payment method id (1 to 255 characters)".into(),
        ));
    }
    let view = state
        .services
        .payments
        .submit_card(
            tenant.id,
            session_id(&id)?,
            CardSubmission {
                step: req.step,
                payment_method: req.payment_method,
                email: req.email,
            },
        )
        .await?;
    Ok(axum::Json(view))
}

/// The session's trial.
#[utoipa::path(get, path = "/v1/sessions/{id}/trial", tag = "payments",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = TrialView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn session_trial(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<TrialView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .payments
            .session_trial(tenant.id, session_id(&id)?)
            .await?,
    ))
}

/// One trial.
#[utoipa::path(get, path = "/v1/trials/{id}", tag = "payments",
    params(("id" = String, Path, description = "Trial id")),
    responses((status = 200, body = TrialView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_trial(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<TrialView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .payments
            .trial(tenant.id, trial_id(&id)?)
            .await?,
    ))
}

/// Cancels a trial (and its subscription at the provider): nothing will be charged.
#[utoipa::path(post, path = "/v1/trials/{id}/cancel", tag = "payments",
    params(("id" = String, Path, description = "Trial id")),
    responses((status = 200, body = TrialView), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn cancel_trial(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<TrialView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .payments
            .cancel_trial(tenant.id, trial_id(&id)?)
            .await?,
    ))
}
