//! [`TwilioCredentials`]: what a tenant (or the server) configures to send codes through Twilio
//! Verify, read from the environment variables Twilio's own tools use.

use onramp_provider_kit::credentials::{BaseUrlError, parse_http_url};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

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

/// Credentials of one Twilio account and its Verify service.
///
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
    /// `ServiceSid` path parameter's in `../shared/provider-specs/twilio.json`.
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
    /// (required), and `TWILIO_API_KEY`, `TWILIO_API_SECRET`, `TWILIO_VERIFY_BASE_URL`
    /// (optional). Values are trimmed; an empty value counts as unset.
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
        })
    }

    /// Checks every field's shape, without calling Twilio.
    ///
    /// # Errors
    /// A message naming the field (and its environment variable) and what is wrong:
    /// a SID that is not its prefix plus 32 hex digits, an empty or blank-containing secret,
    /// an API key SID without its secret (or the reverse), a base URL that is not `http(s)`.
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
            parse_http_url(base).map_err(|reason| match reason {
                BaseUrlError::NotAUrl(e) => {
                    format!("base_url ({ENV_BASE_URL}) {base:?} is not a URL: {e}")
                }
                BaseUrlError::NotHttp => format!(
                    "base_url ({ENV_BASE_URL}) {base:?} must be an http or https URL with a host"
                ),
            })?;
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

/// `prefix` then 32 hex digits, the pattern of Twilio SIDs in the OpenAPI description
/// (`^AC[0-9a-fA-F]{32}$`, `^VA…`, `^SK…`).
pub(crate) fn is_sid(text: &str, prefix: &str) -> bool {
    text.len() == 34 && text.starts_with(prefix) && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_sid(value: &str, prefix: &str, field: &str, env: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} ({env}) is missing"));
    }
    if !is_sid(value, prefix) {
        return Err(format!(
            "{field} ({env}) must be {prefix} followed by 32 hexadecimal digits (34 characters), got {} characters starting with {:?}",
            value.chars().count(),
            value.chars().take(2).collect::<String>()
        ));
    }
    Ok(())
}

fn check_secret(value: &str, field: &str, env: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} ({env}) is missing"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(format!("{field} ({env}) contains white space"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    const AC: &str = "AC00000000000000000000000000000001";
    const VA: &str = "VA00000000000000000000000000000002";
    const SK: &str = "SK00000000000000000000000000000003";

    fn valid() -> TwilioCredentials {
        TwilioCredentials {
            account_sid: AC.into(),
            auth_token: "token".into(),
            verify_service_sid: VA.into(),
            api_key_sid: None,
            api_key_secret: None,
            base_url: None,
        }
    }

    #[test]
    fn the_three_required_variables_make_credentials() {
        let c = TwilioCredentials::from_lookup(env_vars(&[
            (ENV_ACCOUNT_SID, AC),
            (ENV_AUTH_TOKEN, " token "),
            (ENV_VERIFY_SERVICE_SID, VA),
        ]))
        .unwrap();
        assert_eq!(c.account_sid, AC);
        assert_eq!(c.auth_token.expose_secret(), "token");
        assert!(c.api_key_sid.is_none() && c.base_url.is_none());
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn a_missing_or_empty_required_variable_gives_none() {
        assert!(
            TwilioCredentials::from_lookup(env_vars(&[
                (ENV_ACCOUNT_SID, AC),
                (ENV_AUTH_TOKEN, "token"),
            ]))
            .is_none()
        );
        assert!(
            TwilioCredentials::from_lookup(env_vars(&[
                (ENV_ACCOUNT_SID, AC),
                (ENV_AUTH_TOKEN, "  "),
                (ENV_VERIFY_SERVICE_SID, VA),
            ]))
            .is_none()
        );
    }

    #[test]
    fn the_optional_variables_are_read() {
        let c = TwilioCredentials::from_lookup(env_vars(&[
            (ENV_ACCOUNT_SID, AC),
            (ENV_AUTH_TOKEN, "token"),
            (ENV_VERIFY_SERVICE_SID, VA),
            (ENV_API_KEY, SK),
            (ENV_API_SECRET, "secret"),
            (ENV_BASE_URL, "http://127.0.0.1:9000"),
        ]))
        .unwrap();
        assert_eq!(c.api_key_sid.as_deref(), Some(SK));
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.validate(), Ok(()));
        let (user, pass) = c.basic_auth();
        assert_eq!((user.as_str(), pass.expose_secret()), (SK, "secret"));
    }

    #[test]
    fn basic_auth_is_the_account_sid_and_token_without_an_api_key() {
        let (user, pass) = valid().basic_auth();
        assert_eq!((user.as_str(), pass.expose_secret()), (AC, "token"));
    }

    #[test]
    fn a_malformed_account_sid_is_named_in_the_message() {
        let mut c = valid();
        c.account_sid = "AC123".into();
        let e = c.validate().unwrap_err();
        assert!(
            e.contains("account_sid") && e.contains(ENV_ACCOUNT_SID),
            "{e}"
        );
    }

    #[test]
    fn a_service_sid_of_the_wrong_kind_is_refused() {
        let mut c = valid();
        c.verify_service_sid = AC.into();
        let e = c.validate().unwrap_err();
        assert!(e.contains("verify_service_sid") && e.contains("VA"), "{e}");
    }

    #[test]
    fn an_empty_auth_token_is_refused() {
        let mut c = valid();
        c.auth_token = "".into();
        assert!(c.validate().unwrap_err().contains("auth_token"));
    }

    #[test]
    fn an_api_key_without_its_secret_is_refused() {
        let mut c = valid();
        c.api_key_sid = Some(SK.into());
        assert!(c.validate().unwrap_err().contains(ENV_API_SECRET));
        c.api_key_sid = None;
        c.api_key_secret = Some("s".into());
        assert!(c.validate().unwrap_err().contains(ENV_API_KEY));
    }

    #[test]
    fn a_base_url_that_is_not_http_is_refused() {
        let mut c = valid();
        c.base_url = Some("ftp://verify.twilio.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
        c.base_url = Some("not a url".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let mut c = valid();
        c.auth_token = "super-secret-token".into();
        c.api_key_secret = Some("super-secret-key".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("super-secret"), "{shown}");
    }

    #[test]
    fn credentials_survive_a_serde_round_trip() {
        let mut c = valid();
        c.api_key_sid = Some(SK.into());
        c.api_key_secret = Some("secret".into());
        let json = serde_json::to_string(&c).unwrap();
        let back: TwilioCredentials = serde_json::from_str(&json).unwrap();
        assert_eq!(back.auth_token.expose_secret(), "token");
        assert_eq!(
            back.api_key_secret.as_ref().map(|s| s.expose_secret()),
            Some("secret")
        );
        assert_eq!(back.verify_service_sid, VA);
    }

    #[test]
    fn optional_fields_may_be_absent_when_deserialising() {
        let c: TwilioCredentials = serde_json::from_str(&format!(
            r#"{{"account_sid":"{AC}","auth_token":"t","verify_service_sid":"{VA}"}}"#
        ))
        .unwrap();
        assert!(c.api_key_secret.is_none() && c.base_url.is_none());
    }
}
