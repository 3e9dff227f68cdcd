//! OAuth2 client credentials for PayPal's REST APIs, and authorized calls that refresh the
//! token once when PayPal answers 401.
//!
//! Token request (PROVIDERS.md section 2, "Transport and auth";
//! paypal/PayPal-TypeScript-Server-SDK: src/controllers/oAuthAuthorizationController.ts):
//! `POST {base}/v1/oauth2/token`, `Authorization: Basic base64(client_id:client_secret)`, form
//! body `grant_type=client_credentials`, answered `{"access_token", "token_type": "Bearer",
//! "expires_in": 28800, ...}`. API calls then carry `Authorization: Bearer <access_token>`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::{self, CallError, CallSafety, Exchange, HttpSettings};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::PaypalCredentials;
use crate::wire::TokenAnswer;

/// How long before PayPal's `expires_in` a token stops being used, so a call never starts
/// with a token that expires in flight. A token whose `expires_in` is at most this margin is
/// used for one call and not kept.
pub const TOKEN_SAFETY_MARGIN: Duration = Duration::from_secs(60);

/// The token endpoint's path below the base URL.
pub(crate) const TOKEN_PATH: &str = "/v1/oauth2/token";

/// The longest a token is kept, whatever `expires_in` says (PayPal answers 28800 s, 8 hours).
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A token and the instant it stops being used.
struct Cached {
    token: SecretString,
    until: Instant,
}

/// The HTTP side of one PayPal REST app: client, settings, credentials and the cached token.
///
/// The token is cached until `expires_in` minus [`TOKEN_SAFETY_MARGIN`] and fetched under an
/// async mutex, so concurrent calls that find no token wait for one fetch instead of each
/// starting their own (single flight).
pub(crate) struct Api {
    pub settings: HttpSettings,
    pub client: reqwest::Client,
    client_id: String,
    client_secret: SecretString,
    cached: Mutex<Option<Cached>>,
}

impl Api {
    /// An API client for `credentials` talking to `settings.base_url`.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &PaypalCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            client: http::client(&settings)?,
            settings: settings.for_provider("paypal"),
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            cached: Mutex::new(None),
        })
    }

    /// The cached token, or a new one when there is none or it is within the safety margin of
    /// its expiry.
    ///
    /// # Errors
    /// As [`Self::fetch`].
    pub async fn token(&self) -> Result<SecretString, ProviderError> {
        let mut slot = self.cached.lock().await;
        if let Some(cached) = slot.as_ref()
            && Instant::now() < cached.until
        {
            return Ok(cached.token.clone());
        }
        self.fetch_into(&mut slot).await
    }

    /// Drops `rejected` (a token PayPal answered 401 to) and gets another, unless a concurrent
    /// call replaced it already.
    ///
    /// # Errors
    /// As [`Self::fetch`].
    async fn refresh_after(&self, rejected: &SecretString) -> Result<SecretString, ProviderError> {
        let mut slot = self.cached.lock().await;
        if let Some(cached) = slot.as_ref()
            && cached.token.expose_secret() != rejected.expose_secret()
            && Instant::now() < cached.until
        {
            return Ok(cached.token.clone());
        }
        *slot = None;
        self.fetch_into(&mut slot).await
    }

    /// Fetches a new token whatever the cache holds, and keeps it: the health check.
    ///
    /// # Errors
    /// As [`Self::fetch`].
    pub async fn fresh_token(&self) -> Result<SecretString, ProviderError> {
        let mut slot = self.cached.lock().await;
        self.fetch_into(&mut slot).await
    }

    async fn fetch_into(&self, slot: &mut Option<Cached>) -> Result<SecretString, ProviderError> {
        let (token, lifetime) = self.fetch().await?;
        *slot = lifetime
            .checked_sub(TOKEN_SAFETY_MARGIN)
            .filter(|keep| !keep.is_zero())
            .map(|keep| Cached {
                token: token.clone(),
                until: Instant::now() + keep.min(MAX_TOKEN_LIFETIME),
            });
        Ok(token)
    }

    /// `POST /v1/oauth2/token` with Basic auth and `grant_type=client_credentials`; retried
    /// like any read (it has no effect).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when PayPal refuses the credentials (401, or a 4xx such
    /// as OAuth2's `invalid_client`), [`ProviderError::Unavailable`] for timeouts, 429 and 5xx,
    /// [`ProviderError::Unexpected`] for a 2xx without an access token.
    async fn fetch(&self) -> Result<(SecretString, Duration), ProviderError> {
        let answer: TokenAnswer = http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .post(self.settings.url(TOKEN_PATH))
                    .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
                    .form(&[("grant_type", "client_credentials")])
            },
            |answer: &Exchange| {
                if answer.status.is_success() {
                    answer.json::<TokenAnswer>()
                } else {
                    Err(ProviderError::Unauthorized {
                        reason: format!(
                            "paypal refused the client credentials (http {}): {}",
                            answer.status.as_u16(),
                            answer.snippet()
                        ),
                    })
                }
            },
        )
        .await?;
        if answer.access_token.trim().is_empty() {
            return Err(ProviderError::Unexpected(Box::new(
                crate::classify::UnexpectedAnswer("a token answer without an access_token".into()),
            )));
        }
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(0));
        Ok((SecretString::from(answer.access_token), lifetime))
    }

    /// Sends the request `build` makes with a bearer token, through
    /// [`onramp_provider_kit::http::execute`] (retries as `safety` allows, shared failure
    /// classification, then `classify`). When PayPal answers 401 the token is dropped, another
    /// one fetched, and the request sent once more.
    ///
    /// # Errors
    /// The token fetch's failure, or the classified failure of the (last) request.
    pub async fn call<T, E: CallError>(
        &self,
        safety: CallSafety,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
        classify: impl Fn(&Exchange) -> Result<T, E>,
    ) -> Result<T, E> {
        let token = self.token().await?;
        let (result, token_refused) = self.send(&token, safety, &build, &classify).await;
        if !token_refused {
            return result;
        }
        tracing::debug!("paypal answered 401: fetching a new token and sending once more");
        let token = self.refresh_after(&token).await?;
        self.send(&token, safety, &build, &classify).await.0
    }

    /// One `execute` with `token`; also tells whether PayPal answered 401.
    async fn send<T, E: CallError>(
        &self,
        token: &SecretString,
        safety: CallSafety,
        build: &impl Fn(&str) -> reqwest::RequestBuilder,
        classify: &impl Fn(&Exchange) -> Result<T, E>,
    ) -> (Result<T, E>, bool) {
        let refused = AtomicBool::new(false);
        let result = http::execute(
            &self.settings,
            safety,
            || build(token.expose_secret()),
            |answer: &Exchange| {
                // `execute` shows every answer to the classifier, the 401s it then reports as
                // unauthorized included: this is where the adapter learns the token was refused.
                if answer.status == StatusCode::UNAUTHORIZED {
                    refused.store(true, Ordering::Relaxed);
                }
                classify(answer)
            },
        )
        .await;
        let refused = refused.load(Ordering::Relaxed) && result.is_err();
        (result, refused)
    }
}
