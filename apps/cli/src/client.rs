//! A small typed client of the Onramp HTTP API: one method per endpoint.
//!
//! Every POST carries an `Idempotency-Key` (a fresh UUID per logical request), and the same key
//! is reused when the request is retried after a connection error or a 503, so a retry never
//! runs an operation twice. Errors come back as [`ApiError`], which keeps the problem+json
//! `code` and `detail`. The endpoints of conversations, links and end users are in
//! `client/chat.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::stats::Recorder;
pub use crate::wire::*;

mod chat;
pub use chat::*;

/// Attempts after the first one, for connection errors and 503s.
const MAX_RETRIES: u32 = 3;
/// Backoff before the first retry; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// The server answered with a problem+json body.
    Problem {
        /// HTTP status.
        status: StatusCode,
        /// The body.
        problem: Problem,
    },
    /// The server answered an error status without a problem body.
    Status {
        /// HTTP status.
        status: StatusCode,
        /// The start of the body.
        body: String,
    },
    /// The request could not be sent or the answer not read.
    Transport(reqwest::Error),
    /// A success whose body is not what the endpoint documents.
    Decode {
        /// `METHOD path`.
        request: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl ApiError {
    /// The problem's stable code (`RATE_LIMITED`, ...), when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Problem { status, problem } => {
                write!(
                    f,
                    "{} (HTTP {}): {}",
                    problem.code,
                    status.as_u16(),
                    problem.detail
                )?;
                for e in &problem.errors {
                    write!(f, "; {}: {}", e.field, e.message)?;
                }
                if let Some(secs) = problem.retry_after_seconds {
                    write!(f, "; retry after {secs} s")?;
                }
                Ok(())
            }
            Self::Status { status, body } => {
                write!(f, "HTTP {status} without a problem body: {body}")
            }
            // The reqwest error follows as the source, so `{:#}` prints it once.
            Self::Transport(_) => f.write_str("request failed"),
            Self::Decode { request, .. } => write!(f, "unexpected response body from {request}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

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
mod tests {
    use super::*;

    #[test]
    fn a_problem_displays_its_code_status_detail_and_field_errors() {
        let problem: Problem = serde_json::from_value(json!({
            "type": "urn:onramp:problem:CONFIGURATION_VALIDATION_FAILED", "title": "Unprocessable Entity",
            "status": 422, "detail": "the answers to step organization are invalid",
            "code": "CONFIGURATION_VALIDATION_FAILED",
            "errors": [{ "field": "name", "code": "too_short", "message": "at least 2 characters" }]
        }))
        .expect("problem parses");
        let err = ApiError::Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem,
        };
        assert_eq!(
            err.to_string(),
            "CONFIGURATION_VALIDATION_FAILED (HTTP 422): the answers to step organization are invalid; name: at least 2 characters"
        );
        assert_eq!(err.code(), Some("CONFIGURATION_VALIDATION_FAILED"));
    }

    #[test]
    fn an_error_status_without_a_problem_body_keeps_the_body() {
        let err = decode::<Value>(
            &Method::GET,
            "/x",
            StatusCode::BAD_GATEWAY,
            b"upstream down",
        )
        .expect_err("an error");
        assert_eq!(
            err.to_string(),
            "HTTP 502 Bad Gateway without a problem body: upstream down"
        );
    }

    #[test]
    fn only_503_and_an_in_progress_key_are_retried() {
        assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE, b""));
        let in_progress = br#"{"type":"t","title":"Conflict","status":409,"detail":"d","code":"IDEMPOTENCY_REQUEST_IN_PROGRESS"}"#;
        assert!(retryable_status(StatusCode::CONFLICT, in_progress));
        let reused = br#"{"type":"t","title":"Conflict","status":409,"detail":"d","code":"IDEMPOTENCY_KEY_REUSED"}"#;
        assert!(!retryable_status(StatusCode::CONFLICT, reused));
        assert!(!retryable_status(StatusCode::UNPROCESSABLE_ENTITY, b""));
    }

    /// Answers each connection with the next canned response and reports the request head.
    async fn stub_server(
        responses: Vec<(&'static str, &'static str)>,
    ) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for (status, body) in responses {
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut buf = vec![0_u8; 8192];
                let n = socket.read(&mut buf).await.expect("read");
                let _ = tx.send(String::from_utf8_lossy(&buf[..n]).to_lowercase());
                socket.write_all(response.as_bytes()).await.expect("write");
                socket.shutdown().await.expect("shutdown");
            }
        });
        (format!("http://{addr}"), rx)
    }

    fn idempotency_key(head: &str) -> Option<String> {
        head.lines()
            .find_map(|l| l.strip_prefix("idempotency-key: ").map(str::to_string))
    }

    #[tokio::test]
    async fn a_post_retried_after_a_503_reuses_its_idempotency_key() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let unavailable = (
            "503 Service Unavailable",
            r#"{"type":"t","title":"Unavailable","status":503,"detail":"retry","code":"SERVICE_UNAVAILABLE"}"#,
        );
        let created = ("201 Created", r#"{"id":"t1","name":"Acme","api_key":"k"}"#);
        let (base, mut heads) = stub_server(vec![unavailable, created]).await;
        let client = Client::new(&base, "admintoken").expect("client");
        let tenant = client
            .create_tenant("Acme")
            .await
            .expect("created on the retry");
        assert_eq!(tenant.api_key, "k");
        let first = heads.recv().await.expect("first request");
        let second = heads.recv().await.expect("second request");
        assert!(first.starts_with("post /admin/v1/tenants "), "{first}");
        assert!(
            first.contains("authorization: bearer admintoken"),
            "{first}"
        );
        let key = idempotency_key(&first).expect("an idempotency key");
        assert_eq!(idempotency_key(&second), Some(key));
    }

    #[tokio::test]
    async fn two_posts_get_different_idempotency_keys_and_gets_none() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let ok = ("200 OK", r#"{"data":[]}"#);
        let (base, mut heads) = stub_server(vec![ok, ok, ok]).await;
        let client = Client::new(&base, "key").expect("client");
        let _ = client.complete("s1").await;
        let _ = client.complete("s1").await;
        let _ = client
            .sandbox_messages("+12025550150")
            .await
            .expect("an empty inbox");
        let (a, b, get) = (
            heads.recv().await.expect("a"),
            heads.recv().await.expect("b"),
            heads.recv().await.expect("get"),
        );
        assert_ne!(
            idempotency_key(&a).expect("key a"),
            idempotency_key(&b).expect("key b")
        );
        assert!(
            get.starts_with("get /v1/sandbox/messages?to=%2b12025550150 "),
            "{get}"
        );
        assert_eq!(idempotency_key(&get), None);
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(seg("income_type"), "income_type");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
