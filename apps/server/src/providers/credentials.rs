//! Provider credentials of any provider, parsed and validated by the provider's adapter.

use std::sync::Arc;

use onramp_domain::ports::{
    BspProvisioning, CardOnFile, EmbeddedSignup, OrderPayments, ProviderError, ProviderId,
    VerificationSender, WhatsAppMessaging,
};
use onramp_meta::MetaCredentials;
use onramp_paypal::{PaypalCredentials, PaypalOrders, webhook::PaypalWebhookVerifier};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, SignatureError, WebhookRequest};
use onramp_sinch::SinchCredentials;
use onramp_stripe::{StripeCards, StripeCredentials};
use onramp_telnyx::TelnyxCredentials;
use onramp_twilio::TwilioCredentials;
use secrecy::{ExposeSecret, SecretString};

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
    /// Meta: app id and secret, system user token, credit line, verify token.
    Meta(MetaCredentials),
}

/// What a provider's credentials give: a code sender, a card provider, or an order provider
/// with its webhook verifier (which caches PayPal's certificates).
#[derive(Clone)]
pub enum ProviderClient {
    /// Telnyx, Twilio, Sinch: code delivery, and for Twilio and Sinch, WhatsApp when their
    /// credentials name a WhatsApp sender or project.
    Verification {
        /// Code delivery.
        sender: Arc<dyn VerificationSender>,
        /// WhatsApp messages (Twilio, Sinch) and senders (Sinch).
        whatsapp: WhatsAppClients,
    },
    /// Stripe.
    Cards(Arc<dyn CardOnFile>),
    /// PayPal.
    Orders {
        /// Orders v2.
        orders: Arc<dyn OrderPayments>,
        /// Webhook verification; None without a `webhook_id`.
        webhooks: Option<Arc<PaypalWebhookVerifier>>,
    },
    /// WhatsApp only (Meta).
    WhatsApp(WhatsAppClients),
}

/// The WhatsApp capabilities a provider's credentials give (none, some or all).
#[derive(Clone, Default)]
pub struct WhatsAppClients {
    /// Messages from the tenant's WhatsApp channel (Twilio, Sinch Conversation API, Meta).
    pub messaging: Option<Arc<dyn WhatsAppMessaging>>,
    /// Embedded Signup (Meta).
    pub signup: Option<Arc<dyn EmbeddedSignup>>,
    /// A BSP's senders (Sinch Provisioning API).
    pub bsp: Option<Arc<dyn BspProvisioning>>,
}

impl ProviderClient {
    /// The WhatsApp capabilities of this client.
    pub fn whatsapp(&self) -> WhatsAppClients {
        match self {
            Self::WhatsApp(w) | Self::Verification { whatsapp: w, .. } => w.clone(),
            _ => WhatsAppClients::default(),
        }
    }

    /// The provider's cheap authenticated call (issue 3, item 4).
    ///
    /// # Errors
    /// The provider's failure.
    pub async fn health_check(&self) -> Result<(), ProviderError> {
        match self {
            Self::Verification { sender, .. } => sender.health_check().await,
            Self::Cards(c) => c.health_check().await,
            Self::Orders { orders, .. } => orders.health_check().await,
            Self::WhatsApp(w) => match &w.messaging {
                Some(m) => m.health_check().await,
                None => Ok(()),
            },
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
            ProviderId::Meta => Self::Meta(de(value)?),
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
            Self::Meta(c) => c.validate(),
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
            Self::Meta(_) => ProviderId::Meta,
        }
    }

