//! The webhook log (issue 3, item 3): `POST /webhooks/{provider}` (server-wide credentials)
//! and `POST /webhooks/{provider}/{tenant_id}` (a tenant's own credentials). The signature is
//! verified over the raw body exactly as the provider signs; a bad one answers 401 and nothing is
//! stored. A valid event is stored once per (provider, event id) before the 2xx; a duplicate is
//! acknowledged and ignored.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method};
use onramp_domain::app::webhooks::{InboundWebhook, WebhookReceipt};
use onramp_domain::ids::TenantId;
use onramp_domain::ports::ProviderId;
use onramp_provider_kit::webhook::WebhookRequest;
use serde::Serialize;

use crate::problem::ApiError;
use crate::providers::ProviderCredentials;
use crate::state::AppState;

/// The answer to a provider.
#[derive(Debug, Serialize)]
pub struct WebhookAck {
    /// `stored`, `duplicate` or `unmatched` (valid and stored, but about nothing Onramp knows:
    /// not processed).
    pub status: &'static str,
}

fn provider(name: &str) -> Result<ProviderId, ApiError> {
    ProviderId::parse(name)
        .filter(|p| *p != ProviderId::Sandbox)
        .ok_or_else(|| ApiError::UnknownProvider(format!("no webhooks for {name:?}")))
}

/// `POST /webhooks/{provider}`: events signed with the server-wide credentials.
pub async fn shared(
    State(state): State<AppState>,
    Path(name): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    shared_of(state, provider(&name)?, method, uri, headers, body).await
}

/// `POST /webhooks/meta`: Meta's events signed with the server-wide app secret.
pub async fn shared_meta(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    shared_of(state, ProviderId::Meta, method, uri, headers, body).await
}

/// `POST /webhooks/meta/{tenant_id}`: Meta's events signed with a tenant's own app secret.
pub async fn for_tenant_meta(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    for_tenant_of(state, ProviderId::Meta, tenant, method, uri, headers, body).await
}

async fn shared_of(
    state: AppState,
    provider: ProviderId,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    let credentials = state
        .providers
        .server()
        .webhook_credentials(provider)
        .ok_or_else(|| {
            signature_error(
                provider,
                format!("no server-wide {provider} credentials to verify with"),
            )
        })?;
    let request = request(&state, method, &uri, headers, body);
    let mut statuses = Vec::new();
    for webhook in verified(&state, None, &credentials, &request).await? {
        let Some(tenant) = state.services.webhooks.webhook_tenant(&webhook).await? else {
            tracing::info!(%provider, event_id = %webhook.event_id, event_type = %webhook.event_type, "webhook about nothing Onramp knows; stored once, acknowledged");
            // Stored once (a redelivery is a duplicate); a payment report is parked and handed
            // to the tenant that records its reference (issue 11, item 8).
            statuses.push(
                match state
                    .services
                    .webhooks
                    .accept_unmatched_webhook(webhook)
                    .await?
                {
                    WebhookReceipt::Stored => "unmatched",
                    WebhookReceipt::Duplicate => "duplicate",
                },
            );
            continue;
        };
        statuses.push(store(&state, tenant, webhook).await?);
    }
    Ok(ack(provider, &statuses))
}

/// `POST /webhooks/{provider}/{tenant_id}`: events signed with a tenant's own credentials.
pub async fn for_tenant(
    State(state): State<AppState>,
    Path((name, tenant)): Path<(String, String)>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    for_tenant_of(state, provider(&name)?, tenant, method, uri, headers, body).await
}

