//! A small typed client of the Onramp HTTP API: one method per endpoint.
//!
//! Every POST carries an `Idempotency-Key` (a fresh UUID per logical request), and the same key
//! is reused when the request is retried after a connection error or a 503, so a retry never
//! runs an operation twice. Errors come back as [`ApiError`], which keeps the problem+json
//! `code` and `detail` (in `client/error.rs`). The endpoints of conversations, links and end
//! users are in `client/chat.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::stats::Recorder;
pub use crate::wire::*;

mod chat;
mod error;
pub use chat::*;
pub use error::ApiError;

/// Attempts after the first one, for connection errors and 503s.
const MAX_RETRIES: u32 = 3;
/// Backoff before the first retry; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// An API client for one server and one bearer token (a tenant API key, the admin token, or
/// an end user's session token with its platform).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Sent as `X-Onramp-Platform` (end-user session tokens only).
    platform: Option<String>,
    recorder: Option<Arc<Recorder>>,
}

impl Client {
    /// A client of `server` (e.g. `http://127.0.0.1:8080`) authenticating with `token`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS provider).
    pub fn new(server: &str, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: http_client()?,
            base: server.trim_end_matches('/').to_string(),
            token: token.to_string(),
            platform: None,
            recorder: None,
        })
    }

    /// A client of the same server acting as an end user: `token` is an end-user session token
    /// (`ort_...`) for `platform` (`web`, ...), sent as `Authorization: Bearer` with
    /// `X-Onramp-Platform`, for the `/v1/me/...` routes. Not recorded.
    #[must_use]
    pub fn end_user(&self, token: &str, platform: &str) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token: token.to_string(),
            platform: Some(platform.to_string()),
            recorder: None,
        }
    }

    /// This client, recording every attempt's latency in `recorder`.
    #[must_use]
    pub fn recording(mut self, recorder: Arc<Recorder>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The same client without latency recording (for polling, which is not an endpoint cost).
    #[must_use]
    pub fn unrecorded(&self) -> Self {
        Self {
            recorder: None,
            ..self.clone()
        }
    }

    /// `POST /admin/v1/tenants` (with the admin token).
    pub async fn create_tenant(&self, name: &str) -> Result<CreatedTenant, ApiError> {
        self.post("/admin/v1/tenants", Some(json!({ "name": name })))
            .await
    }

    /// `GET /v1/flows`.
    pub async fn flows(&self) -> Result<FlowList, ApiError> {
        self.get("/v1/flows", &[]).await
    }

    /// `GET /v1/flows/{id}`: the definition JSON.
    pub async fn flow(&self, id: &str) -> Result<Value, ApiError> {
        self.get(&format!("/v1/flows/{}", seg(id)), &[]).await
    }

    /// `POST /v1/sessions`.
    pub async fn start_session(&self, req: &StartSession) -> Result<SessionView, ApiError> {
        self.post("/v1/sessions", Some(to_json(req))).await
    }

    /// `GET /v1/sessions/{id}`.
    pub async fn session(&self, id: &str) -> Result<SessionView, ApiError> {
        self.get(&format!("/v1/sessions/{}", seg(id)), &[]).await
    }

    /// `POST /v1/sessions/{id}/steps/{step_id}`.
    pub async fn submit_step(
        &self,
        id: &str,
        step: &str,
        answers: &Value,
    ) -> Result<SessionView, ApiError> {
        self.post(
            &format!("/v1/sessions/{}/steps/{}", seg(id), seg(step)),
            Some(json!({ "answers": answers })),
        )
        .await
    }

    /// `POST /v1/sessions/{id}/steps/{step_id}/skip`.
    pub async fn skip_step(&self, id: &str, step: &str) -> Result<SessionView, ApiError> {
        self.post(
            &format!("/v1/sessions/{}/steps/{}/skip", seg(id), seg(step)),
            None,
        )
        .await
    }

    /// `POST /v1/sessions/{id}/pause`.
    #[allow(dead_code)] // The typed client covers every endpoint; no command needs this one yet.
    pub async fn pause(&self, id: &str) -> Result<SessionView, ApiError> {
        self.post(&format!("/v1/sessions/{}/pause", seg(id)), None)
            .await
    }

    /// `POST /v1/sessions/{id}/resume`.
    #[allow(dead_code)] // The typed client covers every endpoint; no command needs this one yet.
    pub async fn resume(&self, id: &str) -> Result<SessionView, ApiError> {
        self.post(&format!("/v1/sessions/{}/resume", seg(id)), None)
            .await
    }

    /// `POST /v1/sessions/{id}/complete`.
    pub async fn complete(&self, id: &str) -> Result<SessionView, ApiError> {
        self.post(&format!("/v1/sessions/{}/complete", seg(id)), None)
            .await
    }

    /// `POST /v1/sessions/{id}/abandon`.
    pub async fn abandon(&self, id: &str, reason: Option<&str>) -> Result<SessionView, ApiError> {
        self.post(
            &format!("/v1/sessions/{}/abandon", seg(id)),
            Some(json!({ "reason": reason })),
        )
        .await
    }

    /// `GET /v1/sessions/{id}/events`: one page of at most `limit` events after version `after`.
    pub async fn events(&self, id: &str, after: u64, limit: u32) -> Result<EventPage, ApiError> {
        let query = [("after", after.to_string()), ("limit", limit.to_string())];
        self.get(&format!("/v1/sessions/{}/events", seg(id)), &query)
            .await
    }

    /// `POST /v1/verifications`.
    pub async fn start_verification(
        &self,
        req: &StartVerification,
    ) -> Result<VerificationView, ApiError> {
        self.post("/v1/verifications", Some(to_json(req))).await
    }

    /// `GET /v1/verifications/{id}`.
    pub async fn verification(&self, id: &str) -> Result<VerificationView, ApiError> {
        self.get(&format!("/v1/verifications/{}", seg(id)), &[])
            .await
    }

    /// `POST /v1/verifications/{id}/resend`.
    #[allow(dead_code)] // The typed client covers every endpoint; no command needs this one yet.
    pub async fn resend(
        &self,
        id: &str,
        channel: Option<&str>,
    ) -> Result<VerificationView, ApiError> {
        self.post(
            &format!("/v1/verifications/{}/resend", seg(id)),
            Some(json!({ "channel": channel })),
        )
        .await
    }

    /// `POST /v1/verifications/{id}/check`.
    pub async fn check(&self, id: &str, code: &str) -> Result<VerificationView, ApiError> {
        self.post(
            &format!("/v1/verifications/{}/check", seg(id)),
            Some(json!({ "code": code })),
        )
        .await
    }

    /// `GET /v1/integrations`: every provider's integration for this tenant.
    pub async fn integrations(&self) -> Result<Vec<IntegrationSummary>, ApiError> {
        let list: IntegrationList = self.get("/v1/integrations", &[]).await?;
        Ok(list.data)
    }

    /// `GET /v1/sandbox/messages?to=...`: what the sandbox delivered to `to`, oldest first.
    pub async fn sandbox_messages(&self, to: &str) -> Result<Vec<SandboxMessage>, ApiError> {
        let page: SandboxMessages = self
            .get("/v1/sandbox/messages", &[("to", to.to_string())])
            .await?;
        Ok(page.data)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        self.send(Method::GET, path, query, None).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ApiError> {
        self.send(Method::POST, path, &[], body).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<T, ApiError> {
        let url = format!("{}{path}", self.base);
        // One key per logical request, reused by its retries.
        let key = (method == Method::POST).then(|| uuid::Uuid::new_v4().to_string());
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(key) = &key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(platform) = &self.platform {
                request = request.header("X-Onramp-Platform", platform);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let started = Instant::now();
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    response.bytes().await.map(|bytes| (status, bytes))
                }
                Err(e) => Err(e),
            };
            let took = started.elapsed();
            let failed = !matches!(&outcome, Ok((status, _)) if status.is_success());
            if let Some(recorder) = &self.recorder {
                recorder.record(method.as_str(), path, took, failed);
            }
            let retry = attempt < MAX_RETRIES
                && match &outcome {
                    Err(e) => e.is_connect() || e.is_timeout() || e.is_request(),
                    Ok((status, bytes)) => retryable_status(*status, bytes),
                };
            if retry {
                attempt += 1;
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                continue;
            }
            let (status, bytes) = outcome.map_err(ApiError::Transport)?;
            return decode(&method, path, status, &bytes);
        }
    }
}

