//! [`TelnyxVerify`]: the [`VerificationSender`] port over Telnyx Verify v2.

use async_trait::async_trait;
use onramp_domain::ports::{
    CodeDelivery, CodeOwner, DeliveryReceipt, ProviderCheck, ProviderError, ProviderId,
    ProviderVerdict, VerificationSender,
};
use onramp_domain::verification::Channel;
use onramp_provider_kit::http::{self, CallSafety, Exchange, HttpSettings};
use secrecy::{ExposeSecret, SecretString};

use crate::classify::{UnexpectedAnswer, classify, is_not_found};
use crate::credentials::TelnyxCredentials;
use crate::wire::{Data, TriggerVerification, Verification, VerifyCode, VerifyCodeResult};

/// Telnyx's API base URL, version included (PROVIDERS.md section 3; the OpenAPI description's
/// `servers[0].url`). Paths such as `/verifications/sms` are appended to it.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com/v2";

/// Sends Onramp's codes by SMS or voice call through Telnyx Verify v2, with Telnyx delivering
/// Onramp's own code (`custom_code`), so receipts say [`CodeOwner::Onramp`].
///
/// Requests (all `Authorization: Bearer <api key>`, JSON):
/// - send: `POST {base}/verifications/sms` or `/verifications/call` with `{phone_number,
///   verify_profile_id, custom_code}`, answered `{"data": Verification}`; not repeated after
///   an unknown outcome (a repeat would send a second message);
/// - check: `POST {base}/verifications/by_phone_number/{+E164}/actions/verify` with `{code,
///   verify_profile_id}`, answered `{"data": {"phone_number", "response_code"}}`; repeatable;
/// - health: `GET {base}/verify_profiles?page[size]=1`, the cheapest authenticated read of the
///   Verify API; repeatable.
pub struct TelnyxVerify {
    settings: HttpSettings,
    client: reqwest::Client,
    api_key: SecretString,
    verify_profile_id: String,
}

impl std::fmt::Debug for TelnyxVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelnyxVerify")
            .field("base_url", &self.settings.base_url.as_str())
            .field("verify_profile_id", &self.verify_profile_id)
            .finish_non_exhaustive()
    }
}

impl TelnyxVerify {
    /// [`DEFAULT_BASE_URL`], also reachable from the type.
    pub const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;

    /// A sender with `credentials` talking to `settings.base_url` (the credentials' own
    /// `base_url` is not consulted: `settings` decides).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] with [`TelnyxCredentials::validate`]'s message when the
    /// credentials are malformed (the tenant must fix them; another provider may work);
    /// [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &TelnyxCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized {
                reason: format!("invalid Telnyx credentials: {reason}"),
            })?;
        Ok(Self {
            client: http::client(&settings)?,
            settings: settings.for_provider("telnyx"),
            api_key: credentials.api_key.clone(),
            verify_profile_id: credentials.verify_profile_id.clone(),
        })
    }

    /// A sender with the default timeouts and retries, talking to `credentials.base_url`, or to
    /// [`DEFAULT_BASE_URL`] when it is None.
    ///
    /// # Errors
    /// As [`Self::new`] (a malformed `base_url` is reported by the validation).
    pub fn from_credentials(credentials: &TelnyxCredentials) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized {
                reason: format!("invalid Telnyx credentials: {reason}"),
            })?;
        let base = credentials.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let settings = HttpSettings::parse(base).map_err(|e| ProviderError::Unauthorized {
            reason: format!("invalid Telnyx credentials: base_url does not parse ({e})"),
        })?;
        Self::new(credentials, settings)
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.settings.url(path))
            .bearer_auth(self.api_key.expose_secret())
    }
}

/// The send path of a channel (the OpenAPI description's `/verifications/sms` and
/// `/verifications/call`).
fn send_path(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "/verifications/sms",
        Channel::Voice => "/verifications/call",
    }
}

/// `/verifications/by_phone_number/{phone_number}/actions/verify` with the `+` of the E.164
/// number written `%2B`, as Telnyx asks (team-telnyx/telnyx-skills: guides/phone-verification.md,
/// "URL-encode the `+` as `%2B`"); the rest of an E.164 number is digits.
fn check_path(e164: &str) -> String {
    let digits = e164.strip_prefix('+').unwrap_or(e164);
    format!("/verifications/by_phone_number/%2B{digits}/actions/verify")
}

fn unexpected(what: impl Into<String>) -> ProviderError {
    ProviderError::Unexpected(Box::new(UnexpectedAnswer(what.into())))
}

#[async_trait]
impl VerificationSender for TelnyxVerify {
    fn provider(&self) -> ProviderId {
        ProviderId::Telnyx
    }

