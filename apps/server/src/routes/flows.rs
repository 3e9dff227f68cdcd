//! `/v1/flows`: the flow templates.

use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A flow template's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowSummary {
    /// Id.
    pub id: String,
    /// Newest version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Number of steps.
    pub steps: usize,
    /// Sum of the steps' estimated durations, seconds.
    pub estimated_seconds: u64,
}

/// The templates.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowList {
    /// Newest version of each template, by id.
    pub data: Vec<FlowSummary>,
}

/// Lists the flow templates (newest version of each).
#[utoipa::path(get, path = "/v1/flows", tag = "flows", responses((status = 200, body = FlowList)), security(("api_key" = [])))]
pub async fn list_flows(State(state): State<AppState>) -> axum::Json<FlowList> {
    let data = state
        .services
        .core
        .flows
        .latest()
        .iter()
        .map(|f| FlowSummary {
            id: f.id().to_string(),
            version: f.version(),
            title: f.title().to_string(),
            description: f.description().to_string(),
            steps: f.steps().len(),
            estimated_seconds: f
                .steps()
                .iter()
                .map(|s| u64::from(s.estimated_seconds()))
                .sum(),
        })
        .collect();
    axum::Json(FlowList { data })
}

/// One flow template (newest version): its steps, kinds, conditions, answer schemas and prompts.
#[utoipa::path(get, path = "/v1/flows/{flow_id}", tag = "flows", params(("flow_id" = String, Path, description = "Flow id")),
    responses((status = 200, body = Object), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_flow(
    State(state): State<AppState>,
    Path(flow_id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let flow = state.services.core.flows.newest(&flow_id)?;
    Ok(axum::Json(flow.to_definition_json()))
}
