//! [`PaypalWebhookVerifier`]: verifies a delivery the way the credentials say, offline with
//! the certificate at `PAYPAL-CERT-URL` (fetched from PayPal only, cached) or online through
//! PayPal's verify API.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::{self, CallSafety, Exchange, HttpSettings};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use serde_json::value::RawValue;
use url::Url;

use super::offline::{
    AUTH_ALGO_HEADER, CERT_URL_HEADER, Certificate, TRANSMISSION_ID_HEADER,
    TRANSMISSION_SIG_HEADER, TRANSMISSION_TIME_HEADER, verify_offline,
};
use crate::auth::Api;
use crate::classify::PaypalApiError;
use crate::credentials::{ENV_WEBHOOK_ID, PaypalCredentials, WebhookVerification};
use crate::orders::{default_settings, invalid_credentials};
use crate::wire::{VerificationAnswer, VerifySignature};

/// How many certificates are kept, by URL (PayPal signs with one at a time; a rotation adds
/// one). The oldest is dropped first.
pub const CERT_CACHE_CAPACITY: usize = 16;
/// The largest certificate body accepted (PayPal's are about 3 KB).
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// PayPal's verify API path below the base URL.
pub const VERIFY_PATH: &str = "/v1/notifications/verify-webhook-signature";

/// Verifies PayPal webhook deliveries for one webhook registration.
///
/// - [`WebhookVerification::Offline`] (the default): the certificate named by
///   `PAYPAL-CERT-URL` is downloaded only when that URL is `https` on a PayPal host
///   (`paypal.com` or a name ending in `.paypal.com`); any other URL is refused without a
///   request. Certificates are cached by URL (at most [`CERT_CACHE_CAPACITY`]), then
///   [`verify_offline`] checks the signature, the certificate's validity and its common name.
/// - [`WebhookVerification::Online`]: `POST {base}/v1/notifications/verify-webhook-signature`
///   with the OAuth2 token and `{auth_algo, cert_url, transmission_id, transmission_sig,
///   transmission_time, webhook_id, webhook_event}` (`webhook_event` is the delivery's body,
///   embedded verbatim); only `"verification_status": "SUCCESS"` passes.
pub struct PaypalWebhookVerifier {
    api: Api,
    webhook_id: String,
    mode: WebhookVerification,
    certificates: Mutex<VecDeque<(String, Arc<Vec<u8>>)>>,
    test_cert_host: Option<String>,
}

impl std::fmt::Debug for PaypalWebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaypalWebhookVerifier")
            .field("webhook_id", &self.webhook_id)
            .field("mode", &self.mode)
            .field("test_cert_host", &self.test_cert_host)
            .finish_non_exhaustive()
    }
}

