//! Tenant-facing events (issue 12, item 1): `GET /v1/events`, `GET /v1/events/{id}`.

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::app::events::{EventView, event_type};
use onramp_domain::ports::{TenantEventLog, TenantEventQuery};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::sessions::session_id;
use crate::auth::TenantContext;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Filters of `GET /v1/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListEventsParams {
    /// Only these types, comma-separated (`session.completed,trial.converted`); each must be
    /// in the catalogue (the OpenAPI document's `webhooks`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Only the events of this session.
    pub session_id: Option<String>,
    /// Only events created at or after this instant (RFC 3339).
    pub created_after: Option<String>,
    /// `desc` (newest first, the default) or `asc` (oldest first: follow the log with
    /// `next_cursor`).
    pub order: Option<String>,
    /// Page size, 1..=100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// `true` to receive phone numbers and e-mail addresses unmasked.
    pub include_pii: Option<bool>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Events, in the order asked.
    pub data: Vec<EventView>,
    /// Cursor of the next page; absent on the last page of a newest-first listing. An
    /// oldest-first listing always has one: the log's end, to poll for what comes next.
    pub next_cursor: Option<String>,
}

/// Query parameters of `GET /v1/events/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GetEventParams {
    /// `true` to receive phone numbers and e-mail addresses unmasked.
    pub include_pii: Option<bool>,
}

/// The tenant's events (kept `ONRAMP_RETENTION_EVENTS_DAYS`, 30 by default), filtered.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(ListEventsParams),
    responses((status = 200, body = EventPage), (status = 400, body = Problem)), security(("api_key" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(p): ApiQuery<ListEventsParams>,
) -> Result<axum::Json<EventPage>, ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Malformed(
            "limit must be between 1 and 100".into(),
        ));
    }
    let ascending = match p.order.as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(ApiError::Malformed(format!(
                "order must be asc or desc, not {other:?}"
            )));
        }
    };
    let query = TenantEventQuery {
        types: types(p.event_type.as_deref())?,
        session_id: p
            .session_id
            .as_deref()
            .map(|s| session_id(s).map(|id| id.to_string()))
            .transpose()?,
        created_after: p.created_after.as_deref().map(instant).transpose()?,
        cursor: p.cursor.as_deref().map(cursor).transpose()?,
        ascending,
        limit,
    };
    let events = state.store.tenant_events(tenant.id, &query).await?;
    let last = events.last().map(|e| e.sequence);
    let next_cursor = match (last, ascending) {
        (Some(last), _) if events.len() == limit as usize || ascending => Some(last),
        (None, true) => query.cursor,
        _ => None,
    }
    .map(|seq| seq.to_string());
    let include_pii = p.include_pii.unwrap_or(false);
    let data = events
        .into_iter()
        .map(|e| EventView::of(tenant.id, e, include_pii))
        .collect();
    Ok(axum::Json(EventPage { data, next_cursor }))
}

/// One event.
#[utoipa::path(get, path = "/v1/events/{id}", tag = "events",
    params(("id" = String, Path, description = "Event id"), GetEventParams),
    responses((status = 200, body = EventView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_event(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<GetEventParams>,
) -> Result<axum::Json<EventView>, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::EventNotFound)?;
    let event = state
        .store
        .tenant_event(tenant.id, id)
        .await?
        .ok_or(ApiError::EventNotFound)?;
    Ok(axum::Json(EventView::of(
        tenant.id,
        event,
        p.include_pii.unwrap_or(false),
    )))
}

/// The catalogued types of a comma-separated filter.
fn types(filter: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(filter) = filter else {
        return Ok(Vec::new());
    };
    filter
        .split(',')
        .map(|name| {
            event_type(name.trim())
                .map(|t| t.name.to_owned())
                .ok_or_else(|| {
                    ApiError::Malformed(format!(
                        "unknown event type {name:?}: see the OpenAPI document's webhooks"
                    ))
                })
        })
        .collect()
}

fn instant(text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| ApiError::Malformed("created_after must be an RFC 3339 instant".into()))
}

fn cursor(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::invalid_cursor())
}