    /// The client these credentials give.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] for a base URL that does not parse or a TLS failure.
    pub fn client(&self) -> Result<ProviderClient, ProviderError> {
        Ok(match self {
            Self::Telnyx(c) => ProviderClient::Verification {
                sender: Arc::new(onramp_telnyx::TelnyxVerify::from_credentials(c)?),
                whatsapp: WhatsAppClients::default(),
            },
            Self::Twilio(c) => ProviderClient::Verification {
                sender: Arc::new(onramp_twilio::TwilioVerify::from_credentials(c)?),
                whatsapp: WhatsAppClients {
                    messaging: match (&c.whatsapp_from, &c.messaging_service_sid) {
                        (None, None) => None,
                        _ => Some(Arc::new(onramp_twilio::TwilioWhatsApp::from_credentials(
                            c,
                        )?)),
                    },
                    ..WhatsAppClients::default()
                },
            },
            Self::Sinch(c) => ProviderClient::Verification {
                sender: Arc::new(onramp_sinch::SinchVerification::from_credentials(c)?),
                whatsapp: WhatsAppClients {
                    messaging: match (&c.project_id, &c.conversation_app_id) {
                        (Some(_), Some(_)) => Some(Arc::new(
                            onramp_sinch::SinchConversation::from_credentials(c)?,
                        )),
                        _ => None,
                    },
                    bsp: match (&c.project_id, &c.access_key_id) {
                        (Some(_), Some(_)) => {
                            Some(Arc::new(onramp_sinch::SinchSenders::from_credentials(c)?))
                        }
                        _ => None,
                    },
                    signup: None,
                },
            },
            Self::Stripe(c) => ProviderClient::Cards(Arc::new(StripeCards::from_credentials(c)?)),
            Self::Paypal(c) => ProviderClient::Orders {
                orders: Arc::new(PaypalOrders::from_credentials(c)?),
                webhooks: match c.webhook_id {
                    Some(_) => Some(Arc::new(PaypalWebhookVerifier::from_credentials(c)?)),
                    None => None,
                },
            },
            Self::Meta(c) => ProviderClient::WhatsApp(WhatsAppClients {
                signup: Some(Arc::new(onramp_meta::MetaGraph::from_credentials(c)?)),
                messaging: match c.phone_number_id {
                    Some(_) => Some(Arc::new(onramp_meta::MetaMessaging::from_credentials(c)?)),
                    None => None,
                },
                bsp: None,
            }),
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
            Self::Meta(c) => onramp_meta::webhook::verify(request, c.app_secret.expose_secret()),
        }
    }

    /// Parses a verified webhook with the provider's adapter: one event, or for Meta, whose
    /// deliveries batch several changes, each of them.
    ///
    /// # Errors
    /// [`PayloadError`] for a body that does not parse.
    pub fn parse_webhook(
        &self,
        request: &WebhookRequest,
    ) -> Result<Vec<ParsedWebhook>, PayloadError> {
        let one = match self {
            Self::Telnyx(_) => onramp_telnyx::webhook::parse(request),
            Self::Twilio(_) => onramp_twilio::webhook::parse(request),
            Self::Sinch(_) => onramp_sinch::webhook::parse(request),
            Self::Stripe(_) => onramp_stripe::webhook::parse(request),
            Self::Paypal(_) => onramp_paypal::webhook::parse(request),
            Self::Meta(_) => return onramp_meta::webhook::parse(&request.body),
        };
        one.map(|p| vec![p])
    }

    /// Meta's verify token, for the `GET /webhooks/meta` handshake.
    pub fn verify_token(&self) -> Option<&str> {
        match self {
            Self::Meta(c) => c.verify_token.as_ref().map(|t| t.expose_secret()),
            _ => None,
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
    /// From `STRIPE_WEBHOOK_SECRET` alone: receiving Stripe's webhooks needs only the signing
    /// secret, not the API key (issue 11, item 8).
    pub stripe_webhook_secret: Option<SecretString>,
    /// From `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`, `PAYPAL_WEBHOOK_ID`, ...
    pub paypal: Option<PaypalCredentials>,
    /// From `META_APP_ID`, `META_APP_SECRET`, `META_SYSTEM_USER_TOKEN`, ...
    pub meta: Option<MetaCredentials>,
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
            stripe_webhook_secret: std::env::var("STRIPE_WEBHOOK_SECRET")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .map(SecretString::from),
            paypal: PaypalCredentials::from_env()?,
            meta: MetaCredentials::from_env(),
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
            ProviderId::Meta => self.meta.clone().map(ProviderCredentials::Meta),
            ProviderId::Sandbox => None,
        }
    }

    /// The server-wide credentials that verify `provider`'s webhooks: [`Self::get`]'s, or for
    /// Stripe with only `STRIPE_WEBHOOK_SECRET` set, that signing secret (credentials that
    /// verify signatures and parse events, and never call Stripe: without an API key Stripe is
    /// not [`Self::live`], so no client is built from them).
    pub fn webhook_credentials(&self, provider: ProviderId) -> Option<ProviderCredentials> {
        if let Some(credentials) = self.get(provider) {
            return Some(credentials);
        }
        match (provider, &self.stripe_webhook_secret) {
            (ProviderId::Stripe, Some(secret)) => {
                Some(ProviderCredentials::Stripe(StripeCredentials {
                    secret_key: SecretString::from(String::new()),
                    webhook_secret: Some(secret.clone()),
                    base_url: None,
                }))
            }
            _ => None,
        }
    }

    /// The providers with server-wide credentials (code delivery and payments).
    pub fn live(&self) -> Vec<ProviderId> {
        ProviderId::REAL
            .into_iter()
            .chain(ProviderId::PAYMENTS)
            .chain([ProviderId::Meta])
            .filter(|p| self.get(*p).is_some())
            .collect()
    }
}
