//! Onramp's outbound webhook adapter: an outbound adapter of the hexagon (DESIGN.md section 3)
//! for the [`WebhookSender`] port, over reqwest.
//!
//! - [`HttpWebhookSender`]: one `POST` per delivery, `content-type: application/json` and the
//!   request's (signature) headers, no redirect followed (a 3xx is an answer like any other),
//!   the answer's status, latency and first [`RESPONSE_EXCERPT_BYTES`] bytes; the body is read
//!   chunk by chunk and never past that limit;
//! - [`SenderSettings`]: the timeout (15 s by default), whether private destinations are
//!   allowed (not by default), the user agent;
//! - [`is_public`]: the address classifier of the SSRF guard.
//!
//! # The SSRF guard
//! Unless [`SenderSettings::allow_private`] is set, a tenant's endpoint cannot make the server
//! reach a non-public address: [`WebhookSender::check_url`] refuses a URL whose host is, or
//! resolves to, a loopback, private, link-local, unique-local, shared, documentation,
//! multicast or otherwise non-public address (or is `localhost`); and at delivery time the
//! client connects only through a resolver that drops such addresses, so a name rebound to
//! `169.254.169.254` after registration reaches nothing. IP-literal URLs, which reqwest
//! connects to without resolving, are checked before sending. Proxies are never used: the
//! guard judges the address actually connected to.
//!
//! ```
//! use onramp_domain::ports::{SendError, WebhookSender};
//! use onramp_webhook_sender::{HttpWebhookSender, SenderSettings};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sender = HttpWebhookSender::new(SenderSettings::default())?;
//! let metadata = sender.check_url("http://169.254.169.254/latest/meta-data").await;
//! assert!(matches!(metadata, Err(SendError::Refused(_))));
//! let credentials = sender.check_url("https://user:pw@hooks.example/").await;
//! assert!(matches!(credentials, Err(SendError::Refused(_))));
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod guard;

use std::time::Instant;

use onramp_domain::ports::{
    OutboundRequest, OutboundResponse, RESPONSE_EXCERPT_BYTES, SendError, WebhookSender,
};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::Policy;

pub use config::{DEFAULT_TIMEOUT, SenderSettings};
pub use guard::is_public;

use error::{classify, millis};
use guard::GuardedResolver;

/// Why an [`HttpWebhookSender`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// reqwest refused the settings (a user agent that is not a valid header value) or could
    /// not set up TLS.
    #[error("cannot build the webhook HTTP client")]
    Client(#[source] reqwest::Error),
}

/// The [`WebhookSender`] over HTTP(S). Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct HttpWebhookSender {
    client: reqwest::Client,
    settings: SenderSettings,
}

impl HttpWebhookSender {
    /// A sender with `settings`.
    ///
    /// # Errors
    /// [`BuildError::Client`] when the HTTP client cannot be built.
    pub fn new(settings: SenderSettings) -> Result<Self, BuildError> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(Policy::none())
            // Through a proxy, the guard would judge the proxy's address, not the endpoint's.
            .no_proxy()
            .user_agent(settings.user_agent.as_str());
        if !settings.allow_private {
            builder = builder.dns_resolver(GuardedResolver);
        }
        let client = builder.build().map_err(BuildError::Client)?;
        Ok(Self { client, settings })
    }

    /// The settings the sender was built with.
    #[must_use]
    pub fn settings(&self) -> &SenderSettings {
        &self.settings
    }
}

#[async_trait::async_trait]
impl WebhookSender for HttpWebhookSender {
    /// Checks the URL's shape (`http` or `https`, a host, no user name or password) and,
    /// unless private destinations are allowed, its host: an IP literal must be public, a
    /// name must not be `localhost` or under it, and every address it resolves to (within
    /// the timeout) must be public.
    #[tracing::instrument(skip_all)]
    async fn check_url(&self, url: &str) -> Result<(), SendError> {
        let endpoint = guard::endpoint(url)?;
        if self.settings.allow_private {
            return Ok(());
        }
        endpoint.check_literal()?;
        match endpoint.domain() {
            Some(name) => {
                guard::resolve_checked(name, endpoint.port(), self.settings.timeout).await
            }
            None => Ok(()),
        }
    }

    /// POSTs the body with `content-type: application/json` (which a `content-type` among the
    /// request's headers replaces) and the request's headers. Once the status has arrived the
    /// endpoint has answered: a body that breaks off or outlasts the timeout only shortens the
    /// excerpt.
    #[tracing::instrument(skip_all, fields(status, latency_ms))]
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, SendError> {
        let endpoint = guard::endpoint(&request.url)?;
        if !self.settings.allow_private {
            endpoint.check_literal()?;
        }
        let headers = headers(&request.headers)?;
        let timeout = self.settings.timeout;
        let started = Instant::now();
        let mut response = self
            .client
            .post(endpoint.url)
            .headers(headers)
            .body(request.body)
            .send()
            .await
            .map_err(|e| classify(e, timeout))?;
        let status = response.status().as_u16();
        let mut excerpt = Vec::new();
        while excerpt.len() < RESPONSE_EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e.without_url(), "the answer's body broke off");
                    break;
                }
            }
        }
        excerpt.truncate(RESPONSE_EXCERPT_BYTES);
        let latency_ms = millis(started.elapsed());
        tracing::Span::current()
            .record("status", status)
            .record("latency_ms", latency_ms);
        Ok(OutboundResponse {
            status,
            latency_ms,
            body_excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
        })
    }
}

/// `content-type: application/json`, then the request's headers in order (appended, except
/// a `content-type`, which replaces the default).
///
/// # Errors
/// [`SendError::Refused`] for a header name or value that cannot be sent (nothing is sent).
fn headers(extra: &[(String, String)]) -> Result<HeaderMap, SendError> {
    let mut map = HeaderMap::new();
    map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in extra {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| SendError::Refused(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| SendError::Refused(format!("invalid value for header {name}")))?;
        if name == CONTENT_TYPE {
            map.insert(name, value);
        } else {
            map.append(name, value);
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_defaults_are_fifteen_seconds_and_no_private_destinations() {
        let settings = SenderSettings::default();
        assert_eq!(settings.timeout, std::time::Duration::from_secs(15));
        assert!(!settings.allow_private);
        assert!(settings.user_agent.starts_with("onramp-webhooks/"));
    }

    #[test]
    fn headers_follow_the_json_content_type_which_a_request_header_may_replace() {
        let map = headers(&[
            ("webhook-id".into(), "msg_1".into()),
            ("Content-Type".into(), "application/cloudevents+json".into()),
        ])
        .unwrap();
        assert_eq!(map[CONTENT_TYPE], "application/cloudevents+json");
        assert_eq!(map.get_all(CONTENT_TYPE).iter().count(), 1);
        assert_eq!(map["webhook-id"], "msg_1");
    }

    #[test]
    fn a_header_that_cannot_be_sent_is_refused() {
        assert!(matches!(
            headers(&[("bad name".into(), "v".into())]),
            Err(SendError::Refused(_))
        ));
        assert!(matches!(
            headers(&[("x-ok".into(), "line\nbreak".into())]),
            Err(SendError::Refused(_))
        ));
    }

    #[test]
    fn a_user_agent_that_is_not_a_header_value_fails_the_build() {
        let settings = SenderSettings {
            user_agent: "bad\nagent".into(),
            ..SenderSettings::default()
        };
        assert!(matches!(
            HttpWebhookSender::new(settings),
            Err(BuildError::Client(_))
        ));
    }
}
