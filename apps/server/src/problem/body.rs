//! The problem+json body ([`Problem`]) and the response an [`ApiError`] becomes.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use onramp_domain::flow::FieldError;
use serde::Serialize;

use super::ApiError;

/// The problem+json body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:onramp:problem:<CODE>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong with this request, and what to fix.
    pub detail: String,
    /// Stable machine-readable code, e.g. `ONBOARDING_SESSION_NOT_FOUND`.
    pub code: &'static str,
    /// Failing fields, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Vec<FieldError>>,
    /// Seconds to wait, for rate limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Checks left, for an incorrect code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks_remaining: Option<u32>,
    /// The issuer's decline code, for a declined card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// For `SECRET_SHOWN_ONCE`: the status of the original answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_status: Option<u16>,
    /// For `SECRET_SHOWN_ONCE`: the original answer without its secret fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answer: Option<serde_json::Value>,
}

fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %cause_chain(&self), "request failed");
        }
        let detail = self.to_string();
        let (answer_status, answer) = match &self {
            ApiError::SecretShownOnce {
                answer_status,
                answer,
            } => (Some(*answer_status), Some(answer.clone())),
            _ => (None, None),
        };
        let (errors, retry_after_seconds, checks_remaining, decline_code) = match self {
            ApiError::ValidationFailed { errors, .. } => (Some(errors), None, None, None),
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => (None, Some(retry_after_seconds), None, None),
            ApiError::CodeIncorrect { checks_remaining } => {
                (None, None, Some(checks_remaining), None)
            }
            ApiError::LinkCodeIncorrect { attempts_remaining } => {
                (None, None, Some(attempts_remaining), None)
            }
            ApiError::CardDeclined { decline_code, .. } => (None, None, None, decline_code),
            _ => (None, None, None, None),
        };
        let problem = Problem {
            kind: format!("urn:onramp:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code,
            errors,
            retry_after_seconds,
            checks_remaining,
            decline_code,
            answer_status,
            answer,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after_seconds
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        response
    }
}
