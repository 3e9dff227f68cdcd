//! Per-tenant provider integrations (issue 3, item 4; MISSION.md C): credentials stored sealed
//! (AES-256-GCM), never returned; a test call; the status of every provider with its breakers.

use std::time::Instant;

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::failover::BreakerStatus;
use onramp_domain::integration::IntegrationStatus;
use onramp_domain::ports::ProviderId;
use onramp_domain::verification::Channel;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::auth::TenantContext;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::providers::ProviderCredentials;
use crate::state::AppState;

/// One provider's integration, as `GET /v1/integrations` shows it. Credentials are never
/// returned: only the names of the fields stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationView {
    /// `telnyx`, `twilio`, `sinch`.
    pub provider: ProviderId,
    /// `pending` (credentials stored, not tested), `connected`, `error`, `disabled`, or
    /// `not_configured`.
    pub status: String,
    /// Where the credentials in force come from: `tenant`, `server` (environment variables) or
    /// `none` (the sandbox delivers instead).
    pub source: &'static str,
    /// True when deliveries use this provider (credentials in force, not disabled).
    pub live: bool,
    /// Names of the tenant's stored credential fields.
    pub fields: Vec<String>,
    /// Circuit breaker per channel: `closed`, `open`, `half_open`.
    pub breakers: Vec<BreakerView>,
    /// When the last test ran (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_check_at: Option<OffsetDateTime>,
    /// Response time of the last test, milliseconds.
    pub last_response_ms: Option<u64>,
    /// The provider's error at the last test.
    pub last_error: Option<String>,
}

/// A provider's breaker on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakerView {
    /// `voice` or `sms`.
    pub channel: Channel,
    /// Position.
    pub status: BreakerStatus,
    /// When an open breaker lets a probe through (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub open_until: Option<OffsetDateTime>,
    /// Why it last failed.
    pub last_failure: Option<String>,
}

/// The list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    /// One entry per provider.
    pub data: Vec<IntegrationView>,
}

fn real_provider(name: &str) -> Result<ProviderId, ApiError> {
    ProviderId::parse(name)
        .filter(|p| *p != ProviderId::Sandbox)
        .ok_or_else(|| {
            ApiError::UnknownProvider(format!(
                "no provider {name:?}; known: telnyx, twilio, sinch, stripe, paypal"
            ))
        })
}

async fn view(
    state: &AppState,
    tenant: &TenantContext,
    provider: ProviderId,
) -> Result<IntegrationView, ApiError> {
    let internal = |e: onramp_domain::ports::ProviderError| ApiError::Internal(Box::new(e));
    let integration = state
        .providers
        .integration(tenant.id, provider)
        .await
        .map_err(internal)?;
    let server = state.providers.server().get(provider).is_some();
    let (source, status) = match (integration.sealed_credentials.is_some(), server) {
        _ if integration.status == IntegrationStatus::Disabled => ("none", "disabled".to_string()),
        (true, _) => ("tenant", status_name(integration.status)),
        (false, true) => (
            "server",
            if integration.last_check_at.is_some() {
                status_name(integration.status)
            } else {
                "pending".into()
            },
        ),
        (false, false) => ("none", "not_configured".into()),
    };
    let mut breakers = Vec::new();
    // Breakers guard code delivery only: payment providers have none.
    let channels = if provider.delivers_codes() {
        &[Channel::Voice, Channel::Sms][..]
    } else {
        &[]
    };
    for &channel in channels {
        let b = state
            .services
            .verifications
            .breaker(tenant.id, provider, channel)
            .await?;
        breakers.push(BreakerView {
            channel,
            status: b.status,
            open_until: b.open_until,
            last_failure: b.last_failure,
        });
    }
    Ok(IntegrationView {
        provider,
        live: source != "none",
        status,
        source,
        fields: integration.fields,
        breakers,
        last_check_at: integration.last_check_at,
        last_response_ms: integration.last_response_ms,
        last_error: integration.last_error,
    })
}

