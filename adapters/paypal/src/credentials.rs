//! [`PaypalCredentials`]: what a tenant (or the server, from the environment) configures to take
//! payments through PayPal Orders v2 and to verify PayPal's webhooks.

use onramp_provider_kit::credentials::{check_base_url, check_header_safe};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// Environment variable of the REST app's client id (the name PayPal's samples read).
pub const ENV_CLIENT_ID: &str = "PAYPAL_CLIENT_ID";
/// Environment variable of the REST app's secret.
pub const ENV_CLIENT_SECRET: &str = "PAYPAL_CLIENT_SECRET";
/// Environment variable of the webhook registration's id.
pub const ENV_WEBHOOK_ID: &str = "PAYPAL_WEBHOOK_ID";
/// Environment variable of the webhook verification mode: `offline` or `online`.
pub const ENV_WEBHOOK_VERIFICATION: &str = "PAYPAL_WEBHOOK_VERIFICATION";
/// Environment variable of the API base URL.
pub const ENV_BASE_URL: &str = "PAYPAL_BASE_URL";

/// The live REST API (PROVIDERS.md section 2, "Transport and auth";
/// paypal/PayPal-TypeScript-Server-SDK: src/client.ts `getBaseUri`).
pub const DEFAULT_BASE_URL: &str = "https://api-m.paypal.com";
/// The sandbox REST API, for sandbox apps' credentials (same source).
pub const SANDBOX_BASE_URL: &str = "https://api-m.sandbox.paypal.com";

/// How PayPal's webhook signatures are checked (PROVIDERS.md section 2, "Webhooks").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookVerification {
    /// Locally: the RSA signature checked with the certificate at `PAYPAL-CERT-URL` (fetched
    /// only from PayPal's hosts over https, then cached). Byte-exact; no PayPal API call per
    /// delivery.
    #[default]
    Offline,
    /// By PayPal: `POST /v1/notifications/verify-webhook-signature` for every delivery.
    Online,
}

impl WebhookVerification {
    /// Parses `offline` or `online` (case-insensitive, surrounding white space ignored).
    ///
    /// # Errors
    /// A message naming the accepted words.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "offline" => Ok(Self::Offline),
            "online" => Ok(Self::Online),
            other => Err(format!(
                "webhook_verification ({ENV_WEBHOOK_VERIFICATION}) must be `offline` or `online`, not {other:?}"
            )),
        }
    }
}

/// Credentials of one PayPal REST app.
///
/// Serialized as `{"client_id", "client_secret", "webhook_id"?, "webhook_verification"?,
/// "base_url"?}` with the secret in clear (it is meant to be stored encrypted, never logged);
/// unknown fields are refused; `Debug` redacts the secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaypalCredentials {
    /// The REST app's client id, the user name of the token request's Basic auth.
    pub client_id: String,
    /// The REST app's secret, the password of the token request's Basic auth. Secret.
    #[serde(serialize_with = "expose")]
    pub client_secret: SecretString,
    /// The id of *your* webhook registration (developer dashboard, or the `id` answered by
    /// `POST /v1/notifications/webhooks`): it is part of the signed string, never taken from
    /// the request. None when webhooks are not received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    /// How webhooks are verified; None for [`WebhookVerification::Offline`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_verification: Option<WebhookVerification>,
    /// API base URL, e.g. [`SANDBOX_BASE_URL`] for a sandbox app; None for
    /// [`DEFAULT_BASE_URL`] (live).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

