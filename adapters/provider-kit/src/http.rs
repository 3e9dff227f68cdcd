//! The HTTP side of a provider adapter: client, request execution, failure classification and
//! retries, in one place.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use onramp_domain::ports::{PaymentError, ProviderError};
use url::Url;

/// The longest `Retry-After` the adapter waits for inside one call; a longer one is handed to
/// the caller (the failover moves on to the next provider instead).
pub const MAX_INLINE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Connection and timing settings of one provider's API.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Base URL, e.g. `https://api.telnyx.com/v2`; tests point it at a wiremock server.
    pub base_url: Url,
    /// Whole-request timeout (default 10 s).
    pub timeout: Duration,
    /// Connection timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Attempts per call, the first included (default 3). Only calls that are safe to repeat
    /// use more than one.
    pub max_attempts: usize,
    /// First backoff delay (default 200 ms), doubled per attempt, with jitter.
    pub min_backoff: Duration,
    /// The provider's name in metrics (`telnyx`); `unnamed` until the adapter sets it
    /// ([`HttpSettings::for_provider`]).
    pub provider: &'static str,
}

impl HttpSettings {
    /// Defaults for `base_url`.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            max_attempts: 3,
            min_backoff: Duration::from_millis(200),
            provider: "unnamed",
        }
    }

    /// These settings for `provider`, the name its calls are counted under
    /// (`onramp_provider_calls_total{provider}`).
    #[must_use]
    pub fn for_provider(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }

    /// Parses `base_url`.
    ///
    /// # Errors
    /// [`url::ParseError`] for a URL that does not parse.
    pub fn parse(base_url: &str) -> Result<Self, url::ParseError> {
        Ok(Self::new(Url::parse(base_url)?))
    }

    /// The URL of `path` (which starts with `/`) below the base URL: `https://h/v2` +
    /// `/verifications/sms` gives `https://h/v2/verifications/sms`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}

/// Whether a call may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSafety {
    /// Reads, checks and calls with a provider idempotency key: retried after timeouts, 5xx,
    /// 429 and connection failures.
    Idempotent,
    /// Calls with an effect the provider cannot de-duplicate (starting a verification sends a
    /// message): retried only when the provider surely did nothing (the connection could not be
    /// made, or a 429 refused it).
    NotIdempotent,
}

/// A provider's answer, read whole.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Bytes,
}

impl Exchange {
    /// The body as JSON.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] when it is not the JSON the adapter expects.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body).map_err(|e| ProviderError::Unexpected(Box::new(e)))
    }

    /// The body as text, lossy, cut to 300 characters for messages.
    pub fn snippet(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

/// An adapter's error type: [`ProviderError`] for code delivery, [`PaymentError`] for payments.
/// [`execute`] builds the generic failures from a [`ProviderError`] and asks the type which of
/// the adapter's own classifications may be retried.
pub trait CallError: From<ProviderError> + std::fmt::Display {
    /// Unavailable or unexpected: a retry may succeed.
    fn is_transient(&self) -> bool;
    /// A long `Retry-After` the provider asked for.
    fn retry_after(&self) -> Option<Duration>;
    /// A refusal of this request (not of the credentials), which wins over a 403's generic
    /// reading as unauthorized.
    fn is_rejection(&self) -> bool;
}

impl CallError for ProviderError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Unexpected(_))
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn is_rejection(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }
}

impl CallError for PaymentError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Provider(p) if p.is_transient())
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Provider(p) => CallError::retry_after(p),
            _ => None,
        }
    }

    fn is_rejection(&self) -> bool {
        matches!(
            self,
            Self::CardDeclined { .. }
                | Self::Refused { .. }
                | Self::Provider(ProviderError::Rejected { .. })
        )
    }
}

/// A failure before any answer: whether the provider may have acted on the request matters for
/// retries.
#[derive(Debug)]
struct Attempt<E> {
    error: E,
    /// True when the provider surely did nothing (no connection, or a 429).
    not_processed: bool,
    /// Retry-After the provider asked for, when short enough to wait inline.
    wait: Option<Duration>,
}

