//! Sinch credentials: the application key and secret of a Sinch Verification app (Sinch
//! dashboard, "Apps"), the optional webhook secret and API base URL, and, for WhatsApp, the
//! project's access key (Sinch dashboard, "Settings > Access keys") with the Conversation API
//! app that carries the WhatsApp channel.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use onramp_provider_kit::credentials::{
    BaseUrlError, check_base_url, check_header_safe, parse_http_url,
};
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
/// Environment variable of [`SinchCredentials::project_id`] (optional).
pub const ENV_PROJECT_ID: &str = "SINCH_PROJECT_ID";
/// Environment variable of [`SinchCredentials::access_key_id`] (optional).
pub const ENV_ACCESS_KEY_ID: &str = "SINCH_ACCESS_KEY_ID";
/// Environment variable of [`SinchCredentials::access_key_secret`] (optional).
pub const ENV_ACCESS_KEY_SECRET: &str = "SINCH_ACCESS_KEY_SECRET";
/// Environment variable of [`SinchCredentials::conversation_app_id`] (optional).
pub const ENV_CONVERSATION_APP_ID: &str = "SINCH_CONVERSATION_APP_ID";
/// Environment variable of [`SinchCredentials::conversation_region`] (optional).
pub const ENV_CONVERSATION_REGION: &str = "SINCH_CONVERSATION_REGION";
/// Environment variable of [`SinchCredentials::provisioning_base_url`] (optional).
pub const ENV_PROVISIONING_BASE_URL: &str = "SINCH_PROVISIONING_BASE_URL";
/// Environment variable of [`SinchCredentials::conversation_base_url`] (optional).
pub const ENV_CONVERSATION_BASE_URL: &str = "SINCH_CONVERSATION_BASE_URL";

/// The Conversation API region used when none is configured (sinch-sdk-java's default
/// `conversation-region`; PROVIDERS.md section 5).
pub const DEFAULT_CONVERSATION_REGION: &str = "us";

/// The credentials of one Sinch account: a Verification application, and optionally the
/// project access of the Provisioning and Conversation APIs (WhatsApp).
///
/// Serialized as `{"application_key", "application_secret", "webhook_secret"?, "base_url"?,
/// "project_id"?, "access_key_id"?, "access_key_secret"?, "conversation_app_id"?,
/// "conversation_region"?, "provisioning_base_url"?, "conversation_base_url"?}` with the secrets
/// in clear (the form stored encrypted by the secrets adapter); every WhatsApp field is
/// optional, so credentials stored before they existed still parse. `Debug` redacts the
/// secrets.
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
    /// The Sinch project id (a UUID), the `{projectId}` of every Provisioning and Conversation
    /// API path; needed for WhatsApp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The project access key's id (the `client_id`), the Basic auth user name of the
    /// Provisioning and Conversation APIs; needed for WhatsApp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The project access key's secret (the `client_secret`), the Basic auth password; needed
    /// for WhatsApp.
    #[serde(
        default,
        serialize_with = "expose_optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub access_key_secret: Option<SecretString>,
    /// The Conversation API app whose WhatsApp channel sends and receives messages; needed by
    /// [`crate::SinchConversation`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_app_id: Option<String>,
    /// The Conversation API region of that app (`us`, `eu`, `br`); None means
    /// [`DEFAULT_CONVERSATION_REGION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_region: Option<String>,
    /// Provisioning API base URL; None means [`crate::DEFAULT_PROVISIONING_BASE_URL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_base_url: Option<String>,
    /// Conversation API base URL; None means `https://{region}.conversation.api.sinch.com`
    /// ([`Self::conversation_base_url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_base_url: Option<String>,
}

impl SinchCredentials {
    /// Verification credentials of the application `application_key` with its base64
    /// `application_secret`, every optional field unset (fill them with struct update syntax).
    pub fn new(application_key: impl Into<String>, application_secret: SecretString) -> Self {
        Self {
            application_key: application_key.into(),
            application_secret,
            webhook_secret: None,
            base_url: None,
            project_id: None,
            access_key_id: None,
            access_key_secret: None,
            conversation_app_id: None,
            conversation_region: None,
            provisioning_base_url: None,
            conversation_base_url: None,
        }
    }

