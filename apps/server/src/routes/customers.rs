//! Customer accounts (issue 4): `GET /v1/customers/{id}`, `GET /v1/customers`.

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::app::payments::accounts::{CustomerFilter, CustomerView};
use onramp_domain::ids::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sessions::session_id;
use crate::auth::TenantContext;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Filters of `GET /v1/customers`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListCustomersParams {
    /// Accounts opened by this session's payment.
    pub session_id: Option<String>,
    /// Accounts with this external reference.
    pub external_ref: Option<String>,
    /// Page size, 1..=100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    /// Accounts, newest first.
    pub data: Vec<CustomerView>,
    /// Cursor of the next page, absent on the last.
    pub next_cursor: Option<String>,
}

/// One customer account.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "payments",
    params(("id" = String, Path, description = "Customer account id")),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_customer(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    let id = CustomerId::parse(&id).map_err(|_| ApiError::CustomerNotFound)?;
    Ok(axum::Json(
        state.services.payments.customer(tenant.id, id).await?,
    ))
}

/// Customer accounts, newest first, by session or external reference.
#[utoipa::path(get, path = "/v1/customers", tag = "payments", params(ListCustomersParams),
    responses((status = 200, body = CustomerPage), (status = 400, body = Problem)), security(("api_key" = [])))]
pub async fn list_customers(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(p): ApiQuery<ListCustomersParams>,
) -> Result<axum::Json<CustomerPage>, ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Malformed(
            "limit must be between 1 and 100".into(),
        ));
    }
    let (data, next_cursor) = state
        .services
        .payments
        .customers(
            tenant.id,
            &CustomerFilter {
                session_id: p.session_id.as_deref().map(session_id).transpose()?,
                external_ref: p.external_ref,
                limit,
                cursor: p.cursor,
            },
        )
        .await?;
    Ok(axum::Json(CustomerPage { data, next_cursor }))
}
