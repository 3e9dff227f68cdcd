//! Provider credentials of any provider, parsed and validated by the provider's adapter.

use std::sync::Arc;

use onramp_domain::ports::{
    CardOnFile, OrderPayments, ProviderError, ProviderId, VerificationSender,
};
use onramp_paypal::{PaypalCredentials, PaypalOrders, webhook::PaypalWebhookVerifier};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, SignatureError, WebhookRequest};
use onramp_sinch::SinchCredentials;
use onramp_stripe::{StripeCards, StripeCredentials};
use onramp_telnyx::TelnyxCredentials;
use onramp_twilio::TwilioCredentials;
use secrecy::ExposeSecret;

/// One provider's credentials.
#[derive(Debug, Clone)]
pub enum ProviderCredentials {
    /// Telnyx: API key, verify profile, webhook public key.
    Telnyx(TelnyxCredentials),
    /// Twilio: account SID, auth token, Verify service SID.
    Twilio(TwilioCredentials),
    /// Sinch: application key and secret, webhook secret.
    Sinch(SinchCredentials),
    /// Stripe: secret key, webhook signing secret.
    Stripe(StripeCredentials),
    /// PayPal: REST app client id and secret, webhook id.
    Paypal(PaypalCredentials),
}

/// What a provider's credentials give: a code sender, a card provider, or an order provider
/// with its webhook verifier (which caches PayPal's certificates).
#[derive(Clone)]
pub enum ProviderClient {
    /// Telnyx, Twilio, Sinch.
    Verification(Arc<dyn VerificationSender>),
    /// Stripe.
    Cards(Arc<dyn CardOnFile>),
    /// PayPal.
    Orders {
        /// Orders v2.
        orders: Arc<dyn OrderPayments>,
        /// Webhook verification; None without a `webhook_id`.
        webhooks: Option<Arc<PaypalWebhookVerifier>>,
    },
}

impl ProviderClient {
    /// The provider's cheap authenticated call (issue 3, item 4).
    ///
    /// # Errors
    /// The provider's failure.
    pub async fn health_check(&self) -> Result<(), ProviderError> {
        match self {
            Self::Verification(s) => s.health_check().await,
            Self::Cards(c) => c.health_check().await,
            Self::Orders { orders, .. } => orders.health_check().await,
        }
    }
}

impl ProviderCredentials {
    /// Parses `value` (the body of `PUT /v1/integrations/{provider}`) as `provider`'s
    /// credentials and validates them.
    ///
    /// # Errors
    /// A precise message: unknown or missing field, malformed value, or a provider that takes no
    /// credentials (the sandbox).
    pub fn parse(provider: ProviderId, value: &serde_json::Value) -> Result<Self, String> {
        fn de<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, String> {
            serde_json::from_value(v.clone()).map_err(|e| e.to_string())
        }
        let parsed = match provider {
            ProviderId::Telnyx => Self::Telnyx(de(value)?),
            ProviderId::Twilio => Self::Twilio(de(value)?),
            ProviderId::Sinch => Self::Sinch(de(value)?),
            ProviderId::Stripe => Self::Stripe(de(value)?),
            ProviderId::Paypal => Self::Paypal(de(value)?),
            ProviderId::Sandbox => return Err("the sandbox takes no credentials".into()),
        };
        parsed.validate()?;
        Ok(parsed)
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            Self::Telnyx(c) => c.validate(),
            Self::Twilio(c) => c.validate(),
            Self::Sinch(c) => c.validate(),
            Self::Stripe(c) => c.validate(),
            Self::Paypal(c) => c.validate(),
        }
    }

    /// The provider.
    pub fn provider(&self) -> ProviderId {
        match self {
            Self::Telnyx(_) => ProviderId::Telnyx,
            Self::Twilio(_) => ProviderId::Twilio,
            Self::Sinch(_) => ProviderId::Sinch,
            Self::Stripe(_) => ProviderId::Stripe,
            Self::Paypal(_) => ProviderId::Paypal,
        }
    }

    /// The client these credentials give.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] for a base URL that does not parse or a TLS failure.
    pub fn client(&self) -> Result<ProviderClient, ProviderError> {
        Ok(match self {
            Self::Telnyx(c) => ProviderClient::Verification(Arc::new(
                onramp_telnyx::TelnyxVerify::from_credentials(c)?,
            )),
            Self::Twilio(c) => ProviderClient::Verification(Arc::new(
                onramp_twilio::TwilioVerify::from_credentials(c)?,
            )),
            Self::Sinch(c) => ProviderClient::Verification(Arc::new(
                onramp_sinch::SinchVerification::from_credentials(c)?,
            )),
            Self::Stripe(c) => ProviderClient::Cards(Arc::new(StripeCards::from_credentials(c)?)),
            Self::Paypal(c) => ProviderClient::Orders {
                orders: Arc::new(PaypalOrders::from_credentials(c)?),
                webhooks: match c.webhook_id {
                    Some(_) => Some(Arc::new(PaypalWebhookVerifier::from_credentials(c)?)),
                    None => None,
                },
            },
        })
    }

    /// Verifies a webhook signed for these credentials (Telnyx's public key, Twilio's auth token,
    /// Sinch's webhook secret or application key and secret), at `now_unix`.
    ///
    /// # Errors
    /// The adapter's [`SignatureError`]; `InvalidSecret` when no webhook secret is configured.
    pub fn verify_webhook(
        &self,
        request: &WebhookRequest,
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        match self {
            Self::Telnyx(c) => {
                let key = c.public_key.as_deref().ok_or_else(|| {
                    SignatureError::InvalidSecret("no Telnyx public key configured".into())
                })?;
                onramp_telnyx::webhook::verify(request, key, now_unix)
            }
            Self::Twilio(c) => {
                onramp_twilio::webhook::verify(request, c.auth_token.expose_secret(), now_unix)
            }
            Self::Sinch(c) => {
                let application = c.callback_secret();
                let is_application = request
                    .headers
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().starts_with("application "));
                let secret = match (&c.webhook_secret, is_application) {
                    (Some(s), false) => s.expose_secret().to_string(),
                    _ => application.expose_secret().to_string(),
                };
                onramp_sinch::webhook::verify(request, &secret, now_unix)
            }
            Self::Stripe(c) => {
                let secret = c.webhook_secret.as_ref().ok_or_else(|| {
                    SignatureError::InvalidSecret("no Stripe webhook secret configured".into())
                })?;
                onramp_stripe::webhook::verify(request, secret.expose_secret(), now_unix)
            }
            // PayPal's verification fetches a certificate or asks PayPal: see
            // `ProviderDirectory::verify_webhook`, which holds the verifier and its cache.
            Self::Paypal(_) => Err(SignatureError::InvalidSecret(
                "PayPal webhooks are verified by the directory's verifier".into(),
            )),
        }
    }

    /// Parses a verified webhook with the provider's adapter.
    ///
    /// # Errors
    /// [`PayloadError`] for a body that does not parse.
    pub fn parse_webhook(&self, request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
        match self {
            Self::Telnyx(_) => onramp_telnyx::webhook::parse(request),
            Self::Twilio(_) => onramp_twilio::webhook::parse(request),
            Self::Sinch(_) => onramp_sinch::webhook::parse(request),
            Self::Stripe(_) => onramp_stripe::webhook::parse(request),
            Self::Paypal(_) => onramp_paypal::webhook::parse(request),
        }
    }
}