    /// Reads `SINCH_APPLICATION_KEY`, `SINCH_APPLICATION_SECRET` (both required),
    /// `SINCH_WEBHOOK_SECRET`, `SINCH_VERIFICATION_BASE_URL`, `SINCH_PROJECT_ID`,
    /// `SINCH_ACCESS_KEY_ID`, `SINCH_ACCESS_KEY_SECRET`, `SINCH_CONVERSATION_APP_ID`,
    /// `SINCH_CONVERSATION_REGION`, `SINCH_PROVISIONING_BASE_URL` and
    /// `SINCH_CONVERSATION_BASE_URL` (optional). An empty variable counts as absent.
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
            project_id: read(ENV_PROJECT_ID),
            access_key_id: read(ENV_ACCESS_KEY_ID),
            access_key_secret: read(ENV_ACCESS_KEY_SECRET).map(SecretString::from),
            conversation_app_id: read(ENV_CONVERSATION_APP_ID),
            conversation_region: read(ENV_CONVERSATION_REGION),
            provisioning_base_url: read(ENV_PROVISIONING_BASE_URL),
            conversation_base_url: read(ENV_CONVERSATION_BASE_URL),
        })
    }

    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the field and what is wrong: an empty application key, or one with
    /// white space, `:` (it could not be told apart from the signature in the `Authorization`
    /// header) or anything but visible ASCII; an application secret that is empty or not standard base64; an
    /// empty webhook secret; a base URL that is not an absolute `http`/`https` URL; and the
    /// WhatsApp fields as [`Self::validate_project_access`] checks them.
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
        self.validate_project_access()
    }

    /// Checks the WhatsApp fields that are set, with the provider kit's checks (messages
    /// `<field> (<ENV_VARIABLE>) <what is wrong>`): project id, access key id and secret,
    /// Conversation app id and region must be non-empty visible ASCII (they travel in a path or
    /// in the Basic auth header), the region moreover lower-case letters and digits only (it is
    /// a host name label); the access key id and secret come together; the base URL overrides
    /// are absolute `http`/`https` URLs with a host.
    ///
    /// # Errors
    /// The message of the first field that is wrong.
    pub fn validate_project_access(&self) -> Result<(), String> {
        let optional = [
            (&self.project_id, "project_id", ENV_PROJECT_ID),
            (&self.access_key_id, "access_key_id", ENV_ACCESS_KEY_ID),
            (
                &self.conversation_app_id,
                "conversation_app_id",
                ENV_CONVERSATION_APP_ID,
            ),
            (
                &self.conversation_region,
                "conversation_region",
                ENV_CONVERSATION_REGION,
            ),
        ];
        for (value, field, env) in optional {
            if let Some(value) = value {
                check_header_safe(value, field, env)?;
            }
        }
        if let Some(secret) = &self.access_key_secret {
            check_header_safe(
                secret.expose_secret(),
                "access_key_secret",
                ENV_ACCESS_KEY_SECRET,
            )?;
        }
        match (&self.access_key_id, &self.access_key_secret) {
            (Some(_), None) => {
                return Err(format!(
                    "access_key_secret ({ENV_ACCESS_KEY_SECRET}) is required with access_key_id"
                ));
            }
            (None, Some(_)) => {
                return Err(format!(
                    "access_key_id ({ENV_ACCESS_KEY_ID}) is required with access_key_secret"
                ));
            }
            _ => {}
        }
        if let Some(region) = &self.conversation_region
            && !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(format!(
                "conversation_region ({ENV_CONVERSATION_REGION}) must be lower-case letters and \
                 digits, such as `us` or `eu`: {region:?}"
            ));
        }
        for (url, env) in [
            (&self.provisioning_base_url, ENV_PROVISIONING_BASE_URL),
            (&self.conversation_base_url, ENV_CONVERSATION_BASE_URL),
        ] {
            if let Some(url) = url {
                check_base_url(url, env)?;
            }
        }
        Ok(())
    }

    /// The Conversation API region: [`Self::conversation_region`], or
    /// [`DEFAULT_CONVERSATION_REGION`].
    pub fn conversation_region(&self) -> &str {
        self.conversation_region
            .as_deref()
            .unwrap_or(DEFAULT_CONVERSATION_REGION)
    }

    /// The Conversation API base URL: [`Self::conversation_base_url`], or
    /// `https://{region}.conversation.api.sinch.com` (PROVIDERS.md section 5).
    pub fn conversation_base_url(&self) -> String {
        self.conversation_base_url.clone().unwrap_or_else(|| {
            format!(
                "https://{}.conversation.api.sinch.com",
                self.conversation_region()
            )
        })
    }

    /// The Provisioning API base URL: [`Self::provisioning_base_url`], or
    /// [`crate::DEFAULT_PROVISIONING_BASE_URL`].
    pub fn provisioning_base_url(&self) -> &str {
        self.provisioning_base_url
            .as_deref()
            .unwrap_or(crate::DEFAULT_PROVISIONING_BASE_URL)
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
            .field("project_id", &self.project_id)
            .field("access_key_id", &self.access_key_id)
            .field(
                "access_key_secret",
                &self.access_key_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("conversation_app_id", &self.conversation_app_id)
            .field("conversation_region", &self.conversation_region)
            .field("provisioning_base_url", &self.provisioning_base_url)
            .field("conversation_base_url", &self.conversation_base_url)
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
mod tests;
