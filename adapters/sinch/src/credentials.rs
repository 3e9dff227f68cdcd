//! Sinch Verification credentials: the application key and secret of a Sinch app (Sinch
//! dashboard, "Apps"), the optional Conversation-API webhook secret, and the API base URL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use onramp_provider_kit::credentials::{BaseUrlError, parse_http_url};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// Environment variable of [`SinchCredentials::application_key`] (required).
pub const ENV_APPLICATION_KEY: &str = "SINCH_APPLICATION_KEY";
/// Environment variable of [`SinchCredentials::application_secret`] (required).
pub const ENV_APPLICATION_SECRET: &str = "SINCH_APPLICATION_SECRET";
/// Environment variable of [`SinchCredentials::webhook_secret`] (optional).
pub const ENV_WEBHOOK_SECRET: &str = "SINCH_WEBHOOK_SECRET";
/// Environment variable of [`SinchCredentials::base_url`] (optional).
pub const ENV_BASE_URL: &str = "SINCH_VERIFICATION_BASE_URL";

/// The credentials of one Sinch Verification application.
///
/// Serialized as `{"application_key", "application_secret", "webhook_secret"?, "base_url"?}`
/// with the secrets in clear (the form stored encrypted by the secrets adapter); `Debug`
/// redacts them.
#[derive(Clone, Serialize, Deserialize)]
pub struct SinchCredentials {
    /// The application key (a UUID such as `669E367E-6BBA-48AB-AF15-266871C28135`), sent in
    /// every `Authorization: Application <key>:<signature>` header.
    pub application_key: String,
    /// The application secret, base64 as Sinch issues it (e.g. `BeIukql3pTKJ8RGL5zo0DA==`); its
    /// decoded bytes key the HMAC-SHA256 of signed requests (PROVIDERS.md section 5, "Verification/
    /// Voice callback signing").
    #[serde(serialize_with = "expose")]
    pub application_secret: SecretString,
    /// The secret of Conversation-API-style webhooks (`x-sinch-webhook-signature`), used as
    /// UTF-8 HMAC key; None when only Verification callbacks are received.
    #[serde(
        default,
        serialize_with = "expose_optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_secret: Option<SecretString>,
    /// API base URL; None means [`crate::DEFAULT_BASE_URL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl SinchCredentials {
    /// Reads `SINCH_APPLICATION_KEY`, `SINCH_APPLICATION_SECRET` (both required),
    /// `SINCH_WEBHOOK_SECRET` and `SINCH_VERIFICATION_BASE_URL` (optional). An empty variable
    /// counts as absent.
    ///
    /// Returns None when a required variable is missing; the values are not checked (call
    /// [`Self::validate`]).
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] with the variables read through `var` (a name to its value), so
    /// callers and tests can supply their own environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        Some(Self {
            application_key: read(ENV_APPLICATION_KEY)?,
            application_secret: SecretString::from(read(ENV_APPLICATION_SECRET)?),
            webhook_secret: read(ENV_WEBHOOK_SECRET).map(SecretString::from),
            base_url: read(ENV_BASE_URL),
        })
    }

    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the field and what is wrong: an empty application key, or one with
    /// white space, `:` (it could not be told apart from the signature in the `Authorization`
    /// header) or anything but visible ASCII; an application secret that is empty or not standard base64; an
    /// empty webhook secret; a base URL that is not an absolute `http`/`https` URL.
    pub fn validate(&self) -> Result<(), String> {
        let key = self.application_key.as_str();
        if key.is_empty() {
            return Err("application_key is empty".into());
        }
        if !crate::signing::valid_key(key) {
            return Err("application_key must be visible ASCII without ':' or white space".into());
        }
        let secret = self.application_secret.expose_secret();
        match STANDARD.decode(secret.trim()) {
            Ok(bytes) if !bytes.is_empty() => {}
            Ok(_) => return Err("application_secret is empty".into()),
            Err(_) => {
                return Err(
                    "application_secret is not base64 (copy it from the Sinch dashboard as is)"
                        .into(),
                );
            }
        }
        if let Some(webhook) = &self.webhook_secret
            && webhook.expose_secret().is_empty()
        {
            return Err("webhook_secret is empty".into());
        }
        if let Some(base) = &self.base_url {
            parse_http_url(base).map_err(|reason| match reason {
                BaseUrlError::NotAUrl(e) => format!("base_url {base:?} does not parse: {e}"),
                BaseUrlError::NotHttp => format!("base_url {base:?} is not an http(s) URL"),
            })?;
        }
        Ok(())
    }

    /// The secret handed to [`crate::webhook::verify`] for Verification callbacks signed with
    /// the Application scheme: `"<application_key>:<base64 application secret>"`.
    pub fn callback_secret(&self) -> SecretString {
        SecretString::from(format!(
            "{}:{}",
            self.application_key,
            self.application_secret.expose_secret().trim()
        ))
    }
}