/// Builds the client every adapter uses: rustls, the timeouts of `settings`, a user agent.
///
/// # Errors
/// [`ProviderError::Unexpected`] when the TLS backend cannot be initialised.
pub fn client(settings: &HttpSettings) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .user_agent(concat!("onramp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Unexpected(Box::new(e)))
}

/// The `Retry-After` header in seconds (the HTTP-date form is not used by these providers and
/// reads as absent).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Sends the request `build` makes, retrying as `safety` allows, and hands every answer that is
/// not a 429, a 5xx, a 401 or a 403 to `classify` (2xx to parse, other 4xx to turn into
/// [`ProviderError::Rejected`] in the provider's terms).
///
/// The generic classification, the same for every provider:
/// - connection failure or timeout: [`ProviderError::Unavailable`];
/// - 429: [`ProviderError::Unavailable`] with the `Retry-After`;
/// - 5xx: [`ProviderError::Unavailable`];
/// - 401, 403: [`ProviderError::Unauthorized`] with the body's text, except a 403 that
///   `classify` turns into [`ProviderError::Rejected`] (a destination the provider refuses).
///
/// # Errors
/// The classified failure of the last attempt.
pub async fn execute<T, E: CallError>(
    settings: &HttpSettings,
    safety: CallSafety,
    build: impl Fn() -> reqwest::RequestBuilder,
    classify: impl Fn(&Exchange) -> Result<T, E>,
) -> Result<T, E> {
    let started = std::time::Instant::now();
    // The metrics' operation label, from the first attempt's request.
    let operation = std::sync::OnceLock::new();
    let once = || async {
        let (client, request) = build().build_split();
        let request = request.map_err(transport_failure)?;
        operation.get_or_init(|| crate::call_metrics::operation(request.method(), request.url()));
        let response = client.execute(request).await.map_err(transport_failure)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_failure)?;
        let exchange = Exchange {
            status,
            headers,
            body,
        };
        match generic_failure(&exchange) {
            None => classify(&exchange).map_err(|error| Attempt {
                error,
                not_processed: false,
                wait: None,
            }),
            // A 403 can carry a rejection of the destination rather than of the credentials
            // (Twilio 60205 landline, 60605 geo-permissions): the adapter's classification of
            // the body wins when it says so.
            Some(generic) => match classify(&exchange) {
                Err(rejected)
                    if rejected.is_rejection() && exchange.status == StatusCode::FORBIDDEN =>
                {
                    Err(Attempt {
                        error: rejected,
                        not_processed: false,
                        wait: None,
                    })
                }
                _ => Err(generic.into_error()),
            },
        }
    };
    let backoff = ExponentialBuilder::default()
        .with_min_delay(settings.min_backoff)
        .with_max_times(settings.max_attempts.saturating_sub(1))
        .with_jitter();
    let result = once
        .retry(backoff)
        .when(|a: &Attempt<E>| retryable(a, safety))
        // The provider's short Retry-After replaces the backoff's delay, but only while the
        // backoff still grants an attempt: once it answers None the attempts are used up.
        .adjust(|a: &Attempt<E>, d| d.map(|d| a.wait.unwrap_or(d)))
        .notify(|a: &Attempt<E>, d| {
            tracing::debug!(error = %a.error, delay_ms = d.as_millis(), "retrying provider call");
        })
        .await
        .map_err(|a| a.error);
    crate::call_metrics::record(
        settings.provider,
        operation
            .into_inner()
            .unwrap_or_else(|| "unbuildable".into()),
        result.as_ref().err(),
        started.elapsed(),
    );
    result
}

impl Attempt<ProviderError> {
    fn into_error<E: CallError>(self) -> Attempt<E> {
        Attempt {
            error: self.error.into(),
            not_processed: self.not_processed,
            wait: self.wait,
        }
    }
}

fn retryable<E: CallError>(a: &Attempt<E>, safety: CallSafety) -> bool {
    let transient = a.error.is_transient();
    let retry_after_too_long = a
        .error
        .retry_after()
        .is_some_and(|d| d > MAX_INLINE_RETRY_AFTER);
    transient
        && !retry_after_too_long
        && match safety {
            CallSafety::Idempotent => true,
            CallSafety::NotIdempotent => a.not_processed,
        }
}

fn transport_failure<E: CallError>(e: reqwest::Error) -> Attempt<E> {
    let reason = if e.is_timeout() {
        "timeout".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        format!("transport: {e}")
    };
    Attempt {
        not_processed: e.is_connect(),
        error: ProviderError::Unavailable {
            retry_after: None,
            reason,
        }
        .into(),
        wait: None,
    }
}

fn generic_failure(x: &Exchange) -> Option<Attempt<ProviderError>> {
    let status = x.status;
    if status == StatusCode::TOO_MANY_REQUESTS {
        let after = retry_after(&x.headers);
        return Some(Attempt {
            error: ProviderError::Unavailable {
                retry_after: after,
                reason: "http 429".into(),
            },
            not_processed: true,
            wait: after.filter(|d| *d <= MAX_INLINE_RETRY_AFTER),
        });
    }
    if status.is_server_error() {
        return Some(Attempt {
            error: ProviderError::Unavailable {
                retry_after: retry_after(&x.headers),
                reason: format!("http {}", status.as_u16()),
            },
            not_processed: false,
            wait: None,
        });
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Some(Attempt {
            error: ProviderError::Unauthorized {
                reason: format!("http {}: {}", status.as_u16(), x.snippet()),
            },
            not_processed: true,
            wait: None,
        });
    }
    None
}