impl PaypalWebhookVerifier {
    /// A verifier for `credentials`' webhook registration, in `credentials`' mode, calling
    /// `settings.base_url` in online mode (the credentials' own `base_url` is not consulted).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the credentials are malformed or have no
    /// `webhook_id`; [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &PaypalCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        let webhook_id = credentials.webhook_id.clone().ok_or_else(|| {
            invalid_credentials(format!(
                "webhook_id ({ENV_WEBHOOK_ID}) is required to verify webhooks"
            ))
        })?;
        Ok(Self {
            api: Api::new(credentials, settings)?,
            webhook_id,
            mode: credentials.webhook_verification(),
            certificates: Mutex::new(VecDeque::new()),
            test_cert_host: None,
        })
    }

    /// A verifier with the default timeouts, calling [`PaypalCredentials::base_url`].
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn from_credentials(credentials: &PaypalCredentials) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Self::new(credentials, default_settings(credentials)?)
    }

    /// FOR TESTS ONLY: also accepts certificate URLs on `host` (`host` or `host:port`, e.g. a
    /// wiremock server's `127.0.0.1:38123`), over http or https. Production code never calls
    /// this: without it only https URLs on PayPal's hosts are fetched.
    #[must_use]
    pub fn allow_cert_host_for_tests(mut self, host: &str) -> Self {
        self.test_cert_host = Some(host.to_ascii_lowercase());
        self
    }

    /// The verification mode in use.
    pub fn mode(&self) -> WebhookVerification {
        self.mode
    }

    /// Checks that `request` is a genuine PayPal delivery for this webhook registration, the
    /// certificate being valid at `now_unix` (offline mode).
    ///
    /// # Errors
    /// - offline: [`SignatureError::MissingHeader`] without `PAYPAL-CERT-URL`;
    ///   [`SignatureError::MalformedHeader`] naming `paypal-cert-url` when it is not an https
    ///   URL on a PayPal host (nothing is fetched); [`SignatureError::InvalidSecret`] when the
    ///   certificate cannot be fetched; then [`verify_offline`]'s errors;
    /// - online: [`SignatureError::MissingHeader`] for any of the five `PAYPAL-*` headers;
    ///   [`SignatureError::Mismatch`] for a body that is not JSON, a 4xx from PayPal, or any
    ///   status but `SUCCESS`; [`SignatureError::InvalidSecret`] when PayPal cannot be asked
    ///   (timeouts, 5xx, refused credentials).
    pub async fn verify(
        &self,
        request: &WebhookRequest,
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        match self.mode {
            WebhookVerification::Offline => {
                let cert_url = request.header(CERT_URL_HEADER)?;
                let certificate = self.certificate(cert_url).await?;
                verify_offline(request, &self.webhook_id, &certificate, now_unix)
            }
            WebhookVerification::Online => self.verify_online(request).await,
        }
    }

    /// Whether `url` may be fetched: https on `paypal.com` or a `*.paypal.com` name, or the
    /// test host.
    fn allowed_cert_url(&self, url: &str) -> Result<Url, SignatureError> {
        let refused = |reason: String| SignatureError::MalformedHeader {
            name: CERT_URL_HEADER,
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| refused(format!("not a URL ({e})")))?;
        let host = match parsed.host() {
            Some(url::Host::Domain(name)) => name.to_ascii_lowercase(),
            _ => String::new(),
        };
        let paypal =
            parsed.scheme() == "https" && (host == "paypal.com" || host.ends_with(".paypal.com"));
        let test_host = self.test_cert_host.as_deref().is_some_and(|allowed| {
            let with_port = parsed
                .host_str()
                .map(|h| match parsed.port() {
                    Some(port) => format!("{h}:{port}"),
                    None => h.to_string(),
                })
                .unwrap_or_default()
                .to_ascii_lowercase();
            matches!(parsed.scheme(), "http" | "https") && with_port == allowed
        });
        if paypal || test_host {
            Ok(parsed)
        } else {
            Err(refused(format!(
                "{url:?} is not an https URL on a PayPal host"
            )))
        }
    }

    /// The PEM at `url`, from the cache or fetched (then cached when it is a certificate).
    async fn certificate(&self, url: &str) -> Result<Arc<Vec<u8>>, SignatureError> {
        let parsed = self.allowed_cert_url(url)?;
        if let Some(pem) = self.cached(url) {
            return Ok(pem);
        }
        let pem = self.fetch_certificate(parsed).await.map_err(|e| {
            SignatureError::InvalidSecret(format!(
                "the certificate at {url} could not be fetched: {e}"
            ))
        })?;
        Certificate::from_pem(&pem)?;
        let pem = Arc::new(pem);
        let mut cache = self
            .certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !cache.iter().any(|(u, _)| u == url) {
            if cache.len() >= CERT_CACHE_CAPACITY {
                cache.pop_front();
            }
            cache.push_back((url.to_string(), Arc::clone(&pem)));
        }
        Ok(pem)
    }

    fn cached(&self, url: &str) -> Option<Arc<Vec<u8>>> {
        self.certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, pem)| Arc::clone(pem))
    }

    async fn fetch_certificate(&self, url: Url) -> Result<Vec<u8>, ProviderError> {
        http::execute(
            &self.api.settings,
            CallSafety::Idempotent,
            || self.api.client.get(url.clone()),
            |answer: &Exchange| {
                if !answer.status.is_success() {
                    return Err(api_error(answer));
                }
                if answer.body.len() > MAX_CERT_BYTES {
                    return Err(ProviderError::Unexpected(Box::new(PaypalApiError {
                        status: answer.status.as_u16(),
                        error: format!("a certificate of {} bytes", answer.body.len()),
                    })));
                }
                Ok(answer.body.to_vec())
            },
        )
        .await
    }

    async fn verify_online(&self, request: &WebhookRequest) -> Result<(), SignatureError> {
        let auth_algo = request.header(AUTH_ALGO_HEADER)?;
        let cert_url = request.header(CERT_URL_HEADER)?;
        let transmission_id = request.header(TRANSMISSION_ID_HEADER)?;
        let transmission_sig = request.header(TRANSMISSION_SIG_HEADER)?;
        let transmission_time = request.header(TRANSMISSION_TIME_HEADER)?;
        let event = std::str::from_utf8(&request.body)
            .ok()
            .and_then(|text| RawValue::from_string(text.to_string()).ok())
            .ok_or(SignatureError::Mismatch)?;
        let body = VerifySignature {
            auth_algo,
            cert_url,
            transmission_id,
            transmission_sig,
            transmission_time,
            webhook_id: &self.webhook_id,
            webhook_event: &event,
        };
        let url = self.api.settings.url(VERIFY_PATH);
        let status = self
            .api
            .call(
                CallSafety::Idempotent,
                |token| self.api.client.post(&url).bearer_auth(token).json(&body),
                |answer: &Exchange| {
                    if answer.status.is_success() {
                        Ok(answer.json::<VerificationAnswer>()?.verification_status)
                    } else {
                        Err(api_error(answer))
                    }
                },
            )
            .await;
        match status {
            Ok(status) if status == "SUCCESS" => Ok(()),
            Ok(_) | Err(ProviderError::Rejected { .. }) => Err(SignatureError::Mismatch),
            Err(e) => Err(SignatureError::InvalidSecret(format!(
                "paypal's verify-webhook-signature could not be called: {e}"
            ))),
        }
    }
}