async fn for_tenant_of(
    state: AppState,
    provider: ProviderId,
    tenant: String,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<WebhookAck>, ApiError> {
    let tenant = TenantId::parse(&tenant).map_err(|_| ApiError::NotFound)?;
    let credentials = state
        .providers
        .credentials(tenant, provider)
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map(|(c, _)| c)
        .ok_or_else(|| {
            signature_error(
                provider,
                format!("no {provider} credentials for this tenant"),
            )
        })?;
    let request = request(&state, method, &uri, headers, body);
    let mut statuses = Vec::new();
    for webhook in verified(&state, Some(tenant), &credentials, &request).await? {
        statuses.push(store(&state, tenant, webhook).await?);
    }
    Ok(ack(provider, &statuses))
}

/// One answer for a delivery of one or several events (Meta batches changes): `stored` when
/// any was new, else `duplicate` when any was known, else `unmatched`.
/// The answer to a batch of `provider`'s webhooks, each counted in `/metrics`.
fn ack(provider: ProviderId, statuses: &[&'static str]) -> axum::Json<WebhookAck> {
    for status in statuses {
        crate::metrics::webhook_received(provider, status);
    }
    let status = ["stored", "duplicate"]
        .into_iter()
        .find(|s| statuses.contains(s))
        .unwrap_or("unmatched");
    axum::Json(WebhookAck { status })
}

/// Query of Meta's subscription handshake.
#[derive(Debug, serde::Deserialize)]
pub struct Handshake {
    /// `subscribe`.
    #[serde(rename = "hub.mode", default)]
    pub mode: String,
    /// The verify token the partner configured.
    #[serde(rename = "hub.verify_token", default)]
    pub verify_token: String,
    /// The value to echo.
    #[serde(rename = "hub.challenge", default)]
    pub challenge: String,
}

/// `GET /webhooks/meta` (server-wide credentials) and `GET /webhooks/meta/{tenant_id}`:
/// Meta's subscription handshake. Answers the raw `hub.challenge` when the mode is `subscribe`
/// and the verify token matches (in constant time), else 401; the token is never logged.
pub async fn meta_handshake(
    State(state): State<AppState>,
    tenant: Option<Path<String>>,
    axum::extract::Query(q): axum::extract::Query<Handshake>,
) -> Result<String, ApiError> {
    let credentials = match tenant {
        None => state.providers.server().get(ProviderId::Meta),
        Some(Path(t)) => {
            let tenant = TenantId::parse(&t).map_err(|_| ApiError::NotFound)?;
            state
                .providers
                .credentials(tenant, ProviderId::Meta)
                .await
                .map_err(|e| ApiError::Internal(Box::new(e)))?
                .map(|(c, _)| c)
        }
    };
    let expected = credentials
        .as_ref()
        .and_then(ProviderCredentials::verify_token)
        .unwrap_or("");
    onramp_meta::webhook::handshake(&q.mode, &q.verify_token, &q.challenge, expected).map_err(|e| {
        tracing::warn!(error = %e, "Meta webhook handshake refused");
        ApiError::WebhookSignature(format!("handshake refused: {e}"))
    })
}

/// The request as the provider signed it: behind a proxy, the public URL.
fn request(
    state: &AppState,
    method: Method,
    uri: &axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> WebhookRequest {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let base = state.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    WebhookRequest {
        method: method.to_string(),
        url: format!("{}{path}", base.trim_end_matches('/')),
        headers,
        body,
    }
}

async fn verified(
    state: &AppState,
    tenant: Option<TenantId>,
    credentials: &ProviderCredentials,
    request: &WebhookRequest,
) -> Result<Vec<InboundWebhook>, ApiError> {
    let now = state.services.core.clock.now().unix_timestamp();
    state
        .providers
        .verify_webhook(tenant, credentials, request, now)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %credentials.provider(), error = %e, "webhook refused");
            signature_error(
                credentials.provider(),
                format!("the webhook signature is invalid: {e}"),
            )
        })?;
    let parsed = credentials
        .parse_webhook(request)
        .map_err(|e| ApiError::Malformed(e.to_string()))?;
    Ok(parsed
        .into_iter()
        .map(|p| InboundWebhook {
            provider: credentials.provider(),
            event_id: p.event_id,
            event_type: p.event_type,
            report: p.report,
            payment: p.payment,
            whatsapp: p.whatsapp,
        })
        .collect())
}

/// 401: `STRIPE_WEBHOOK_FAILED` for Stripe (MISSION.md C names it), else
/// `WEBHOOK_SIGNATURE_INVALID`.
/// Counted in `/metrics` as `refused`.
fn signature_error(provider: ProviderId, detail: String) -> ApiError {
    crate::metrics::webhook_received(provider, "refused");
    if provider == ProviderId::Stripe {
        ApiError::StripeWebhook(detail)
    } else {
        ApiError::WebhookSignature(detail)
    }
}

async fn store(
    state: &AppState,
    tenant: TenantId,
    webhook: InboundWebhook,
) -> Result<&'static str, ApiError> {
    Ok(
        match state
            .services
            .webhooks
            .accept_webhook(tenant, webhook)
            .await?
        {
            WebhookReceipt::Stored => "stored",
            WebhookReceipt::Duplicate => "duplicate",
        },
    )
}