    /// # Errors
    /// 4xx answers as `classify.rs` says (`invalid_number`, `unreachable`, `blocked_country`, else
    /// [`ProviderError::Unexpected`]); an accepted answer without a
    /// verification id is [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "telnyx", delivery_id = %delivery.delivery_id, channel = delivery.channel.as_str()))]
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError> {
        let body = TriggerVerification {
            phone_number: delivery.to.as_str(),
            verify_profile_id: &self.verify_profile_id,
            custom_code: delivery.code.expose(),
        };
        let path = send_path(delivery.channel);
        let verification = http::execute(
            &self.settings,
            CallSafety::NotIdempotent,
            || self.post(path).json(&body),
            |answer: &Exchange| {
                if !answer.status.is_success() {
                    return Err(classify(answer));
                }
                Ok(answer.json::<Data<Verification>>()?.data)
            },
        )
        .await?;
        if verification.id.trim().is_empty() {
            return Err(unexpected("verification without an id"));
        }
        Ok(DeliveryReceipt {
            provider: ProviderId::Telnyx,
            provider_ref: verification.id,
            code_owner: CodeOwner::Onramp,
        })
    }

    /// `accepted` is [`ProviderVerdict::Approved`], `rejected` is [`ProviderVerdict::Refused`]
    /// (wrong or expired code: team-telnyx/telnyx-skills guides/phone-verification.md). A 404
    /// (no pending verification for this number and profile) is also `Refused`: there is
    /// nothing left that the code could approve (inferred from Telnyx's "Resource not found",
    /// code 10005; not confirmed by an SDK fixture).
    ///
    /// # Errors
    /// Other 4xx answers as `classify.rs` says; an unknown `response_code` is
    /// [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "telnyx", provider_ref = %check.provider_ref))]
    async fn check_code(&self, check: &ProviderCheck) -> Result<ProviderVerdict, ProviderError> {
        let body = VerifyCode {
            code: check.code.expose(),
            verify_profile_id: &self.verify_profile_id,
        };
        let path = check_path(check.to.as_str());
        http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || self.post(&path).json(&body),
            |answer: &Exchange| {
                if is_not_found(answer) {
                    return Ok(ProviderVerdict::Refused);
                }
                if !answer.status.is_success() {
                    return Err(classify(answer));
                }
                let result = answer.json::<Data<VerifyCodeResult>>()?.data;
                match result.response_code.as_str() {
                    "accepted" => Ok(ProviderVerdict::Approved),
                    "rejected" => Ok(ProviderVerdict::Refused),
                    other => Err(unexpected(format!("response_code {other:?}"))),
                }
            },
        )
        .await
    }

    /// Lists one Verify profile: any 2xx proves the key works.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] for a refused key, [`ProviderError::Unavailable`] for
    /// timeouts, 429 and 5xx, [`ProviderError::Unexpected`] for other answers.
    #[tracing::instrument(skip_all, fields(provider = "telnyx"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .get(self.settings.url("/verify_profiles"))
                    .query(&[("page[size]", "1")])
                    .bearer_auth(self.api_key.expose_secret())
            },
            |answer: &Exchange| {
                if answer.status.is_success() {
                    Ok(())
                } else {
                    Err(classify(answer))
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_and_voice_use_the_sms_and_call_paths() {
        assert_eq!(send_path(Channel::Sms), "/verifications/sms");
        assert_eq!(send_path(Channel::Voice), "/verifications/call");
    }

    #[test]
    fn the_check_path_escapes_the_plus() {
        assert_eq!(
            check_path("+13035551234"),
            "/verifications/by_phone_number/%2B13035551234/actions/verify"
        );
    }

    #[test]
    fn from_credentials_defaults_to_the_telnyx_api() {
        let credentials = TelnyxCredentials {
            api_key: SecretString::from("KEYtest"),
            verify_profile_id: "12ade33a-21c0-473b-b055-b3c836e1c292".into(),
            public_key: None,
            base_url: None,
        };
        let sender = TelnyxVerify::from_credentials(&credentials).unwrap();
        assert_eq!(
            sender.settings.base_url.as_str(),
            "https://api.telnyx.com/v2"
        );
        assert_eq!(
            sender.settings.url("/verifications/sms"),
            "https://api.telnyx.com/v2/verifications/sms"
        );
        assert!(!format!("{sender:?}").contains("KEYtest"));
    }

    #[test]
    fn malformed_credentials_are_refused_with_the_reason() {
        let credentials = TelnyxCredentials {
            api_key: SecretString::from("KEYtest"),
            verify_profile_id: "nope".into(),
            public_key: None,
            base_url: None,
        };
        let e = TelnyxVerify::from_credentials(&credentials).unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("verify_profile_id")),
            "{e:?}"
        );
    }
}