impl PaypalCredentials {
    /// Reads `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET` (both required), `PAYPAL_WEBHOOK_ID`,
    /// `PAYPAL_WEBHOOK_VERIFICATION` and `PAYPAL_BASE_URL` (optional) from the process
    /// environment.
    ///
    /// Returns `Ok(None)` when a required variable is unset or empty (an empty optional one
    /// counts as unset). Other values are not checked: call [`Self::validate`].
    ///
    /// # Errors
    /// [`WebhookVerification::parse`]'s message for a `PAYPAL_WEBHOOK_VERIFICATION` that is
    /// neither `offline` nor `online`.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading each variable through `get` (a configuration map, or the
    /// environment).
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let read = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        let (Some(client_id), Some(client_secret)) = (read(ENV_CLIENT_ID), read(ENV_CLIENT_SECRET))
        else {
            return Ok(None);
        };
        let webhook_verification = read(ENV_WEBHOOK_VERIFICATION)
            .map(|text| WebhookVerification::parse(&text))
            .transpose()?;
        Ok(Some(Self {
            client_id,
            client_secret: SecretString::from(client_secret),
            webhook_id: read(ENV_WEBHOOK_ID),
            webhook_verification,
            base_url: read(ENV_BASE_URL),
        }))
    }

    /// The API base URL: `base_url`, or [`DEFAULT_BASE_URL`].
    pub fn base_url(&self) -> &str {
        self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL)
    }

    /// The webhook verification mode: `webhook_verification`, or
    /// [`WebhookVerification::Offline`].
    pub fn webhook_verification(&self) -> WebhookVerification {
        self.webhook_verification.unwrap_or_default()
    }

    /// Checks every field's shape, without calling PayPal.
    ///
    /// # Errors
    /// A message naming the field and what is wrong: an empty client id or secret, or one with
    /// white space, control or non-ASCII characters (they travel in a Basic auth header); a
    /// webhook id that is not 1 to 50 ASCII letters, digits, `_` or `-` (the OpenAPI
    /// description's `verify_webhook_signature.webhook_id` says `maxLength 50` and
    /// `^[a-zA-Z0-9]+$`; `_` is let through for the webhook simulator, which signs with the
    /// literal id `WEBHOOK_ID`, and `-` alike; `|`, the signed string's separator, never is); a
    /// base URL that is not an absolute http(s) URL with a host.
    pub fn validate(&self) -> Result<(), String> {
        check_header_safe(&self.client_id, "client_id", ENV_CLIENT_ID)?;
        check_header_safe(
            self.client_secret.expose_secret(),
            "client_secret",
            ENV_CLIENT_SECRET,
        )?;
        if let Some(webhook_id) = &self.webhook_id
            && (webhook_id.is_empty()
                || webhook_id.len() > 50
                || !webhook_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            return Err(format!(
                "webhook_id ({ENV_WEBHOOK_ID}) must be 1 to 50 ASCII letters, digits, `_` or `-`: {webhook_id:?}"
            ));
        }
        if let Some(base_url) = &self.base_url {
            check_base_url(base_url, ENV_BASE_URL)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    const SECRET: &str = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL";

    fn valid() -> PaypalCredentials {
        PaypalCredentials {
            client_id:
                "AeA1QIZXiflr1_-r0U2UbWTziOWX1GRQer5jkUq4ZfWT5qwb6qQRPq7jDtv57TL4POEEezGLdutcxnkJ"
                    .into(),
            client_secret: SecretString::from(SECRET),
            webhook_id: Some("4JH86294D6297924G".into()),
            webhook_verification: None,
            base_url: Some(SANDBOX_BASE_URL.into()),
        }
    }

    #[test]
    fn all_five_variables_are_read() {
        let c = PaypalCredentials::from_vars(env_vars(&[
            (ENV_CLIENT_ID, "client"),
            (ENV_CLIENT_SECRET, "secret"),
            (ENV_WEBHOOK_ID, "8PT597110X687430LKGECATA"),
            (ENV_WEBHOOK_VERIFICATION, "Online"),
            (ENV_BASE_URL, SANDBOX_BASE_URL),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.client_id, "client");
        assert_eq!(c.client_secret.expose_secret(), "secret");
        assert_eq!(c.webhook_id.as_deref(), Some("8PT597110X687430LKGECATA"));
        assert_eq!(c.webhook_verification(), WebhookVerification::Online);
        assert_eq!(c.base_url(), SANDBOX_BASE_URL);
    }

    #[test]
    fn a_missing_or_empty_required_variable_gives_none() {
        let only_id = env_vars(&[(ENV_CLIENT_ID, "client")]);
        assert!(PaypalCredentials::from_vars(only_id).unwrap().is_none());
        let blank_secret = env_vars(&[(ENV_CLIENT_ID, "client"), (ENV_CLIENT_SECRET, "  ")]);
        assert!(
            PaypalCredentials::from_vars(blank_secret)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn optional_variables_default_to_live_and_offline() {
        let c = PaypalCredentials::from_vars(env_vars(&[
            (ENV_CLIENT_ID, "client"),
            (ENV_CLIENT_SECRET, "secret"),
            (ENV_BASE_URL, ""),
        ]))
        .unwrap()
        .unwrap();
        assert!(c.webhook_id.is_none() && c.base_url.is_none());
        assert_eq!(c.base_url(), "https://api-m.paypal.com");
        assert_eq!(c.webhook_verification(), WebhookVerification::Offline);
    }

    #[test]
    fn an_unknown_verification_mode_is_an_error_naming_the_variable() {
        let e = PaypalCredentials::from_vars(env_vars(&[
            (ENV_CLIENT_ID, "client"),
            (ENV_CLIENT_SECRET, "secret"),
            (ENV_WEBHOOK_VERIFICATION, "sometimes"),
        ]))
        .unwrap_err();
        assert!(e.contains(ENV_WEBHOOK_VERIFICATION), "{e}");
    }

    #[test]
    fn valid_credentials_validate() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn an_empty_or_spaced_client_id_or_secret_is_refused() {
        let mut c = valid();
        c.client_id = String::new();
        assert!(c.validate().unwrap_err().contains("client_id"));
        let mut c = valid();
        c.client_secret = SecretString::from("two words");
        assert!(c.validate().unwrap_err().contains("client_secret"));
    }

    #[test]
    fn a_webhook_id_with_separators_or_spaces_is_refused() {
        let mut c = valid();
        for bad in ["4JH86294D|6297924G", "4JH86294D 6297924G", ""] {
            c.webhook_id = Some(bad.into());
            assert!(c.validate().unwrap_err().contains("webhook_id"), "{bad:?}");
        }
        c.webhook_id = Some("WEBHOOK_ID".into());
        assert_eq!(c.validate(), Ok(()), "the simulator's id");
    }

    #[test]
    fn a_base_url_without_http_is_refused() {
        let mut c = valid();
        c.base_url = Some("api-m.paypal.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
        c.base_url = Some("ftp://api-m.paypal.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let text = format!("{:?}", valid());
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("4JH86294D6297924G"));
    }

    #[test]
    fn credentials_round_trip_through_json_and_refuse_unknown_fields() {
        let json = serde_json::to_value(valid()).unwrap();
        assert_eq!(json["client_secret"], SECRET);
        let back: PaypalCredentials = serde_json::from_value(json).unwrap();
        assert_eq!(back.client_secret.expose_secret(), SECRET);
        let with_mode: PaypalCredentials = serde_json::from_str(
            r#"{"client_id":"c","client_secret":"s","webhook_verification":"online"}"#,
        )
        .unwrap();
        assert_eq!(
            with_mode.webhook_verification(),
            WebhookVerification::Online
        );
        let unknown = serde_json::from_str::<PaypalCredentials>(
            r#"{"client_id":"c","client_secret":"s","sandbox":true}"#,
        );
        assert!(unknown.is_err());
    }
}
