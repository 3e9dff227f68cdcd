//! [`SinchVerification`]: the `VerificationSender` port over the Sinch Verification API.

use std::sync::Arc;

use http::Method;
use onramp_domain::ports::{
    CodeDelivery, CodeOwner, DeliveryReceipt, ProviderCheck, ProviderError, ProviderId,
    ProviderVerdict, VerificationSender,
};
use onramp_provider_kit::http::{self as kit, CallSafety, HttpSettings};
use secrecy::ExposeSecret;
use time::OffsetDateTime;

use crate::credentials::SinchCredentials;
use crate::path::segment;
use crate::signing::{self, ApplicationKey, JSON_CONTENT_TYPE, SignedParts, TIMESTAMP_HEADER};
use crate::{classify, wire};

/// The clock that dates signed requests (`x-timestamp`): tests pass a fixed one so request
/// snapshots do not change.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The reference the health probe asks for. Our references are delivery ids (UUIDs), so no
/// verification can ever carry this one.
pub const HEALTH_PROBE_REFERENCE: &str = "onramp-health-probe";

/// Sinch Verification as a [`VerificationSender`]: SMS (`sms`) and voice (`callout`) codes that
/// Sinch generates itself ([`CodeOwner::Provider`]) and checks through
/// [`VerificationSender::check_code`].
///
/// Every request is signed with the Application scheme ([`crate::signing`]) dated by its
/// [`Clock`], and sent through [`onramp_provider_kit::http::execute`].
pub struct SinchVerification {
    settings: HttpSettings,
    client: reqwest::Client,
    key: ApplicationKey,
    clock: Clock,
}

impl std::fmt::Debug for SinchVerification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinchVerification")
            .field("base_url", &self.settings.base_url.as_str())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl SinchVerification {
    /// [`crate::DEFAULT_BASE_URL`].
    pub const DEFAULT_BASE_URL: &'static str = crate::DEFAULT_BASE_URL;

    /// A sender with `credentials` (their `base_url` is ignored: `settings` says where to send)
    /// and the system clock.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the credentials do not validate
    /// ([`SinchCredentials::validate`]); [`ProviderError::Unexpected`] when the HTTP client
    /// cannot be built.
    pub fn new(
        credentials: &SinchCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized { reason })?;
        let key = ApplicationKey::new(
            &credentials.application_key,
            credentials.application_secret.expose_secret(),
        )
        .map_err(|e| ProviderError::Unauthorized {
            reason: e.to_string(),
        })?;
        Ok(Self {
            client: kit::client(&settings)?,
            settings: settings.for_provider("sinch"),
            key,
            clock: Arc::new(OffsetDateTime::now_utc),
        })
    }

    /// A sender at `credentials.base_url` (or [`Self::DEFAULT_BASE_URL`]) with the default
    /// [`HttpSettings`].
    ///
    /// # Errors
    /// As [`Self::new`]; a base URL that does not parse is `Unauthorized` (a configuration the
    /// tenant must fix).
    pub fn from_credentials(credentials: &SinchCredentials) -> Result<Self, ProviderError> {
        let base = credentials
            .base_url
            .as_deref()
            .unwrap_or(Self::DEFAULT_BASE_URL);
        let settings = HttpSettings::parse(base).map_err(|e| ProviderError::Unauthorized {
            reason: format!("base_url {base:?} does not parse: {e}"),
        })?;
        Self::new(credentials, settings)
    }

    /// The same sender dating its requests with `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sends one signed request to `path` (below the base URL) with `body` (JSON, or none),
    /// signing each attempt with a fresh `x-timestamp`.
    async fn call<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        safety: CallSafety,
        classify: impl Fn(&kit::Exchange) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let url = self.settings.url(path);
        let signed_path = signing::signed_path(&url);
        let body = body.unwrap_or_default();
        let build = || {
            let timestamp = signing::format_timestamp((self.clock)());
            let content_type = if body.is_empty() {
                ""
            } else {
                JSON_CONTENT_TYPE
            };
            let authorization = self.key.authorization(&SignedParts {
                method: method.as_str(),
                content_type,
                timestamp: &timestamp,
                path: &signed_path,
                body: &body,
            });
            let request = self
                .client
                .request(method.clone(), &url)
                .header(http::header::AUTHORIZATION, authorization)
                .header(TIMESTAMP_HEADER, timestamp);
            if body.is_empty() {
                request
            } else {
                request
                    .header(http::header::CONTENT_TYPE, content_type)
                    .body(body.clone())
            }
        };
        kit::execute(&self.settings, safety, build, classify).await
    }
}

fn json(value: &impl serde::Serialize) -> Result<Vec<u8>, ProviderError> {
    serde_json::to_vec(value).map_err(|e| ProviderError::Unexpected(Box::new(e)))
}

#[async_trait::async_trait]
impl VerificationSender for SinchVerification {
    fn provider(&self) -> ProviderId {
        ProviderId::Sinch
    }

    /// Starts a verification: `POST /verification/v1/verifications` with the number, the method
    /// (`sms` or `callout`) and the delivery id as `reference`. Not retried after an unknown
    /// effect ([`CallSafety::NotIdempotent`]).
    ///
    /// Sinch generates the code: the start request has no field for a code of ours (the
    /// `smsOptions` are `expiry`, `codeType`, `template`, `acceptLanguage`; the
    /// `calloutOptions` only `speech`), so the receipt says [`CodeOwner::Provider`] and
    /// `delivery.code` is not sent.
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError> {
        let reference = delivery.delivery_id.to_string();
        let body = json(&wire::StartRequest {
            identity: wire::Identity {
                kind: "number",
                endpoint: delivery.to.as_str(),
            },
            method: wire::method(delivery.channel),
            reference: &reference,
        })?;
        let id = self
            .call(
                Method::POST,
                wire::START_PATH,
                Some(body),
                CallSafety::NotIdempotent,
                classify::start_answer,
            )
            .await?;
        tracing::debug!(provider_ref = %id, channel = delivery.channel.as_str(), "sinch verification started");
        Ok(DeliveryReceipt {
            provider: ProviderId::Sinch,
            provider_ref: id,
            code_owner: CodeOwner::Provider,
        })
    }

    /// Reports the typed code: `PUT /verification/v1/verifications/id/{provider_ref}` with
    /// `{"method", "<method>": {"code"}}`; `SUCCESSFUL` approves, anything else refuses
    /// ([`classify::report_answer`]). Retried where safe ([`CallSafety::Idempotent`]).
    async fn check_code(&self, check: &ProviderCheck) -> Result<ProviderVerdict, ProviderError> {
        let body = json(&wire::ReportRequest::new(
            check.channel,
            check.code.expose(),
        ))?;
        let path = format!(
            "{}{}",
            wire::REPORT_BY_ID_PATH,
            segment(&check.provider_ref)
        );
        self.call(
            Method::PUT,
            &path,
            Some(body),
            CallSafety::Idempotent,
            classify::report_answer,
        )
        .await
    }

    /// The cheapest authenticated call: `GET /verification/v1/verifications/reference/`
    /// [`HEALTH_PROBE_REFERENCE`]. Sinch answers 404 with its error body when the signature was
    /// accepted (healthy) and 401/403 when not (`Unauthorized`) ([`classify::health_answer`]).
    async fn health_check(&self) -> Result<(), ProviderError> {
        let path = format!(
            "{}{}",
            wire::STATUS_BY_REFERENCE_PATH,
            HEALTH_PROBE_REFERENCE
        );
        self.call(
            Method::GET,
            &path,
            None,
            CallSafety::Idempotent,
            classify::health_answer,
        )
        .await
    }
}