/// The HTTP client of every command: 30 s per request, 5 s to connect, the CLI's user agent.
/// Cheap to clone (clones share one connection pool).
///
/// # Errors
/// When the client cannot be built (no TLS provider).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("onramp-cli/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// 503 (unavailable, contention), and a concurrent attempt still holding our idempotency key.
fn retryable_status(status: StatusCode, body: &[u8]) -> bool {
    status == StatusCode::SERVICE_UNAVAILABLE
        || (status == StatusCode::CONFLICT
            && serde_json::from_slice::<Problem>(body)
                .is_ok_and(|p| p.code == "IDEMPOTENCY_REQUEST_IN_PROGRESS"))
}

fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    status: StatusCode,
    bytes: &[u8],
) -> Result<T, ApiError> {
    if status.is_success() {
        return serde_json::from_slice(bytes).map_err(|source| ApiError::Decode {
            request: format!("{method} {path}"),
            source,
        });
    }
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(problem) => Err(ApiError::Problem { status, problem }),
        Err(_) => {
            let body: String = String::from_utf8_lossy(bytes).chars().take(300).collect();
            Err(ApiError::Status { status, body })
        }
    }
}

/// A path segment, percent-encoded where needed (ids are UUIDs and slugs, so rarely).
fn seg(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    // Serialising these plain structs of strings cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;