/// Server-wide credentials: the default of every tenant without its own.
#[derive(Debug, Clone, Default)]
pub struct ServerCredentials {
    /// From `TELNYX_API_KEY`, `TELNYX_VERIFY_PROFILE_ID`, `TELNYX_PUBLIC_KEY`, `TELNYX_BASE_URL`.
    pub telnyx: Option<TelnyxCredentials>,
    /// From `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_VERIFY_SERVICE_SID`, ...
    pub twilio: Option<TwilioCredentials>,
    /// From `SINCH_APPLICATION_KEY`, `SINCH_APPLICATION_SECRET`, `SINCH_WEBHOOK_SECRET`, ...
    pub sinch: Option<SinchCredentials>,
    /// From `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_BASE_URL`.
    pub stripe: Option<StripeCredentials>,
    /// From `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`, `PAYPAL_WEBHOOK_ID`, ...
    pub paypal: Option<PaypalCredentials>,
}

impl ServerCredentials {
    /// Reads the providers' usual environment variables.
    ///
    /// # Errors
    /// A variable that is set but malformed (`PAYPAL_WEBHOOK_VERIFICATION`).
    pub fn from_env() -> Result<Self, String> {
        Ok(Self {
            telnyx: TelnyxCredentials::from_env(),
            twilio: TwilioCredentials::from_env(),
            sinch: SinchCredentials::from_env(),
            stripe: StripeCredentials::from_env(),
            paypal: PaypalCredentials::from_env()?,
        })
    }

    /// The credentials of `provider`, when set.
    pub fn get(&self, provider: ProviderId) -> Option<ProviderCredentials> {
        match provider {
            ProviderId::Telnyx => self.telnyx.clone().map(ProviderCredentials::Telnyx),
            ProviderId::Twilio => self.twilio.clone().map(ProviderCredentials::Twilio),
            ProviderId::Sinch => self.sinch.clone().map(ProviderCredentials::Sinch),
            ProviderId::Stripe => self.stripe.clone().map(ProviderCredentials::Stripe),
            ProviderId::Paypal => self.paypal.clone().map(ProviderCredentials::Paypal),
            ProviderId::Sandbox => None,
        }
    }

    /// The providers with server-wide credentials (code delivery and payments).
    pub fn live(&self) -> Vec<ProviderId> {
        ProviderId::REAL
            .into_iter()
            .chain(ProviderId::PAYMENTS)
            .filter(|p| self.get(*p).is_some())
            .collect()
    }
}