fn status_name(s: IntegrationStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Every provider's integration for this tenant: status, source of credentials, breakers, last
/// test.
#[utoipa::path(get, path = "/v1/integrations", tag = "integrations",
    responses((status = 200, body = IntegrationList)), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
) -> Result<axum::Json<IntegrationList>, ApiError> {
    let mut data = Vec::new();
    for provider in ProviderId::REAL.into_iter().chain(ProviderId::PAYMENTS) {
        data.push(view(&state, &tenant, provider).await?);
    }
    Ok(axum::Json(IntegrationList { data }))
}

/// Stores the tenant's credentials for a provider, sealed with AES-256-GCM. The body is the
/// provider's credential object (Telnyx `{api_key, verify_profile_id, public_key?}`, Twilio
/// `{account_sid, auth_token, verify_service_sid}`, Sinch `{application_key,
/// application_secret, webhook_secret?}`; each may add `base_url` where the server allows it,
/// `ONRAMP_ALLOW_TENANT_BASE_URLS`, since it makes the server call that host). Never returned.
#[utoipa::path(put, path = "/v1/integrations/{provider}", tag = "integrations",
    params(("provider" = String, Path, description = "telnyx, twilio, sinch, stripe or paypal")),
    request_body(content = Object),
    responses((status = 200, body = IntegrationView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<axum::Json<IntegrationView>, ApiError> {
    let provider = real_provider(&name)?;
    if body.get("base_url").is_some_and(|u| !u.is_null()) && !state.allow_tenant_base_urls {
        return Err(ApiError::ValidationFailed {
            detail: "base_url is not accepted in a tenant's credentials on this server (ONRAMP_ALLOW_TENANT_BASE_URLS is off): the provider's own API is used".into(),
            errors: vec![],
        });
    }
    ProviderCredentials::parse(provider, &body).map_err(|detail| ApiError::ValidationFailed {
        detail: format!("invalid {provider} credentials: {detail}"),
        errors: vec![],
    })?;
    state
        .services
        .integrations
        .set_integration(tenant.id, provider, &body)
        .await?;
    Ok(axum::Json(view(&state, &tenant, provider).await?))
}

/// Makes a cheap authenticated call with the credentials in force and records connected or the
/// provider's error, with the response time.
#[utoipa::path(post, path = "/v1/integrations/{provider}/test", tag = "integrations",
    params(("provider" = String, Path, description = "telnyx, twilio, sinch, stripe or paypal")),
    responses((status = 200, body = IntegrationView), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn test(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(name): Path<String>,
) -> Result<axum::Json<IntegrationView>, ApiError> {
    let provider = real_provider(&name)?;
    let (credentials, _) = state
        .providers
        .credentials(tenant.id, provider)
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .ok_or_else(|| {
            ApiError::UnknownProvider(format!(
                "no {provider} credentials configured for this tenant or the server"
            ))
        })?;
    let client = credentials
        .client()
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let started = Instant::now();
    let outcome = client.health_check().await;
    let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let error = outcome.err().map(|e| match &e {
        onramp_domain::ports::ProviderError::Unexpected(src) => format!("unexpected: {src}"),
        other => other.to_string(),
    });
    state
        .services
        .integrations
        .record_integration_check(tenant.id, provider, error, elapsed)
        .await?;
    Ok(axum::Json(view(&state, &tenant, provider).await?))
}

/// Disables the tenant's integration with a provider: the provider leaves the tenant's chains
/// (even with server-wide credentials) until credentials are stored again with `PUT`.
#[utoipa::path(delete, path = "/v1/integrations/{provider}", tag = "integrations",
    params(("provider" = String, Path, description = "telnyx, twilio, sinch, stripe or paypal")),
    responses((status = 200, body = IntegrationView), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(name): Path<String>,
) -> Result<axum::Json<IntegrationView>, ApiError> {
    let provider = real_provider(&name)?;
    state
        .services
        .integrations
        .disable_integration(tenant.id, provider)
        .await?;
    Ok(axum::Json(view(&state, &tenant, provider).await?))
}
