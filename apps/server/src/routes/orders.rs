//! One-off orders (issue 4): `POST /v1/orders`, `GET /v1/orders/{id}`,
//! `POST /v1/orders/{id}/capture`.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::app::payments::orders::{OrderRequest, OrderView};
use onramp_domain::ids::OrderId;
use onramp_domain::money::Money;
use serde::Deserialize;
use utoipa::ToSchema;

use super::sessions::session_id;
use crate::auth::TenantContext;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /v1/orders`: either a session (whose `paypal_checkout` step sets the plan and
/// amount) or a plan with its amount.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    /// The session it pays for.
    pub session_id: Option<String>,
    /// That session's `paypal_checkout` step; the first one when absent.
    pub step: Option<String>,
    /// Plan, without a session.
    pub plan: Option<String>,
    /// Amount in minor units (cents), without a session.
    pub amount: Option<i64>,
    /// ISO 4217 currency of `amount` (default `USD`).
    pub currency: Option<String>,
    /// Buyer's e-mail (the welcome mail goes there; PayPal's payer e-mail otherwise).
    pub email: Option<String>,
    /// Your reference (at most 200 characters).
    pub external_ref: Option<String>,
    /// Where PayPal sends the buyer after approving.
    pub return_url: Option<String>,
    /// Where PayPal sends the buyer after canceling.
    pub cancel_url: Option<String>,
}

fn order_id(text: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(text).map_err(|_| ApiError::OrderNotFound)
}

fn checked_url(url: Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    match url {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2048 => {
            Err(ApiError::Malformed(format!(
                "{field} must be an http(s) URL of at most 2048 characters"
            )))
        }
        other => Ok(other),
    }
}

/// Creates an order at PayPal (or the sandbox) and hands back the buyer's approval link.
#[utoipa::path(post, path = "/v1/orders", tag = "payments", request_body = CreateOrderRequest,
    responses((status = 201, body = OrderView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 502, body = Problem), (status = 503, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_order(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<CreateOrderRequest>,
) -> Result<impl IntoResponse, ApiError> {
    if req
        .external_ref
        .as_ref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        return Err(ApiError::Malformed(
            "external_ref is at most 200 characters".into(),
        ));
    }
    if req
        .email
        .as_ref()
        .is_some_and(|e| !e.contains('@') || e.len() > 254)
    {
        return Err(ApiError::Malformed(
            "email must be an e-mail address".into(),
        ));
    }
    let session = req.session_id.as_deref().map(session_id).transpose()?;
    if session.is_some() && (req.plan.is_some() || req.amount.is_some()) {
        return Err(ApiError::Malformed(
            "with session_id, the plan and amount come from the session's paypal_checkout step; leave plan and amount out".into(),
        ));
    }
    let amount = req
        .amount
        .map(|a| Money::new(a, req.currency.as_deref().unwrap_or("USD")))
        .transpose()
        .map_err(|e| ApiError::Malformed(format!("amount: {e}")))?;
    crate::idempotency::answer_status(StatusCode::CREATED);
    let view = state
        .services
        .payments
        .create_order(
            tenant.id,
            OrderRequest {
                session_id: session,
                step: req.step,
                plan: req.plan,
                amount,
                email: req.email,
                external_ref: req.external_ref,
                return_url: checked_url(req.return_url, "return_url")?,
                cancel_url: checked_url(req.cancel_url, "cancel_url")?,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// One order.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "payments",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_order(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<OrderView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .payments
            .order(tenant.id, order_id(&id)?)
            .await?,
    ))
}

/// Captures an approved order and opens its customer account, exactly once however many times
/// it is called (an order captured already answers as captured). 409 `ORDER_NOT_APPROVED`
/// before the buyer approved.
#[utoipa::path(post, path = "/v1/orders/{id}/capture", tag = "payments",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 502, body = Problem), (status = 503, body = Problem)),
    security(("api_key" = [])))]
pub async fn capture_order(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<OrderView>, ApiError> {
    Ok(axum::Json(
        state
            .services
            .payments
            .capture_order(tenant.id, order_id(&id)?)
            .await?,
    ))
}
