//! Outbound webhook deliveries (issue 12, item 2): an endpoint's attempts and messages (the
//! failed ones are its dead letters), a replay, and the redelivery of one event.

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::ports::{MessageOutcome, WebhookQueue};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::webhook_endpoints::endpoint_id;
use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A page of a listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Page size, 1..=100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Messages only: `pending`, `delivered` or `failed` (given up: the dead letters).
    pub status: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// The event's id (the `webhook-id`).
    pub event_id: Option<String>,
    /// The event's sequence.
    pub sequence: u64,
    /// Its number for the message, from 1.
    pub attempt: u32,
    /// When it was sent (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub attempted_at: OffsetDateTime,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Milliseconds to the answer or the failure.
    pub latency_ms: u64,
    /// The start of the answer's body (at most 1 KiB).
    pub response: String,
    /// Why no answer came (timeout, connection, a refused destination).
    pub error: Option<String>,
    /// The message afterwards: `delivered`, `retry` or `failed`.
    pub result: String,
}

/// A page of attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptPage {
    /// Newest first.
    pub data: Vec<AttemptView>,
    /// Cursor of the next page, absent on the last.
    pub next_cursor: Option<String>,
}

/// One message: an event for the endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// The event's id.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// Its sequence.
    pub sequence: u64,
    /// `pending`, `delivered` or `failed` (given up).
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due, while pending (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: OffsetDateTime,
    /// When it last changed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest event first.
    pub data: Vec<MessageView>,
    /// Cursor of the next page, absent on the last.
    pub next_cursor: Option<String>,
}

/// What to replay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Every event created at or after this instant (RFC 3339) that the endpoint's filter takes.
    pub since: String,
}

/// Where to redeliver.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverRequest {
    /// One endpoint (even one whose filter no longer takes the event); absent: every enabled
    /// endpoint whose filter takes it.
    pub endpoint_id: Option<String>,
}

/// The endpoints an event was queued for again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    /// Their ids.
    pub endpoint_ids: Vec<String>,
}

fn page(p: &PageParams) -> Result<(u32, Option<u64>), ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Malformed(
            "limit must be between 1 and 100".into(),
        ));
    }
    let cursor = p
        .cursor
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|_| ApiError::invalid_cursor())?;
    Ok((limit, cursor))
}

/// The endpoint's delivery attempts, newest first: status, latency, the answer's start.
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}/attempts", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id"), PageParams),
    responses((status = 200, body = AttemptPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn attempts(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<axum::Json<AttemptPage>, ApiError> {
    let id = endpoint_id(&id)?;
    let (limit, before) = page(&p)?;
    state.services.outbound.endpoint(tenant.id, id).await?;
    let rows = state
        .store
        .webhook_attempts(tenant.id, id, before, limit)
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let data = rows
        .into_iter()
        .map(|r| (r.event_id, r.attempt))
        .map(|(event_id, a)| AttemptView {
            event_id: event_id.map(|id| id.to_string()),
            sequence: a.sequence,
            attempt: a.attempt,
            attempted_at: a.at,
            status_code: a.status,
            latency_ms: a.latency_ms,
            response: a.response,
            error: a.error,
            result: match a.outcome {
                MessageOutcome::Delivered => "delivered",
                MessageOutcome::Retry(_) => "retry",
                MessageOutcome::Failed => "failed",
            }
            .into(),
        })
        .collect();
    Ok(axum::Json(AttemptPage { data, next_cursor }))
}

/// The endpoint's messages, newest event first; `status=failed` lists its dead letters.
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}/messages", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id"), PageParams),
    responses((status = 200, body = MessagePage), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    let id = endpoint_id(&id)?;
    let (limit, before) = page(&p)?;
    if let Some(status) = p.status.as_deref()
        && !["pending", "delivered", "failed"].contains(&status)
    {
        return Err(ApiError::Malformed(
            "status must be pending, delivered or failed".into(),
        ));
    }
    state.services.outbound.endpoint(tenant.id, id).await?;
    let rows = state
        .store
        .webhook_messages(tenant.id, id, p.status.clone(), before, limit)
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|m| m.sequence.to_string()))
        .flatten();
    let data = rows
        .into_iter()
        .map(|m| MessageView {
            event_id: m.event_id.to_string(),
            event_type: m.event_type,
            sequence: m.sequence,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            updated_at: m.updated_at,
        })
        .collect();
    Ok(axum::Json(MessagePage { data, next_cursor }))
}

/// Queues again, now, every kept event since `since` that the endpoint's filter takes.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}/replay", tag = "webhooks", request_body = ReplayRequest,
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 202), (status = 400, body = Problem), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReplayRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    let id = endpoint_id(&id)?;
    let since = OffsetDateTime::parse(&req.since, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::Malformed("since must be an RFC 3339 instant".into()))?;
    state.services.outbound.replay(tenant.id, id, since).await?;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// Queues one event again, now: for one endpoint, or every enabled endpoint that takes it.
#[utoipa::path(post, path = "/v1/events/{id}/redeliver", tag = "events", request_body = RedeliverRequest,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = Requeued), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<RedeliverRequest>,
) -> Result<axum::Json<Requeued>, ApiError> {
    let event = Uuid::parse_str(&id).map_err(|_| ApiError::EventNotFound)?;
    let endpoint = req.endpoint_id.as_deref().map(endpoint_id).transpose()?;
    let ids = state
        .services
        .outbound
        .redeliver(tenant.id, event, endpoint)
        .await?;
    Ok(axum::Json(Requeued {
        endpoint_ids: ids.iter().map(ToString::to_string).collect(),
    }))
}
