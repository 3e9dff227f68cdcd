//! The outbound webhook port (issue 12, item 2): one HTTP POST of a signed event to a tenant's
//! endpoint, refusing destinations the server must not reach (SSRF).

/// One delivery attempt to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// The endpoint's URL (`https://...`; `http://` only where private destinations are allowed).
    pub url: String,
    /// Headers besides `content-type: application/json` (the Standard Webhooks `webhook-id`,
    /// `webhook-timestamp`, `webhook-signature`).
    pub headers: Vec<(String, String)>,
    /// The JSON body, exactly as signed.
    pub body: Vec<u8>,
}

/// What the endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    /// The HTTP status (any 2xx is a success).
    pub status: u16,
    /// From the request's start to the answer's end, milliseconds.
    pub latency_ms: u64,
    /// The start of the answer's body, at most [`RESPONSE_EXCERPT_BYTES`] bytes, lossy UTF-8.
    pub body_excerpt: String,
}

/// The most of an endpoint's answer kept with an attempt.
pub const RESPONSE_EXCERPT_BYTES: usize = 1024;

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The URL is malformed, or names (or resolves to) a loopback, private, link-local or
    /// otherwise non-public address while those are not allowed. Nothing was sent.
    #[error("destination refused: {0}")]
    Refused(String),
    /// No answer within the timeout (15 s by default).
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// The connection failed (DNS, TCP, TLS) or broke.
    #[error("connection failed: {0}")]
    Connect(String),
}

/// Sends webhook deliveries over HTTP.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait WebhookSender: Send + Sync {
    /// Checks an endpoint URL when it is registered: `http` or `https`, a host, and (unless
    /// private destinations are allowed) a host that is not, and does not resolve to, a
    /// non-public address.
    ///
    /// # Errors
    /// [`SendError::Refused`] with the reason.
    async fn check_url(&self, url: &str) -> Result<(), SendError>;

    /// POSTs `request` (no redirects followed), answering what the endpoint said; the address
    /// actually connected to is checked as [`WebhookSender::check_url`] checks (a name that
    /// resolves to a private address at delivery time is refused too).
    ///
    /// # Errors
    /// [`SendError`] when no answer came back.
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, SendError>;
}
