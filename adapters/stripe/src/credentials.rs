//! [`StripeCredentials`]: what a tenant (or the server, from the environment) configures to keep
//! cards on file and start trials through Stripe, and to verify Stripe's webhooks.

use onramp_provider_kit::credentials::{check_base_url, is_header_safe};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// Environment variable of the secret API key (the name Stripe's own tools and docs use, e.g.
/// stripe/stripe-cli and the quickstarts; PROVIDERS.md section 1).
pub const ENV_SECRET_KEY: &str = "STRIPE_SECRET_KEY";
/// Environment variable of the webhook endpoint's signing secret (`whsec_…`).
pub const ENV_WEBHOOK_SECRET: &str = "STRIPE_WEBHOOK_SECRET";
/// Environment variable of the API base URL (Onramp's name; tests and stripe-mock point it
/// elsewhere).
pub const ENV_BASE_URL: &str = "STRIPE_BASE_URL";

/// Stripe's API base URL, without the version: paths such as `/v1/customers` are appended to it
/// (stripe/stripe-python: stripe/__init__.py `DEFAULT_API_BASE`; the OpenAPI description's
/// `servers[0].url`).
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

/// The prefixes of the keys that may call the API: secret (`sk_`) and restricted (`rk_`) keys,
/// test or live mode (doc <https://docs.stripe.com/keys>, "Key types"). Publishable keys
/// (`pk_`) cannot create customers or PaymentIntents.
pub const SECRET_KEY_PREFIXES: [&str; 4] = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"];

/// The prefix of a webhook endpoint's signing secret (doc
/// <https://docs.stripe.com/webhooks#verify-events>; stripe/stripe-dotnet EventUtility:
/// "It should start with `whsec_`").
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// Credentials of one Stripe account.
///
/// Serialized as `{"secret_key", "webhook_secret"?, "base_url"?}` with the secrets in clear
/// (they are meant to be stored encrypted, never logged); unknown fields are refused; `Debug`
/// redacts both secrets.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeCredentials {
    /// Secret or restricted API key (`sk_test_…`, `sk_live_…`, `rk_test_…`, `rk_live_…`), sent
    /// as `Authorization: Bearer <key>` (PROVIDERS.md section 1, "Transport and auth"). Secret.
    #[serde(serialize_with = "expose")]
    pub secret_key: SecretString,
    /// The webhook endpoint's signing secret (`whsec_…`), the HMAC key of `Stripe-Signature`;
    /// None when webhooks are not received. Secret.
    #[serde(
        default,
        serialize_with = "expose_optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_secret: Option<SecretString>,
    /// API base URL without the version, e.g. `https://api.stripe.com`; None for
    /// [`DEFAULT_BASE_URL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn expose_optional<S: Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

impl StripeCredentials {
    /// Reads `STRIPE_SECRET_KEY` (required), `STRIPE_WEBHOOK_SECRET` and `STRIPE_BASE_URL`
    /// (optional) from the process environment.
    ///
    /// Returns None when the secret key is unset or empty (an empty optional variable counts as
    /// unset). The values are not checked: call [`Self::validate`].
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading each variable through `get` (a configuration map, or the
    /// environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        Some(Self {
            secret_key: SecretString::from(read(ENV_SECRET_KEY)?),
            webhook_secret: read(ENV_WEBHOOK_SECRET).map(SecretString::from),
            base_url: read(ENV_BASE_URL),
        })
    }

    /// The API base URL: the `base_url` field when set, else [`DEFAULT_BASE_URL`].
    pub fn base_url(&self) -> &str {
        self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL)
    }

    /// Checks every field's shape, without calling Stripe.
    ///
    /// # Errors
    /// A message naming the field and what is wrong: a secret key without one of the
    /// [`SECRET_KEY_PREFIXES`] or with characters that cannot go in an HTTP header; a webhook
    /// secret without the `whsec_` prefix; a base URL that is not an absolute http(s) URL.
    /// Messages never contain a secret.
    pub fn validate(&self) -> Result<(), String> {
        check_secret_key(self.secret_key.expose_secret())?;
        if let Some(secret) = &self.webhook_secret {
            let secret = secret.expose_secret();
            let rest = secret.strip_prefix(WEBHOOK_SECRET_PREFIX).ok_or_else(|| {
                format!("webhook_secret ({ENV_WEBHOOK_SECRET}) must start with `whsec_`")
            })?;
            if !is_header_safe(rest) {
                return Err(format!(
                    "webhook_secret ({ENV_WEBHOOK_SECRET}) is empty after `whsec_` or contains \
                     white space, control or non-ASCII characters"
                ));
            }
        }
        if let Some(base_url) = &self.base_url {
            check_base_url(base_url, ENV_BASE_URL)?;
        }
        Ok(())
    }
}

