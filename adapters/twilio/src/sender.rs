//! [`TwilioVerify`]: the [`VerificationSender`] port over Twilio Verify v2.

use async_trait::async_trait;
use http::StatusCode;
use onramp_domain::ports::{
    CodeDelivery, CodeOwner, DeliveryReceipt, ProviderCheck, ProviderError, ProviderId,
    ProviderVerdict, VerificationSender,
};
use onramp_provider_kit::http::{self as kit, CallSafety, Exchange, HttpSettings};
use secrecy::{ExposeSecret, SecretString};

use crate::classify::{self, Call};
use crate::credentials::TwilioCredentials;
use crate::wire;

/// Twilio Verify's production base URL (twilio/twilio-python: twilio/rest/verify/VerifyBase.py;
/// the `servers` of `../shared/provider-specs/twilio.json`).
pub const DEFAULT_BASE_URL: &str = "https://verify.twilio.com";

/// Sends Onramp's codes through Twilio Verify v2 (`CustomCode`), checks them through
/// `VerificationCheck`, and probes the Verify service for health.
///
/// - `send_code`: `POST /v2/Services/{ServiceSid}/Verifications`, form `To`, `Channel`
///   (`sms` or `call`), `CustomCode`; HTTP Basic auth. Not repeated after an unknown outcome
///   (`CallSafety::NotIdempotent`: Twilio has no idempotency key for it). The receipt's
///   `provider_ref` is the verification `sid` (`VE…`), the code is Onramp's
///   ([`CodeOwner::Onramp`]).
/// - `check_code`: `POST /v2/Services/{ServiceSid}/VerificationCheck`, form
///   `VerificationSid`, `Code`: `status: approved` is [`ProviderVerdict::Approved`]; any other
///   status (`pending` with `valid: false` for a wrong code) and 404 (20404: the verification
///   was approved, expired or deleted) are [`ProviderVerdict::Refused`]. Checking a custom code
///   through Twilio completes the verification's lifecycle there, which keeps Twilio's
///   5-sends-per-verification limit (60203) and Fraud Guard statistics right
///   (<https://www.twilio.com/docs/api/errors/60203>).
/// - `health_check`: `GET /v2/Services/{Sid}`.
///
/// Failures follow the kit's generic rules and [`crate::classify`] (Twilio codes).
pub struct TwilioVerify {
    settings: HttpSettings,
    client: reqwest::Client,
    user: String,
    password: SecretString,
    service_sid: String,
}

impl std::fmt::Debug for TwilioVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioVerify")
            .field("base_url", &self.settings.base_url.as_str())
            .field("user", &self.user)
            .field("service_sid", &self.service_sid)
            .finish_non_exhaustive()
    }
}

impl TwilioVerify {
    /// A sender for `credentials`, calling `settings.base_url` (the credentials' own
    /// `base_url` is not read here: see [`Self::from_credentials`]).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when [`TwilioCredentials::validate`] refuses the
    /// credentials (with its message); [`ProviderError::Unexpected`] when the HTTP client
    /// cannot be built.
    pub fn new(
        credentials: &TwilioCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized {
                reason: format!("invalid Twilio credentials: {reason}"),
            })?;
        let client = kit::client(&settings)?;
        let (user, password) = credentials.basic_auth();
        Ok(Self {
            settings: settings.for_provider("twilio"),
            client,
            user,
            password,
            service_sid: credentials.verify_service_sid.clone(),
        })
    }

    /// A sender with the kit's default timeouts and retries, calling `credentials.base_url`
    /// or [`DEFAULT_BASE_URL`].
    ///
    /// # Errors
    /// As [`Self::new`]; [`ProviderError::Unexpected`] when the base URL does not parse.
    pub fn from_credentials(credentials: &TwilioCredentials) -> Result<Self, ProviderError> {
        let base = credentials.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let settings =
            HttpSettings::parse(base).map_err(|e| ProviderError::Unexpected(Box::new(e)))?;
        Self::new(credentials, settings)
    }

    fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.client
            .post(self.settings.url(path))
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .header(http::header::ACCEPT, "application/json")
            .form(form)
    }
}

#[async_trait]
impl VerificationSender for TwilioVerify {
    fn provider(&self) -> ProviderId {
        ProviderId::Twilio
    }

    #[tracing::instrument(skip_all, fields(provider = "twilio", channel = delivery.channel.as_str()))]
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError> {
        let path = format!("/v2/Services/{}/Verifications", self.service_sid);
        let form = [
            ("To", delivery.to.as_str()),
            ("Channel", wire::channel(delivery.channel)),
            ("CustomCode", delivery.code.expose()),
        ];
        kit::execute(
            &self.settings,
            CallSafety::NotIdempotent,
            || self.post_form(&path, &form),
            started,
        )
        .await
        .map_err(classify::recover_rejection)
    }

    #[tracing::instrument(skip_all, fields(provider = "twilio"))]
    async fn check_code(&self, check: &ProviderCheck) -> Result<ProviderVerdict, ProviderError> {
        let path = format!("/v2/Services/{}/VerificationCheck", self.service_sid);
        let form = [
            ("VerificationSid", check.provider_ref.as_str()),
            ("Code", check.code.expose()),
        ];
        kit::execute(
            &self.settings,
            CallSafety::Idempotent,
            || self.post_form(&path, &form),
            checked,
        )
        .await
        .map_err(classify::recover_rejection)
    }

    #[tracing::instrument(skip_all, fields(provider = "twilio"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        let url = self
            .settings
            .url(&format!("/v2/Services/{}", self.service_sid));
        kit::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .get(&url)
                    .basic_auth(&self.user, Some(self.password.expose_secret()))
                    .header(http::header::ACCEPT, "application/json")
            },
            |x: &Exchange| {
                if x.status.is_success() {
                    Ok(())
                } else {
                    Err(classify::classify(Call::Health, x.status, &x.body))
                }
            },
        )
        .await
    }
}

/// The answer to `POST …/Verifications`: 201 with the Verification, else a classified error.
fn started(x: &Exchange) -> Result<DeliveryReceipt, ProviderError> {
    if !x.status.is_success() {
        return Err(classify::classify(Call::Start, x.status, &x.body));
    }
    let verification: wire::Verification = x.json()?;
    match verification.sid.filter(|sid| !sid.trim().is_empty()) {
        Some(sid) => {
            tracing::debug!(sid = %sid, status = ?verification.status, "twilio verification started");
            Ok(DeliveryReceipt {
                provider: ProviderId::Twilio,
                provider_ref: sid,
                code_owner: CodeOwner::Onramp,
            })
        }
        None => Err(ProviderError::Unexpected(
            format!(
                "twilio answered http {} without a verification sid: {}",
                x.status.as_u16(),
                x.snippet()
            )
            .into(),
        )),
    }
}

/// The answer to `POST …/VerificationCheck`.
fn checked(x: &Exchange) -> Result<ProviderVerdict, ProviderError> {
    if x.status == StatusCode::NOT_FOUND {
        // 20404: Twilio soft-deletes a verification once approved, expired or out of attempts
        // (https://www.twilio.com/docs/api/errors/20404).
        return Ok(ProviderVerdict::Refused);
    }
    if !x.status.is_success() {
        return Err(classify::classify(Call::Check, x.status, &x.body));
    }
    let check: wire::VerificationCheck = x.json()?;
    let approved = match check.status.as_deref() {
        Some(status) => status.eq_ignore_ascii_case("approved"),
        None => check.valid == Some(true),
    };
    Ok(if approved {
        ProviderVerdict::Approved
    } else {
        ProviderVerdict::Refused
    })
}
