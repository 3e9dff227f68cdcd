//! [`MetaGraph`]: the [`EmbeddedSignup`] port over the Graph API, as a Solution Partner
//! (PROVIDERS.md section 6, "Embedded Signup").

use async_trait::async_trait;
use onramp_domain::ports::{
    BusinessToken, ClearSecret, ClientChannel, EmbeddedSignup, OutboundMessage, ProviderError,
    ProviderId, SentMessage,
};
use onramp_provider_kit::http::HttpSettings;
use secrecy::{ExposeSecret, SecretString};

use crate::credentials::MetaCredentials;
use crate::graph::{Graph, invalid_credentials};

/// The server-side steps of Embedded Signup and sending on a client's behalf.
///
/// Requests (base URL and version from the credentials, e.g.
/// `https://graph.facebook.com/v23.0`):
/// - `exchange_code`: `GET /{version}/oauth/access_token?client_id&client_secret&code`, sent
///   once and never retried (a code is single use);
/// - `refresh_token`: `GET /{version}/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`;
/// - `subscribe_webhooks`: `POST /{version}/{waba-id}/subscribed_apps` with the business token;
/// - `share_credit_line`: `POST /{version}/{credit-line-id}/whatsapp_credit_sharing_and_attach?waba_id&waba_currency`
///   with the system user token;
/// - `register_phone`: `POST /{version}/{phone-number-id}/register` with the business token and
///   `{"messaging_product": "whatsapp", "pin"}`;
/// - `send_as_client`: `POST /{version}/{phone-number-id}/messages` with the client's token.
///
/// Errors are classified as `classify.rs` says; input that Meta could not accept is refused
/// before any request (`invalid_parameter` for an id that is not digits or a currency that is
/// not three upper-case letters, `invalid_pin` for a PIN that is not six digits,
/// `invalid_number` for a recipient that is not E.164, `code_expired` for an empty code).
pub struct MetaGraph {
    graph: Graph,
    app_id: String,
    app_secret: SecretString,
    system_user_token: SecretString,
    credit_line_id: Option<String>,
}

impl std::fmt::Debug for MetaGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaGraph")
            .field("base_url", &self.graph.settings.base_url.as_str())
            .field("version", &self.graph.version())
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// The [`HttpSettings`] of `credentials.base_url()` with the default timeouts and retries.
///
/// # Errors
/// [`ProviderError::Unauthorized`] when the base URL does not parse.
pub(crate) fn default_settings(
    credentials: &MetaCredentials,
) -> Result<HttpSettings, ProviderError> {
    HttpSettings::parse(credentials.base_url())
        .map_err(|e| invalid_credentials(format!("base_url does not parse ({e})")))
}

impl MetaGraph {
    /// Embedded Signup with `credentials`, talking to `settings.base_url` (the credentials' own
    /// `base_url` is not consulted: `settings` decides; tests point it at a mock) in the
    /// credentials' Graph version.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] with [`MetaCredentials::validate`]'s message when the
    /// credentials are malformed; [`ProviderError::Unexpected`] when the HTTP client cannot be
    /// built.
    pub fn new(
        credentials: &MetaCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Ok(Self {
            graph: Graph::new(settings, credentials.graph_version())?,
            app_id: credentials.app_id.clone(),
            app_secret: credentials.app_secret.clone(),
            system_user_token: credentials.system_user_token.clone(),
            credit_line_id: credentials.credit_line_id.clone(),
        })
    }

    /// Embedded Signup with the default timeouts and retries, talking to
    /// [`MetaCredentials::base_url`].
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn from_credentials(credentials: &MetaCredentials) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Self::new(credentials, default_settings(credentials)?)
    }
}

#[async_trait]
impl EmbeddedSignup for MetaGraph {
    fn provider(&self) -> ProviderId {
        ProviderId::Meta
    }

