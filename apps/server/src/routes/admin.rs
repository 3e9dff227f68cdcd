//! `/admin/v1/tenants`: tenant creation (bearer `ONRAMP_ADMIN_TOKEN`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Tenant, TenantStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{generate_api_key, hash_api_key};
use crate::extract::ApiJson;
use crate::idempotency::SecretFields;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Body of `POST /admin/v1/tenants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// Display name, 1..=100 characters.
    pub name: String,
}

/// A new tenant with its API key. The key is shown only here, once; Onramp keeps only a keyed
/// hash of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTenant {
    /// Tenant id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Secret API key (`onr_sk_...`): send it as `Authorization: Bearer <api_key>`.
    pub api_key: String,
}

/// Creates a tenant and its API key.
///
/// # Errors
/// A store failure.
pub async fn create_tenant_with_key(
    state: &AppState,
    name: &str,
) -> Result<CreatedTenant, ApiError> {
    let id = TenantId::new(state.services.core.ids.new_id());
    let api_key = generate_api_key();
    let tenant = Tenant {
        id,
        name: name.to_string(),
        created_at: state.services.core.clock.now(),
    };
    state
        .store
        .create_tenant(
            &tenant,
            &hash_api_key(state.services.secrets.as_ref(), &api_key),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(CreatedTenant {
        id: id.to_string(),
        name: tenant.name,
        api_key,
    })
}

/// Creates a tenant; the response holds its API key, shown once.
#[utoipa::path(post, path = "/admin/v1/tenants", tag = "admin", request_body = CreateTenantRequest,
    responses((status = 201, body = CreatedTenant), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("admin_token" = [])))]
pub async fn create_tenant(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateTenantRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::ValidationFailed {
            detail: "name must be 1 to 100 characters".into(),
            errors: vec![onramp_domain::flow::FieldError {
                field: "name".into(),
                code: onramp_domain::flow::FieldErrorCode::TooLong,
                message: "name must be 1 to 100 characters".into(),
            }],
        });
    }
    Ok((
        StatusCode::CREATED,
        axum::Extension(SecretFields(&["api_key"])),
        axum::Json(create_tenant_with_key(&state, name).await?),
    ))
}