impl std::fmt::Debug for SinchCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinchCredentials")
            .field("application_key", &self.application_key)
            .field("application_secret", &"[redacted]")
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("base_url", &self.base_url)
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn expose_optional<S: Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_some(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    fn valid() -> SinchCredentials {
        SinchCredentials {
            application_key: "669E367E-6BBA-48AB-AF15-266871C28135".into(),
            application_secret: SecretString::from("BeIukql3pTKJ8RGL5zo0DA=="),
            webhook_secret: Some(SecretString::from("foo_secret1234")),
            base_url: None,
        }
    }

    #[test]
    fn the_environment_gives_every_field() {
        let c = SinchCredentials::from_vars(env_vars(&[
            (ENV_APPLICATION_KEY, "key"),
            (ENV_APPLICATION_SECRET, "c2VjcmV0"),
            (ENV_WEBHOOK_SECRET, "hook"),
            (ENV_BASE_URL, "http://127.0.0.1:1"),
        ]))
        .unwrap();
        assert_eq!(c.application_key, "key");
        assert_eq!(c.application_secret.expose_secret(), "c2VjcmV0");
        assert_eq!(c.webhook_secret.unwrap().expose_secret(), "hook");
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn a_missing_or_empty_required_variable_gives_nothing() {
        assert!(SinchCredentials::from_vars(env_vars(&[(ENV_APPLICATION_KEY, "key")])).is_none());
        assert!(
            SinchCredentials::from_vars(env_vars(&[
                (ENV_APPLICATION_KEY, " "),
                (ENV_APPLICATION_SECRET, "c2VjcmV0"),
            ]))
            .is_none()
        );
    }

    #[test]
    fn optional_variables_may_be_absent() {
        let c = SinchCredentials::from_vars(env_vars(&[
            (ENV_APPLICATION_KEY, "key"),
            (ENV_APPLICATION_SECRET, "c2VjcmV0"),
        ]))
        .unwrap();
        assert!(c.webhook_secret.is_none());
        assert!(c.base_url.is_none());
    }

    #[test]
    fn valid_credentials_pass() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn each_malformed_field_is_named() {
        let mut c = valid();
        c.application_key = String::new();
        assert!(c.validate().unwrap_err().contains("application_key"));
        let mut c = valid();
        c.application_key = "a:b".into();
        assert!(c.validate().unwrap_err().contains("application_key"));
        let mut c = valid();
        c.application_secret = SecretString::from("not base64!");
        assert!(c.validate().unwrap_err().contains("application_secret"));
        let mut c = valid();
        c.webhook_secret = Some(SecretString::from(""));
        assert!(c.validate().unwrap_err().contains("webhook_secret"));
        let mut c = valid();
        c.base_url = Some("ftp://example.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
        let mut c = valid();
        c.base_url = Some("not a url".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let text = format!("{:?}", valid());
        assert!(!text.contains("BeIukql3pTKJ8RGL5zo0DA=="));
        assert!(!text.contains("foo_secret1234"));
        assert!(text.contains("669E367E"));
    }

    #[test]
    fn credentials_round_trip_through_json() {
        let json = serde_json::to_value(valid()).unwrap();
        assert_eq!(json["application_secret"], "BeIukql3pTKJ8RGL5zo0DA==");
        assert!(json.get("base_url").is_none());
        let back: SinchCredentials = serde_json::from_value(json).unwrap();
        assert_eq!(
            back.application_secret.expose_secret(),
            "BeIukql3pTKJ8RGL5zo0DA=="
        );
        assert_eq!(
            back.webhook_secret.unwrap().expose_secret(),
            "foo_secret1234"
        );
    }

    #[test]
    fn the_callback_secret_joins_key_and_secret() {
        assert_eq!(
            valid().callback_secret().expose_secret(),
            "669E367E-6BBA-48AB-AF15-266871C28135:BeIukql3pTKJ8RGL5zo0DA=="
        );
    }
}
