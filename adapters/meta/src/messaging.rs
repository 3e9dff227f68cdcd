//! [`MetaMessaging`]: the [`WhatsAppMessaging`] port over the WhatsApp Cloud API, sending from
//! the partner's own phone number with its system user token (PROVIDERS.md section 6,
//! "Sending").

use async_trait::async_trait;
use onramp_domain::ports::{
    OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};
use onramp_provider_kit::http::HttpSettings;
use secrecy::{ExposeSecret, SecretString};

use crate::credentials::MetaCredentials;
use crate::graph::{Graph, invalid_credentials};
use crate::signup::default_settings;

/// Sends WhatsApp text messages from the credentials' `phone_number_id`.
///
/// Requests (`Authorization: Bearer <system user token>`):
/// - `send_text`: `POST /{version}/{phone-number-id}/messages` with `{"messaging_product":
///   "whatsapp", "recipient_type": "individual", "to": "<digits>", "type": "text", "text":
///   {"body"}}`; the provider ref is `messages[0].id` (`wamid.…`). Not retried after an
///   unknown outcome: Meta has no idempotency key for messages, so a repeat could reach the
///   user twice;
/// - `health_check`: `GET /{version}/{phone-number-id}?fields=id`.
pub struct MetaMessaging {
    graph: Graph,
    phone_number_id: String,
    token: SecretString,
}

impl std::fmt::Debug for MetaMessaging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaMessaging")
            .field("base_url", &self.graph.settings.base_url.as_str())
            .field("version", &self.graph.version())
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

impl MetaMessaging {
    /// Messaging with `credentials` against `settings.base_url` (tests point it at a mock).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] with [`MetaCredentials::validate`]'s message when the
    /// credentials are malformed, or when they have no `phone_number_id`;
    /// [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &MetaCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        let phone_number_id = credentials.phone_number_id.clone().ok_or_else(|| {
            invalid_credentials("phone_number_id (META_PHONE_NUMBER_ID) is not set")
        })?;
        Ok(Self {
            graph: Graph::new(settings, credentials.graph_version())?,
            phone_number_id,
            token: credentials.system_user_token.clone(),
        })
    }

    /// Messaging with the default timeouts and retries, talking to
    /// [`MetaCredentials::base_url`].
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn from_credentials(credentials: &MetaCredentials) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Self::new(credentials, default_settings(credentials)?)
    }

    /// The phone number id messages are sent from.
    pub fn phone_number_id(&self) -> &str {
        &self.phone_number_id
    }
}

#[async_trait]
impl WhatsAppMessaging for MetaMessaging {
    fn provider(&self) -> ProviderId {
        ProviderId::Meta
    }

    /// # Errors
    /// `Rejected` with `invalid_number` (not E.164, no request), `invalid_parameter` (an empty
    /// text or one over 4096 characters, no request), `outside_window` (Graph 131047),
    /// `undeliverable` (131026), or as `classify.rs` says.
    #[tracing::instrument(skip_all, fields(provider = "meta", key = %message.key))]
    async fn send_text(&self, message: &OutboundMessage) -> Result<SentMessage, ProviderError> {
        self.graph
            .send_text(&self.phone_number_id, self.token.expose_secret(), message)
            .await
    }

    /// Reads the phone number's id back: proves the token and the number work.
    #[tracing::instrument(skip_all, fields(provider = "meta"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        self.graph
            .health(&self.phone_number_id, self.token.expose_secret())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_without_a_phone_number_id_cannot_send() {
        let credentials = MetaCredentials {
            app_id: "1".into(),
            app_secret: SecretString::from("s"),
            system_user_token: SecretString::from("EAAtoken-value"),
            credit_line_id: None,
            graph_version: None,
            base_url: None,
            verify_token: None,
            phone_number_id: None,
            credit_currency: None,
        };
        let e = MetaMessaging::from_credentials(&credentials).unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("phone_number_id")),
            "{e:?}"
        );
        let with_number = MetaCredentials {
            phone_number_id: Some("106540352242922".into()),
            ..credentials
        };
        let messaging = MetaMessaging::from_credentials(&with_number).unwrap();
        assert_eq!(messaging.phone_number_id(), "106540352242922");
        assert!(!format!("{messaging:?}").contains("EAAtoken-value"));
    }
}
