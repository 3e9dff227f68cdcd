//! Outbound webhook endpoints (issue 12, item 2): `POST/GET /v1/webhook_endpoints`,
//! `GET/PATCH/DELETE /v1/webhook_endpoints/{id}`, `POST .../rotate_secret`. A signing secret
//! (`whsec_...`) is shown once, when created or rotated, and never stored with an idempotency
//! record.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use onramp_domain::app::outbound::{
    EndpointConfig, EndpointInput, EndpointPatch, EndpointView, SECRET_PREFIX,
};
use rand::RngExt as _;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::TenantContext;
use crate::extract::{ApiJson, OptionalJson};
use crate::idempotency::SecretFields;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpointRequest {
    /// Where deliveries are POSTed: `https://...` (or `http://`); loopback, private and
    /// link-local destinations are refused unless `ONRAMP_ALLOW_PRIVATE_WEBHOOK_URLS` is set.
    #[schema(max_length = 2048)]
    pub url: String,
    /// Your own words, at most 500 characters.
    pub description: Option<String>,
    /// The catalogue's event types it receives; none: every type.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// Whether it receives events (default true).
    pub enabled: Option<bool>,
    /// Deliver phone numbers and e-mail addresses unmasked (default false).
    #[serde(default)]
    pub include_pii: bool,
    /// A session's next event waits until its previous one is delivered or given up (default
    /// false).
    #[serde(default)]
    pub ordered: bool,
    /// The most deliveries a second (none: no limit).
    #[schema(minimum = 1)]
    pub rate_limit_per_second: Option<u32>,
    /// Who is mailed when the server disables the endpoint (410 Gone, 5 days of failures).
    pub contact_email: Option<String>,
}

/// A change: each field given replaces the current one (`null` clears `description` and
/// `rate_limit_per_second`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpointRequest {
    /// The URL.
    pub url: Option<String>,
    /// The description.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// The event types (empty: every type).
    pub event_types: Option<Vec<String>>,
    /// Enabled or not; enabling clears a disabling by the server.
    pub enabled: Option<bool>,
    /// Personal data unmasked or not.
    pub include_pii: Option<bool>,
    /// Per-session order or not.
    pub ordered: Option<bool>,
    /// Deliveries a second.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub rate_limit_per_second: Option<Option<u32>>,
    /// Who is mailed when the server disables it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
}

/// A field given (even as `null`): `Some(value)`; absent: `None` (the default).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An endpoint with its signing secret, shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The signing secret (`whsec_` and base64 of 24 random bytes): verify deliveries with
    /// it (https://www.standardwebhooks.com). Never shown again.
    pub secret: String,
}

/// The tenant's endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    /// Newest first.
    pub data: Vec<EndpointView>,
}

/// A fresh signing secret: `whsec_` and base64 of 24 random bytes (as Svix's).
fn new_secret() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

pub(crate) fn endpoint_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::WebhookEndpointNotFound)
}

fn check_description(description: Option<&String>) -> Result<(), ApiError> {
    match description {
        Some(d) if d.chars().count() > 500 => Err(ApiError::InvalidWebhookEndpoint(
            "description must be at most 500 characters".into(),
        )),
        _ => Ok(()),
    }
}

/// Registers an endpoint; the answer holds its signing secret, shown once.
#[utoipa::path(post, path = "/v1/webhook_endpoints", tag = "webhooks", request_body = CreateEndpointRequest,
    responses((status = 201, body = EndpointWithSecret), (status = 400, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<CreateEndpointRequest>,
) -> Result<impl IntoResponse, ApiError> {
    check_description(req.description.as_ref())?;
    let secret = new_secret();
    let config = EndpointConfig {
        url: req.url,
        description: req.description,
        event_types: req.event_types,
        enabled: req.enabled.unwrap_or(true),
        include_pii: req.include_pii,
        ordered: req.ordered,
        rate_limit_per_second: req.rate_limit_per_second,
        contact_email: req.contact_email,
    };
    let endpoint = state
        .services
        .outbound
        .create_endpoint(tenant.id, EndpointInput { config }, &secret)
        .await?;
    Ok((
        StatusCode::CREATED,
        Extension(SecretFields(&["secret"])),
        axum::Json(EndpointWithSecret { endpoint, secret }),
    ))
}

/// The tenant's endpoints.
#[utoipa::path(get, path = "/v1/webhook_endpoints", tag = "webhooks",
    responses((status = 200, body = EndpointList)), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
) -> Result<axum::Json<EndpointList>, ApiError> {
    let data = state.services.outbound.endpoints(tenant.id).await?;
    Ok(axum::Json(EndpointList { data }))
}

/// One endpoint.
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, body = EndpointView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<EndpointView>, ApiError> {
    let id = endpoint_id(&id)?;
    Ok(axum::Json(
        state.services.outbound.endpoint(tenant.id, id).await?,
    ))
}

/// Changes an endpoint's settings.
#[utoipa::path(patch, path = "/v1/webhook_endpoints/{id}", tag = "webhooks", request_body = UpdateEndpointRequest,
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, body = EndpointView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<UpdateEndpointRequest>,
) -> Result<axum::Json<EndpointView>, ApiError> {
    let id = endpoint_id(&id)?;
    check_description(req.description.as_ref().and_then(Option::as_ref))?;
    let patch = EndpointPatch {
        url: req.url,
        description: req.description,
        event_types: req.event_types,
        enabled: req.enabled,
        include_pii: req.include_pii,
        ordered: req.ordered,
        rate_limit_per_second: req.rate_limit_per_second,
        contact_email: req.contact_email,
    };
    Ok(axum::Json(
        state
            .services
            .outbound
            .update_endpoint(tenant.id, id, patch)
            .await?,
    ))
}

/// Deletes an endpoint: it receives nothing more, its pending messages are dropped.
#[utoipa::path(delete, path = "/v1/webhook_endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 204), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = endpoint_id(&id)?;
    state
        .services
        .outbound
        .delete_endpoint(tenant.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rotates the signing secret: the new one (shown once) signs from now, the previous one too
/// for 24 hours, so receivers can switch without losing a delivery.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}/rotate_secret", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, body = EndpointWithSecret), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = endpoint_id(&id)?;
    let secret = new_secret();
    let endpoint = state
        .services
        .outbound
        .rotate_secret(tenant.id, id, &secret)
        .await?;
    Ok((
        Extension(SecretFields(&["secret"])),
        axum::Json(EndpointWithSecret { endpoint, secret }),
    ))
}