/// Checks a secret key's shape: one of the [`SECRET_KEY_PREFIXES`] followed by at least one
/// visible ASCII character and nothing else.
///
/// # Errors
/// A message naming `secret_key` (never the key itself).
pub(crate) fn check_secret_key(key: &str) -> Result<(), String> {
    let Some(rest) = SECRET_KEY_PREFIXES
        .iter()
        .find_map(|prefix| key.strip_prefix(prefix))
    else {
        return Err(format!(
            "secret_key ({ENV_SECRET_KEY}) must start with {}",
            SECRET_KEY_PREFIXES.join(", ")
        ));
    };
    if !is_header_safe(rest) {
        return Err(format!(
            "secret_key ({ENV_SECRET_KEY}) is empty after its prefix or contains white space, \
             control or non-ASCII characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    const KEY: &str = "sk_test_51Onramp0123456789secret";
    const WHSEC: &str = "whsec_onramp0123456789secret";

    fn valid() -> StripeCredentials {
        StripeCredentials {
            secret_key: SecretString::from(KEY),
            webhook_secret: Some(SecretString::from(WHSEC)),
            base_url: Some("https://api.stripe.com".into()),
        }
    }

    #[test]
    fn all_three_variables_are_read() {
        let c = StripeCredentials::from_vars(env_vars(&[
            (ENV_SECRET_KEY, KEY),
            (ENV_WEBHOOK_SECRET, WHSEC),
            (ENV_BASE_URL, "http://127.0.0.1:12111"),
        ]))
        .unwrap();
        assert_eq!(c.secret_key.expose_secret(), KEY);
        assert_eq!(c.webhook_secret.unwrap().expose_secret(), WHSEC);
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:12111"));
    }

    #[test]
    fn no_secret_key_gives_none() {
        assert!(StripeCredentials::from_vars(env_vars(&[(ENV_WEBHOOK_SECRET, WHSEC)])).is_none());
        assert!(StripeCredentials::from_vars(env_vars(&[(ENV_SECRET_KEY, "  ")])).is_none());
    }

    #[test]
    fn optional_variables_may_be_absent_or_empty() {
        let c = StripeCredentials::from_vars(env_vars(&[
            (ENV_SECRET_KEY, KEY),
            (ENV_WEBHOOK_SECRET, ""),
        ]))
        .unwrap();
        assert!(c.webhook_secret.is_none());
        assert!(c.base_url.is_none());
        assert_eq!(c.base_url(), DEFAULT_BASE_URL);
    }

    #[test]
    fn valid_credentials_validate_with_every_key_prefix() {
        assert_eq!(valid().validate(), Ok(()));
        for prefix in SECRET_KEY_PREFIXES {
            let mut c = valid();
            c.secret_key = SecretString::from(format!("{prefix}abc123"));
            assert_eq!(c.validate(), Ok(()), "{prefix}");
        }
    }

    #[test]
    fn a_publishable_key_is_refused_without_showing_it() {
        let mut c = valid();
        c.secret_key = SecretString::from("pk_test_abc123");
        let message = c.validate().unwrap_err();
        assert!(message.contains("secret_key"), "{message}");
        assert!(!message.contains("pk_test_abc123"), "{message}");
    }

    #[test]
    fn a_bare_prefix_or_a_key_with_a_space_is_refused() {
        let mut c = valid();
        c.secret_key = SecretString::from("sk_test_");
        assert!(c.validate().unwrap_err().contains("secret_key"));
        c.secret_key = SecretString::from("sk_test_abc 123");
        assert!(c.validate().unwrap_err().contains("white space"));
    }

    #[test]
    fn a_webhook_secret_without_whsec_is_refused() {
        let mut c = valid();
        c.webhook_secret = Some(SecretString::from("webhook_secret"));
        let message = c.validate().unwrap_err();
        assert!(message.contains("webhook_secret"), "{message}");
        c.webhook_secret = Some(SecretString::from("whsec_"));
        assert!(c.validate().unwrap_err().contains("webhook_secret"));
    }

    #[test]
    fn a_base_url_without_http_is_refused() {
        let mut c = valid();
        c.base_url = Some("ftp://api.stripe.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
        c.base_url = Some("api.stripe.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
    }

    #[test]
    fn debug_redacts_both_secrets() {
        let text = format!("{:?}", valid());
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(WHSEC), "{text}");
        assert!(text.contains("https://api.stripe.com"), "{text}");
    }

    #[test]
    fn credentials_round_trip_through_json() {
        let json = serde_json::to_value(valid()).unwrap();
        assert_eq!(json["secret_key"], KEY);
        assert_eq!(json["webhook_secret"], WHSEC);
        let back: StripeCredentials = serde_json::from_value(json).unwrap();
        assert_eq!(back.secret_key.expose_secret(), KEY);
        assert_eq!(back.webhook_secret.as_ref().unwrap().expose_secret(), WHSEC);
        assert_eq!(back.base_url(), "https://api.stripe.com");
    }

    #[test]
    fn optional_fields_may_be_left_out_and_unknown_ones_are_refused() {
        let c: StripeCredentials =
            serde_json::from_str(&format!(r#"{{"secret_key":"{KEY}"}}"#)).unwrap();
        assert!(c.webhook_secret.is_none() && c.base_url.is_none());
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json, serde_json::json!({"secret_key": KEY}));
        let typo = serde_json::from_str::<StripeCredentials>(&format!(
            r#"{{"secret_key":"{KEY}","webhook_secrett":"{WHSEC}"}}"#
        ));
        assert!(typo.unwrap_err().to_string().contains("unknown field"));
    }
}
