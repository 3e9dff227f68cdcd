//! [`TwilioCredentials`]: what a tenant (or the server) configures to send codes through Twilio
//! Verify and WhatsApp messages through Twilio's Messages API, read from the environment
//! variables Twilio's own tools use.

mod checks;
#[cfg(test)]
mod tests;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

pub(crate) use checks::is_e164;
use checks::{check_e164, check_secret, check_sid, check_url};

/// Environment variable of [`TwilioCredentials::account_sid`] (required), as twilio-python's
/// `Client` reads it (twilio/twilio-python: twilio/base/client_base.py).
pub const ENV_ACCOUNT_SID: &str = "TWILIO_ACCOUNT_SID";
/// Environment variable of [`TwilioCredentials::auth_token`] (required).
pub const ENV_AUTH_TOKEN: &str = "TWILIO_AUTH_TOKEN";
/// Environment variable of [`TwilioCredentials::verify_service_sid`] (required).
pub const ENV_VERIFY_SERVICE_SID: &str = "TWILIO_VERIFY_SERVICE_SID";
/// Environment variable of [`TwilioCredentials::api_key_sid`] (optional; the Twilio CLI's name).
pub const ENV_API_KEY: &str = "TWILIO_API_KEY";
/// Environment variable of [`TwilioCredentials::api_key_secret`] (optional).
pub const ENV_API_SECRET: &str = "TWILIO_API_SECRET";
/// Environment variable of [`TwilioCredentials::base_url`] (optional).
pub const ENV_BASE_URL: &str = "TWILIO_VERIFY_BASE_URL";
/// Environment variable of [`TwilioCredentials::api_base_url`] (optional).
pub const ENV_API_BASE_URL: &str = "TWILIO_API_BASE_URL";
/// Environment variable of [`TwilioCredentials::whatsapp_from`] (optional).
pub const ENV_WHATSAPP_FROM: &str = "TWILIO_WHATSAPP_FROM";
/// Environment variable of [`TwilioCredentials::messaging_service_sid`] (optional).
pub const ENV_MESSAGING_SERVICE_SID: &str = "TWILIO_MESSAGING_SERVICE_SID";
/// Environment variable of [`TwilioCredentials::status_callback_url`] (optional).
pub const ENV_STATUS_CALLBACK_URL: &str = "TWILIO_STATUS_CALLBACK_URL";

/// Credentials of one Twilio account, its Verify service and, optionally, its WhatsApp sender.
///
/// Every field added after the first version is optional with a serde default, so stored
/// credentials written before (`{account_sid, auth_token, verify_service_sid}`) still parse.
/// `Debug` redacts the secrets (secrecy's `SecretString`); `Serialize` writes them in clear, for
/// the encrypted per-tenant credential store only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TwilioCredentials {
    /// Account SID, `AC` + 32 hex digits (`TWILIO_ACCOUNT_SID`).
    pub account_sid: String,
    /// Auth token (`TWILIO_AUTH_TOKEN`). Used for HTTP Basic auth unless an API key is set,
    /// and always as the key of the webhook signature (`X-Twilio-Signature`), which Twilio
    /// computes with the account's auth token whatever credential made the API call
    /// (twilio/twilio-python: twilio/request_validator.py).
    #[serde(serialize_with = "expose")]
    pub auth_token: SecretString,
    /// Verify service SID, `VA` + 32 hex digits (`TWILIO_VERIFY_SERVICE_SID`); the pattern is the
    /// `ServiceSid` path parameter's in `../shared/provider-specs/twilio.json`. Required even
    /// for a WhatsApp-only configuration: the server builds a [`crate::TwilioVerify`] from any
    /// Twilio credentials.
    pub verify_service_sid: String,
    /// API key SID, `SK` + 32 hex digits (`TWILIO_API_KEY`). With
    /// [`Self::api_key_secret`], Basic auth uses the key instead of the account SID and token,
    /// as twilio-python's `Client(api_key, api_secret, account_sid)` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_sid: Option<String>,
    /// API key secret (`TWILIO_API_SECRET`); set together with [`Self::api_key_sid`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_option"
    )]
    pub api_key_secret: Option<SecretString>,
    /// Verify API base URL (`TWILIO_VERIFY_BASE_URL`); `None` means
    /// [`crate::DEFAULT_BASE_URL`] (`https://verify.twilio.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Core API base URL, where the Messages and Accounts resources are
    /// (`TWILIO_API_BASE_URL`); `None` means [`crate::DEFAULT_API_BASE_URL`]
    /// (`https://api.twilio.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base_url: Option<String>,
    /// The WhatsApp sender, E.164 without the `whatsapp:` prefix (`TWILIO_WHATSAPP_FROM`),
    /// e.g. the shared sandbox sender [`crate::SANDBOX_WHATSAPP_FROM`]; sent as
    /// `From=whatsapp:+…`. No default: a sender is chosen on purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp_from: Option<String>,
    /// A Messaging Service, `MG` + 32 hex digits (`TWILIO_MESSAGING_SERVICE_SID`), sent as
    /// `MessagingServiceSid`: Twilio then picks the sender from the service's pool when
    /// [`Self::whatsapp_from`] is unset (PROVIDERS.md section 4, Messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging_service_sid: Option<String>,
    /// The URL Twilio posts message status callbacks to (`TWILIO_STATUS_CALLBACK_URL`), sent as
    /// `StatusCallback` with every WhatsApp message: normally Onramp's public
    /// `/webhooks/twilio`. `None` leaves the number's or service's own configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_callback_url: Option<String>,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn expose_option<S: Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(s) => serializer.serialize_some(s.expose_secret()),
        None => serializer.serialize_none(),
    }
}

