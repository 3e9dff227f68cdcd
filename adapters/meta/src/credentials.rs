//! [`MetaCredentials`]: what a Solution Partner (a tenant, or the server from the environment)
//! configures to run Meta's Embedded Signup, share its credit line, send WhatsApp messages from
//! its own number and receive Meta's webhooks (PROVIDERS.md section 6).

use onramp_provider_kit::credentials::{check_base_url, check_header_safe};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// Environment variable of the Meta app's id (the `client_id` of the code exchange).
pub const ENV_APP_ID: &str = "META_APP_ID";
/// Environment variable of the Meta app's secret (the `client_secret` of the code exchange and
/// the HMAC key of `X-Hub-Signature-256`).
pub const ENV_APP_SECRET: &str = "META_APP_SECRET";
/// Environment variable of the partner's system user token.
pub const ENV_SYSTEM_USER_TOKEN: &str = "META_SYSTEM_USER_TOKEN";
/// Environment variable of the partner's extended credit line id.
pub const ENV_CREDIT_LINE_ID: &str = "META_CREDIT_LINE_ID";
/// Environment variable of the Graph API version (`v23.0`).
pub const ENV_GRAPH_VERSION: &str = "META_GRAPH_VERSION";
/// Environment variable of the Graph API base URL.
pub const ENV_BASE_URL: &str = "META_BASE_URL";
/// Environment variable of the webhook verify token (the `hub.verify_token` of the handshake).
pub const ENV_VERIFY_TOKEN: &str = "META_VERIFY_TOKEN";
/// Environment variable of the partner's own sending phone number id.
pub const ENV_PHONE_NUMBER_ID: &str = "META_PHONE_NUMBER_ID";
/// Environment variable of the currency the credit line is shared in.
pub const ENV_CREDIT_CURRENCY: &str = "META_CREDIT_CURRENCY";

/// The Graph API host (PROVIDERS.md section 6, "Graph basics"; the OpenAPI description's
/// `servers[0].url`). The version is a path segment, not part of the base URL.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The Graph API version used when none is configured (the version of
/// `../shared/provider-specs/meta.json`, facebook/openapi business-messaging-api_v23.0.yaml).
pub const DEFAULT_GRAPH_VERSION: &str = "v23.0";
/// The currency a credit line is shared in when none is configured (`waba_currency`; Meta
/// takes USD, EUR, INR, IDR, GBP and AUD: doc
/// <https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/share-and-revoke-credit-lines/>).
pub const DEFAULT_CREDIT_CURRENCY: &str = "USD";

/// Credentials of one Meta app acting as a WhatsApp Solution Partner.
///
/// Serialized as `{"app_id", "app_secret", "system_user_token", "credit_line_id"?,
/// "graph_version"?, "base_url"?, "verify_token"?, "phone_number_id"?, "credit_currency"?}`
/// with the secrets in clear (they are meant to be stored encrypted, never logged); unknown
/// fields are refused; `Debug` redacts the app secret, the system user token and the verify
/// token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaCredentials {
    /// The Meta app's id (digits), sent as `client_id` when exchanging codes and tokens.
    pub app_id: String,
    /// The Meta app's secret, sent as `client_secret` and used as the HMAC-SHA256 key of
    /// `X-Hub-Signature-256`. Secret.
    #[serde(serialize_with = "expose")]
    pub app_secret: SecretString,
    /// The partner's system user token (`Authorization: Bearer`): shares the credit line
    /// (it needs `business_management`) and sends from the partner's own number. Secret.
    #[serde(serialize_with = "expose")]
    pub system_user_token: SecretString,
    /// The partner's extended credit line id (digits, from `GET /{business-id}/extendedcredits`);
    /// None when credit lines are not shared (step 3 of the onboarding then fails with
    /// `Unauthorized`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_line_id: Option<String>,
    /// The Graph API version, `v<major>.<minor>`; None for [`DEFAULT_GRAPH_VERSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_version: Option<String>,
    /// The Graph API base URL without the version; None for [`DEFAULT_BASE_URL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The token Meta echoes in the webhook handshake's `hub.verify_token`; None when webhooks
    /// are not received. Secret.
    #[serde(
        default,
        serialize_with = "expose_optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub verify_token: Option<SecretString>,
    /// The partner's own WhatsApp phone number id (digits), the sender of
    /// [`MetaMessaging`](crate::MetaMessaging); None when the partner does not send itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// The ISO 4217 code credit lines are shared in (`waba_currency`); None for
    /// [`DEFAULT_CREDIT_CURRENCY`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_currency: Option<String>,
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

