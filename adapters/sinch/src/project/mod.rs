//! The HTTP side of Sinch's project-scoped APIs, the Provisioning API and the Conversation API:
//! every path starts with `/v1/projects/{projectId}`, and every request carries
//! `Authorization: Basic base64(<access key id>:<access key secret>)`.
//!
//! Basic auth with the project access key is accepted by both APIs (PROVIDERS.md section 5:
//! "Provisioning API ... auth Basic (access key:secret) or Bearer/OAuth2"; Conversation API
//! reference, "Authentication": "To use Basic authentication, use your client_id as the basic
//! auth username and your secret as the password"), so no OAuth2 token cache is needed.

pub mod classify;

use http::Method;
use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::{self as kit, CallSafety, Exchange, HttpSettings};
use secrecy::{ExposeSecret, SecretString};

use crate::credentials::{
    ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_PROJECT_ID, SinchCredentials,
};
use crate::path::segment;

/// The `Content-Type` of the JSON bodies sent to the project APIs.
pub const JSON: &str = "application/json";

/// A client of one project's APIs at one base URL: HTTP client, settings, project id and
/// access key. `Debug` shows the base URL, the project and the key id, never the secret.
pub(crate) struct ProjectApi {
    settings: HttpSettings,
    client: reqwest::Client,
    project_id: String,
    key_id: String,
    key_secret: SecretString,
}

impl std::fmt::Debug for ProjectApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectApi")
            .field("base_url", &self.settings.base_url.as_str())
            .field("project_id", &self.project_id)
            .field("key_id", &self.key_id)
            .field("key_secret", &"[redacted]")
            .finish()
    }
}

/// [`ProviderError::Unauthorized`] with `reason`: credentials the tenant must fix.
pub(crate) fn misconfigured(reason: impl Into<String>) -> ProviderError {
    ProviderError::Unauthorized {
        reason: reason.into(),
    }
}

/// The value of an optional credential field that this API needs.
///
/// # Errors
/// [`ProviderError::Unauthorized`] naming the field and its variable when it is not set.
pub(crate) fn required<'a>(
    value: Option<&'a str>,
    field: &str,
    env: &str,
) -> Result<&'a str, ProviderError> {
    value.ok_or_else(|| {
        misconfigured(format!(
            "{field} ({env}) is not set: WhatsApp through Sinch needs it"
        ))
    })
}

/// HTTP settings for `base_url`, read from the configuration field `field`.
///
/// # Errors
/// [`ProviderError::Unauthorized`] when it does not parse (a configuration the tenant must
/// fix).
pub(crate) fn settings(base_url: &str, field: &str) -> Result<HttpSettings, ProviderError> {
    HttpSettings::parse(base_url)
        .map_err(|e| misconfigured(format!("{field} {base_url:?} does not parse: {e}")))
}

impl ProjectApi {
    /// A client for `credentials`' project and access key, sending to `settings.base_url`.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the credentials do not validate or lack the project
    /// id or the access key; [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub(crate) fn new(
        credentials: &SinchCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials.validate().map_err(misconfigured)?;
        let project_id = required(
            credentials.project_id.as_deref(),
            "project_id",
            ENV_PROJECT_ID,
        )?;
        let key_id = required(
            credentials.access_key_id.as_deref(),
            "access_key_id",
            ENV_ACCESS_KEY_ID,
        )?;
        let key_secret = credentials.access_key_secret.clone().ok_or_else(|| {
            misconfigured(format!(
                "access_key_secret ({ENV_ACCESS_KEY_SECRET}) is not set: WhatsApp through Sinch needs it"
            ))
        })?;
        Ok(Self {
            client: kit::client(&settings)?,
            settings: settings.for_provider("sinch"),
            project_id: project_id.to_string(),
            key_id: key_id.to_string(),
            key_secret,
        })
    }

    /// `/v1/projects/{projectId}` followed by `rest` (which starts with `/` or `:`), the project
    /// id percent-encoded as one segment.
    pub(crate) fn project_path(&self, rest: &str) -> String {
        format!("/v1/projects/{}{rest}", segment(&self.project_id))
    }

    /// Sends `method` to `path` (below the base URL) with `body` as JSON (or no body), through
    /// [`kit::execute`] with `safety`, and hands the answers the kit does not classify itself
    /// to `classify`.
    ///
    /// # Errors
    /// [`ProviderError::Unexpected`] when `body` does not serialize; otherwise what
    /// [`kit::execute`] or `classify` answer.
    pub(crate) async fn call<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl serde::Serialize + Sync)>,
        safety: CallSafety,
        classify: impl Fn(&Exchange) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ProviderError::Unexpected(Box::new(e)))?;
        let url = self.settings.url(path);
        let build = || {
            let request = self
                .client
                .request(method.clone(), &url)
                .basic_auth(&self.key_id, Some(self.key_secret.expose_secret()));
            match &body {
                Some(body) => request
                    .header(http::header::CONTENT_TYPE, JSON)
                    .body(body.clone()),
                None => request,
            }
        };
        kit::execute(&self.settings, safety, build, classify).await
    }
}