impl TwilioCredentials {
    /// Reads `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_VERIFY_SERVICE_SID`
    /// (required), and `TWILIO_API_KEY`, `TWILIO_API_SECRET`, `TWILIO_VERIFY_BASE_URL`,
    /// `TWILIO_API_BASE_URL`, `TWILIO_WHATSAPP_FROM`, `TWILIO_MESSAGING_SERVICE_SID`,
    /// `TWILIO_STATUS_CALLBACK_URL` (optional). Values are trimmed; an empty value counts as
    /// unset.
    ///
    /// Returns `None` when a required variable is missing. It does not validate: call
    /// [`Self::validate`].
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Some(Self {
            account_sid: read(ENV_ACCOUNT_SID)?,
            auth_token: SecretString::from(read(ENV_AUTH_TOKEN)?),
            verify_service_sid: read(ENV_VERIFY_SERVICE_SID)?,
            api_key_sid: read(ENV_API_KEY),
            api_key_secret: read(ENV_API_SECRET).map(SecretString::from),
            base_url: read(ENV_BASE_URL),
            api_base_url: read(ENV_API_BASE_URL),
            whatsapp_from: read(ENV_WHATSAPP_FROM),
            messaging_service_sid: read(ENV_MESSAGING_SERVICE_SID),
            status_callback_url: read(ENV_STATUS_CALLBACK_URL),
        })
    }

    /// Checks every field's shape, without calling Twilio.
    ///
    /// # Errors
    /// A message naming the field (and its environment variable) and what is wrong:
    /// a SID that is not its prefix plus 32 hex digits, an empty or blank-containing secret,
    /// an API key SID without its secret (or the reverse), a base or callback URL that is not
    /// `http(s)`, a WhatsApp sender that is not E.164. Whether a WhatsApp sender is set at all
    /// is checked by [`crate::TwilioWhatsApp::new`], not here.
    pub fn validate(&self) -> Result<(), String> {
        check_sid(&self.account_sid, "AC", "account_sid", ENV_ACCOUNT_SID)?;
        check_secret(
            self.auth_token.expose_secret(),
            "auth_token",
            ENV_AUTH_TOKEN,
        )?;
        check_sid(
            &self.verify_service_sid,
            "VA",
            "verify_service_sid",
            ENV_VERIFY_SERVICE_SID,
        )?;
        match (&self.api_key_sid, &self.api_key_secret) {
            (None, None) => {}
            (Some(sid), Some(secret)) => {
                check_sid(sid, "SK", "api_key_sid", ENV_API_KEY)?;
                check_secret(secret.expose_secret(), "api_key_secret", ENV_API_SECRET)?;
            }
            (Some(_), None) => {
                return Err(format!(
                    "api_key_secret ({ENV_API_SECRET}) is required when api_key_sid ({ENV_API_KEY}) is set"
                ));
            }
            (None, Some(_)) => {
                return Err(format!(
                    "api_key_sid ({ENV_API_KEY}) is required when api_key_secret ({ENV_API_SECRET}) is set"
                ));
            }
        }
        if let Some(base) = &self.base_url {
            check_url(base, "base_url", ENV_BASE_URL)?;
        }
        if let Some(base) = &self.api_base_url {
            check_url(base, "api_base_url", ENV_API_BASE_URL)?;
        }
        if let Some(from) = &self.whatsapp_from {
            check_e164(from, "whatsapp_from", ENV_WHATSAPP_FROM)?;
        }
        if let Some(sid) = &self.messaging_service_sid {
            check_sid(
                sid,
                "MG",
                "messaging_service_sid",
                ENV_MESSAGING_SERVICE_SID,
            )?;
        }
        if let Some(url) = &self.status_callback_url {
            check_url(url, "status_callback_url", ENV_STATUS_CALLBACK_URL)?;
        }
        Ok(())
    }

    /// The HTTP Basic user name and password: the API key and its secret when both are set,
    /// else the account SID and auth token (twilio/twilio-python: twilio/base/client_base.py).
    pub(crate) fn basic_auth(&self) -> (String, SecretString) {
        match (&self.api_key_sid, &self.api_key_secret) {
            (Some(sid), Some(secret)) => (sid.clone(), secret.clone()),
            _ => (self.account_sid.clone(), self.auth_token.clone()),
        }
    }
}