impl MetaCredentials {
    /// Reads `META_APP_ID`, `META_APP_SECRET`, `META_SYSTEM_USER_TOKEN` (required),
    /// `META_CREDIT_LINE_ID`, `META_GRAPH_VERSION`, `META_BASE_URL`, `META_VERIFY_TOKEN`,
    /// `META_PHONE_NUMBER_ID` and `META_CREDIT_CURRENCY` (optional) from the process
    /// environment.
    ///
    /// Returns None when a required variable is unset or empty (an empty optional variable
    /// counts as unset). The values are not checked: call [`Self::validate`].
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading each variable through `get` (a configuration map, or the
    /// environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        Some(Self {
            app_id: read(ENV_APP_ID)?,
            app_secret: SecretString::from(read(ENV_APP_SECRET)?),
            system_user_token: SecretString::from(read(ENV_SYSTEM_USER_TOKEN)?),
            credit_line_id: read(ENV_CREDIT_LINE_ID),
            graph_version: read(ENV_GRAPH_VERSION),
            base_url: read(ENV_BASE_URL),
            verify_token: read(ENV_VERIFY_TOKEN).map(SecretString::from),
            phone_number_id: read(ENV_PHONE_NUMBER_ID),
            credit_currency: read(ENV_CREDIT_CURRENCY),
        })
    }

    /// The Graph API base URL: `base_url`, or [`DEFAULT_BASE_URL`].
    pub fn base_url(&self) -> &str {
        self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL)
    }

    /// The Graph API version: `graph_version`, or [`DEFAULT_GRAPH_VERSION`].
    pub fn graph_version(&self) -> &str {
        self.graph_version
            .as_deref()
            .unwrap_or(DEFAULT_GRAPH_VERSION)
    }

    /// The currency credit lines are shared in: `credit_currency`, or
    /// [`DEFAULT_CREDIT_CURRENCY`].
    pub fn credit_currency(&self) -> &str {
        self.credit_currency
            .as_deref()
            .unwrap_or(DEFAULT_CREDIT_CURRENCY)
    }

    /// Checks every field's shape, without calling Meta.
    ///
    /// # Errors
    /// A message naming the field and its variable, never a secret's value: an app id, credit
    /// line id or phone number id that is not digits (Graph ids are, and the OpenAPI
    /// description's path parameters say `^[0-9]+$`); an app secret, system user token or
    /// verify token that is empty or has white space, control or non-ASCII characters (they
    /// travel in a header or a query string); a graph version that does not match
    /// `^v[0-9]+\.[0-9]+$`; a base URL that is not an absolute http(s) URL with a host; a
    /// credit currency that is not three upper-case letters.
    pub fn validate(&self) -> Result<(), String> {
        check_digits(&self.app_id, "app_id", ENV_APP_ID)?;
        check_header_safe(
            self.app_secret.expose_secret(),
            "app_secret",
            ENV_APP_SECRET,
        )?;
        check_header_safe(
            self.system_user_token.expose_secret(),
            "system_user_token",
            ENV_SYSTEM_USER_TOKEN,
        )?;
        if let Some(id) = &self.credit_line_id {
            check_digits(id, "credit_line_id", ENV_CREDIT_LINE_ID)?;
        }
        if let Some(version) = &self.graph_version
            && !is_graph_version(version)
        {
            return Err(format!(
                "graph_version ({ENV_GRAPH_VERSION}) must look like v23.0: {version:?}"
            ));
        }
        if let Some(base_url) = &self.base_url {
            check_base_url(base_url, ENV_BASE_URL)?;
        }
        if let Some(token) = &self.verify_token {
            check_header_safe(token.expose_secret(), "verify_token", ENV_VERIFY_TOKEN)?;
        }
        if let Some(id) = &self.phone_number_id {
            check_digits(id, "phone_number_id", ENV_PHONE_NUMBER_ID)?;
        }
        if let Some(currency) = &self.credit_currency
            && !is_currency(currency)
        {
            return Err(format!(
                "credit_currency ({ENV_CREDIT_CURRENCY}) must be an ISO 4217 code such as USD: \
                 {currency:?}"
            ));
        }
        Ok(())
    }
}