/// A non-2xx answer: a 4xx is PayPal refusing the request ([`ProviderError::Rejected`]), the
/// rest unexpected.
fn api_error(answer: &Exchange) -> ProviderError {
    if answer.status.is_client_error() {
        ProviderError::rejected(format!("http_{}", answer.status.as_u16()), answer.snippet())
    } else {
        ProviderError::Unexpected(Box::new(PaypalApiError {
            status: answer.status.as_u16(),
            error: answer.snippet(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn verifier() -> PaypalWebhookVerifier {
        PaypalWebhookVerifier::from_credentials(&PaypalCredentials {
            client_id: "client".into(),
            client_secret: SecretString::from("secret"),
            webhook_id: Some("4JH86294D6297924G".into()),
            webhook_verification: None,
            base_url: None,
        })
        .unwrap()
    }

    #[test]
    fn only_https_urls_on_paypal_hosts_are_fetched() {
        let v = verifier();
        for ok in [
            "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
            "https://API-M.PAYPAL.COM/cert",
            "https://paypal.com/cert",
        ] {
            assert!(v.allowed_cert_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://api.paypal.com/v1/notifications/certs/CERT-1",
            "https://api.paypal.com.evil.example/cert",
            "https://evilpaypal.com/cert",
            "https://127.0.0.1/cert",
            "ftp://api.paypal.com/cert",
            "/v1/notifications/certs/CERT-1",
        ] {
            assert!(
                matches!(
                    v.allowed_cert_url(refused),
                    Err(SignatureError::MalformedHeader {
                        name: CERT_URL_HEADER,
                        ..
                    })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_test_host_is_allowed_only_with_its_port() {
        let v = verifier().allow_cert_host_for_tests("127.0.0.1:4000");
        assert!(v.allowed_cert_url("http://127.0.0.1:4000/cert").is_ok());
        assert!(v.allowed_cert_url("http://127.0.0.1:4001/cert").is_err());
        assert!(v.allowed_cert_url("http://localhost:4000/cert").is_err());
    }

    #[test]
    fn a_verifier_needs_a_webhook_id() {
        let e = PaypalWebhookVerifier::from_credentials(&PaypalCredentials {
            client_id: "client".into(),
            client_secret: SecretString::from("secret"),
            webhook_id: None,
            webhook_verification: None,
            base_url: None,
        })
        .unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("PAYPAL_WEBHOOK_ID")),
            "{e:?}"
        );
    }
}