    /// # Errors
    /// `Rejected { code: "code_expired" }` for a code Meta will not exchange (used, expired,
    /// invalid, or empty); a timeout or 5xx is `Unavailable` and is not retried.
    #[tracing::instrument(skip_all, fields(provider = "meta"))]
    async fn exchange_code(&self, code: &ClearSecret) -> Result<BusinessToken, ProviderError> {
        self.graph
            .exchange_code(&self.app_id, self.app_secret.expose_secret(), code.expose())
            .await
    }

    #[tracing::instrument(skip_all, fields(provider = "meta", waba_id = %waba_id))]
    async fn subscribe_webhooks(
        &self,
        waba_id: &str,
        token: &ClearSecret,
    ) -> Result<(), ProviderError> {
        self.graph.subscribe(waba_id, token.expose()).await
    }

    /// # Errors
    /// `Unauthorized` when the credentials have no `credit_line_id`; otherwise as the port says.
    #[tracing::instrument(skip_all, fields(provider = "meta", waba_id = %waba_id, currency = %currency))]
    async fn share_credit_line(
        &self,
        waba_id: &str,
        currency: &str,
    ) -> Result<String, ProviderError> {
        let credit_line_id = self.credit_line_id.as_deref().ok_or_else(|| {
            invalid_credentials("credit_line_id (META_CREDIT_LINE_ID) is not set")
        })?;
        self.graph
            .share_credit(
                credit_line_id,
                waba_id,
                currency,
                self.system_user_token.expose_secret(),
            )
            .await
    }

    #[tracing::instrument(skip_all, fields(provider = "meta", phone_number_id = %phone_number_id))]
    async fn register_phone(
        &self,
        phone_number_id: &str,
        token: &ClearSecret,
        pin: &ClearSecret,
    ) -> Result<(), ProviderError> {
        self.graph
            .register(phone_number_id, token.expose(), pin.expose())
            .await
    }

    #[tracing::instrument(skip_all, fields(provider = "meta"))]
    async fn refresh_token(&self, token: &ClearSecret) -> Result<BusinessToken, ProviderError> {
        self.graph
            .refresh_token(
                &self.app_id,
                self.app_secret.expose_secret(),
                token.expose(),
            )
            .await
    }

    #[tracing::instrument(skip_all, fields(provider = "meta", phone_number_id = %channel.phone_number_id, key = %message.key))]
    async fn send_as_client(
        &self,
        channel: &ClientChannel,
        message: &OutboundMessage,
    ) -> Result<SentMessage, ProviderError> {
        self.graph
            .send_text(&channel.phone_number_id, channel.token.expose(), message)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> MetaCredentials {
        MetaCredentials {
            app_id: "1234567890123456".into(),
            app_secret: SecretString::from("s3cr3t-app-secret"),
            system_user_token: SecretString::from("EAAsystemtoken"),
            credit_line_id: None,
            graph_version: None,
            base_url: None,
            verify_token: None,
            phone_number_id: None,
            credit_currency: None,
        }
    }

    #[test]
    fn from_credentials_defaults_to_graph_facebook_com_and_hides_secrets() {
        let graph = MetaGraph::from_credentials(&credentials()).unwrap();
        let text = format!("{graph:?}");
        assert!(
            text.contains("https://graph.facebook.com/") && text.contains("v23.0"),
            "{text}"
        );
        assert!(!text.contains("s3cr3t-app-secret") && !text.contains("EAAsystemtoken"));
    }

    #[test]
    fn malformed_credentials_are_refused_with_the_reason() {
        let mut c = credentials();
        c.graph_version = Some("23".into());
        let e = MetaGraph::from_credentials(&c).unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("graph_version")),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn sharing_credit_without_a_credit_line_is_unauthorized_without_a_request() {
        let graph = MetaGraph::from_credentials(&credentials()).unwrap();
        let e = graph
            .share_credit_line("102290129340398", "USD")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("credit_line_id")),
            "{e:?}"
        );
    }
}