/// A Graph object id: one or more ASCII digits (the description's `^[0-9]+$`).
pub(crate) fn is_graph_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// `^v[0-9]+\.[0-9]+$` (PROVIDERS.md section 6; the description's `Version` parameter).
pub(crate) fn is_graph_version(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return false;
    };
    is_graph_id(major) && is_graph_id(minor)
}

/// Three upper-case ASCII letters.
pub(crate) fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_digits(value: &str, field: &str, env: &str) -> Result<(), String> {
    if is_graph_id(value) {
        Ok(())
    } else {
        Err(format!("{field} ({env}) must be digits: {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    const SECRET: &str = "6c3b1d8e2f4a59c0b7e1d2f3a4b5c6d7";
    const TOKEN: &str = "EAAJiSystemUserToken0123456789";
    const VERIFY: &str = "onramp-verify-7f3a";

    fn valid() -> MetaCredentials {
        MetaCredentials {
            app_id: "1234567890123456".into(),
            app_secret: SecretString::from(SECRET),
            system_user_token: SecretString::from(TOKEN),
            credit_line_id: Some("1972385232742146".into()),
            graph_version: Some("v23.0".into()),
            base_url: Some(DEFAULT_BASE_URL.into()),
            verify_token: Some(SecretString::from(VERIFY)),
            phone_number_id: Some("106540352242922".into()),
            credit_currency: Some("EUR".into()),
        }
    }

    #[test]
    fn every_variable_is_read() {
        let c = MetaCredentials::from_vars(env_vars(&[
            (ENV_APP_ID, "1234567890123456"),
            (ENV_APP_SECRET, SECRET),
            (ENV_SYSTEM_USER_TOKEN, TOKEN),
            (ENV_CREDIT_LINE_ID, "1972385232742146"),
            (ENV_GRAPH_VERSION, "v24.0"),
            (ENV_BASE_URL, "http://127.0.0.1:9"),
            (ENV_VERIFY_TOKEN, VERIFY),
            (ENV_PHONE_NUMBER_ID, "106540352242922"),
            (ENV_CREDIT_CURRENCY, "GBP"),
        ]))
        .unwrap();
        assert_eq!(c.app_id, "1234567890123456");
        assert_eq!(c.app_secret.expose_secret(), SECRET);
        assert_eq!(c.system_user_token.expose_secret(), TOKEN);
        assert_eq!(c.credit_line_id.as_deref(), Some("1972385232742146"));
        assert_eq!(c.graph_version(), "v24.0");
        assert_eq!(c.base_url(), "http://127.0.0.1:9");
        assert_eq!(c.verify_token.as_ref().unwrap().expose_secret(), VERIFY);
        assert_eq!(c.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(c.credit_currency(), "GBP");
    }

    #[test]
    fn a_missing_or_empty_required_variable_gives_none() {
        let without_token = env_vars(&[(ENV_APP_ID, "1"), (ENV_APP_SECRET, "s")]);
        assert!(MetaCredentials::from_vars(without_token).is_none());
        let blank_id = env_vars(&[
            (ENV_APP_ID, " "),
            (ENV_APP_SECRET, "s"),
            (ENV_SYSTEM_USER_TOKEN, "t"),
        ]);
        assert!(MetaCredentials::from_vars(blank_id).is_none());
    }

    #[test]
    fn optional_values_default_to_graph_v23_usd_and_nothing_else() {
        let c = MetaCredentials::from_vars(env_vars(&[
            (ENV_APP_ID, "1"),
            (ENV_APP_SECRET, "s"),
            (ENV_SYSTEM_USER_TOKEN, "t"),
            (ENV_BASE_URL, ""),
        ]))
        .unwrap();
        assert_eq!(c.base_url(), "https://graph.facebook.com");
        assert_eq!(c.graph_version(), "v23.0");
        assert_eq!(c.credit_currency(), "USD");
        assert!(c.credit_line_id.is_none() && c.verify_token.is_none());
        assert!(c.phone_number_id.is_none());
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn valid_credentials_validate() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn ids_that_are_not_digits_are_refused_with_their_field() {
        let mut c = valid();
        c.app_id = "12ab".into();
        assert!(c.validate().unwrap_err().contains("app_id (META_APP_ID)"));
        let mut c = valid();
        c.credit_line_id = Some("../me".into());
        assert!(c.validate().unwrap_err().contains("credit_line_id"));
        let mut c = valid();
        c.phone_number_id = Some(String::new());
        assert!(c.validate().unwrap_err().contains("phone_number_id"));
    }

    #[test]
    fn graph_versions_must_be_v_major_dot_minor() {
        for good in ["v23.0", "v9.12", "v100.1"] {
            assert!(is_graph_version(good), "{good}");
        }
        for bad in [
            "23.0", "v23", "v23.", "V23.0", "v23.0.1", "v2a.0", "v.0", "",
        ] {
            assert!(!is_graph_version(bad), "{bad}");
            let mut c = valid();
            c.graph_version = Some(bad.into());
            assert!(c.validate().unwrap_err().contains("graph_version"), "{bad}");
        }
    }

    #[test]
    fn secrets_with_spaces_are_refused_without_showing_them() {
        let mut c = valid();
        c.app_secret = SecretString::from("two words");
        let message = c.validate().unwrap_err();
        assert!(message.contains("app_secret") && !message.contains("two words"));
        let mut c = valid();
        c.system_user_token = SecretString::from("");
        assert!(c.validate().unwrap_err().contains("system_user_token"));
        let mut c = valid();
        c.verify_token = Some(SecretString::from("tab\there"));
        assert!(c.validate().unwrap_err().contains("verify_token"));
    }

    #[test]
    fn a_bad_base_url_or_currency_is_refused() {
        let mut c = valid();
        c.base_url = Some("graph.facebook.com".into());
        assert!(
            c.validate()
                .unwrap_err()
                .contains("base_url (META_BASE_URL)")
        );
        let mut c = valid();
        c.credit_currency = Some("usd".into());
        assert!(c.validate().unwrap_err().contains("credit_currency"));
    }

    #[test]
    fn debug_redacts_every_secret() {
        let text = format!("{:?}", valid());
        for secret in [SECRET, TOKEN, VERIFY] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("1972385232742146"), "{text}");
    }

    #[test]
    fn credentials_round_trip_through_json_and_refuse_unknown_fields() {
        let json = serde_json::to_value(valid()).unwrap();
        assert_eq!(json["app_secret"], SECRET);
        assert_eq!(json["verify_token"], VERIFY);
        let back: MetaCredentials = serde_json::from_value(json).unwrap();
        assert_eq!(back.system_user_token.expose_secret(), TOKEN);
        let minimal: MetaCredentials =
            serde_json::from_str(r#"{"app_id":"1","app_secret":"s","system_user_token":"t"}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_value(&minimal).unwrap(),
            serde_json::json!({"app_id": "1", "app_secret": "s", "system_user_token": "t"})
        );
        let typo = serde_json::from_str::<MetaCredentials>(
            r#"{"app_id":"1","app_secret":"s","system_user_token":"t","phone_id":"2"}"#,
        );
        assert!(typo.unwrap_err().to_string().contains("unknown field"));
    }
}
