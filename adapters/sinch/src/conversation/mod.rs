//! [`SinchConversation`]: the `WhatsAppMessaging` port over the Sinch Conversation API's
//! WhatsApp channel (PROVIDERS.md section 5, "Hosts and auth").

pub mod wire;

use http::Method;
use onramp_domain::ports::{
    OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};
use onramp_provider_kit::http::{CallSafety, HttpSettings};

use crate::credentials::{ENV_CONVERSATION_APP_ID, SinchCredentials};
use crate::path::segment;
use crate::project::{ProjectApi, classify, required, settings};

/// WhatsApp messages through a Conversation API app: `POST
/// https://{region}.conversation.api.sinch.com/v1/projects/{project_id}/messages:send` with
/// Basic auth (the project's access key), through [`onramp_provider_kit::http::execute`].
///
/// Needs [`SinchCredentials::project_id`], [`SinchCredentials::access_key_id`],
/// [`SinchCredentials::access_key_secret`] and [`SinchCredentials::conversation_app_id`]
/// ([`SinchCredentials::conversation_region`] defaults to `us`).
#[derive(Debug)]
pub struct SinchConversation {
    api: ProjectApi,
    app_id: String,
}

impl SinchConversation {
    /// Messaging through `credentials`' app (their `conversation_base_url` and region are
    /// ignored: `settings` says where to send).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the credentials do not validate or lack the project
    /// id, the access key or the app id; [`ProviderError::Unexpected`] when the HTTP client
    /// cannot be built.
    pub fn new(
        credentials: &SinchCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        let api = ProjectApi::new(credentials, settings)?;
        let app_id = required(
            credentials.conversation_app_id.as_deref(),
            "conversation_app_id",
            ENV_CONVERSATION_APP_ID,
        )?;
        Ok(Self {
            api,
            app_id: app_id.to_string(),
        })
    }

    /// Messaging at [`SinchCredentials::conversation_base_url`] (the override, else the region's
    /// host) with the default [`HttpSettings`].
    ///
    /// # Errors
    /// As [`Self::new`]; a base URL that does not parse is `Unauthorized`.
    pub fn from_credentials(credentials: &SinchCredentials) -> Result<Self, ProviderError> {
        let base = credentials.conversation_base_url();
        Self::new(credentials, settings(&base, "conversation_base_url")?)
    }

    /// The app this channel sends from (the `to` of inbound messages).
    pub fn app_id(&self) -> &str {
        &self.app_id
    }
}

#[async_trait::async_trait]
impl WhatsAppMessaging for SinchConversation {
    fn provider(&self) -> ProviderId {
        ProviderId::Sinch
    }

    /// `POST /v1/projects/{project_id}/messages:send` with the app, the user's number as a
    /// `WHATSAPP` channel identity, the text, and `message.key` as `correlation_id`
    /// ([`wire::SendMessageRequest`]); answers Sinch's `message_id` as `provider_ref`.
    ///
    /// Not retried after an unknown effect ([`CallSafety::NotIdempotent`]): `correlation_id`
    /// is only propagated to callbacks, Sinch does not de-duplicate on it, so a repeated send
    /// can reach the user twice.
    ///
    /// # Errors
    /// `Rejected { code: "invalid_number" }` for a `to` that is not E.164, before any call;
    /// otherwise as [`classify::send_answer`].
    async fn send_text(&self, message: &OutboundMessage) -> Result<SentMessage, ProviderError> {
        let identity = wire::whatsapp_identity(&message.to).ok_or_else(|| {
            ProviderError::rejected(
                "invalid_number",
                format!("{:?} is not an E.164 number", message.to),
            )
        })?;
        let body = wire::SendMessageRequest {
            app_id: &self.app_id,
            recipient: wire::Recipient {
                identified_by: wire::IdentifiedBy {
                    channel_identities: [wire::ChannelIdentity {
                        channel: wire::WHATSAPP,
                        identity,
                    }],
                },
            },
            message: wire::AppMessage {
                text_message: wire::TextMessage {
                    text: &message.text,
                },
            },
            correlation_id: &message.key,
        };
        let id = self
            .api
            .call(
                Method::POST,
                &self.api.project_path(wire::SEND_PATH),
                Some(&body),
                CallSafety::NotIdempotent,
                classify::send_answer,
            )
            .await?;
        tracing::debug!(provider_ref = %id, key = %message.key, "sinch whatsapp message sent");
        Ok(SentMessage {
            provider: ProviderId::Sinch,
            provider_ref: id,
        })
    }

    /// The cheapest authenticated call that proves both the access key and the app:
    /// `GET /v1/projects/{project_id}/apps/{app_id}` (answered with the app, sinch-sdk-java
    /// `apps/AppResponseDto.json`); retried where safe. 401/403 are `Unauthorized`, and so is a
    /// 404 (no such app in this project and region).
    async fn health_check(&self) -> Result<(), ProviderError> {
        let path = self
            .api
            .project_path(&format!("{}{}", wire::APPS_PATH, segment(&self.app_id)));
        self.api
            .call(
                Method::GET,
                &path,
                None::<&()>,
                CallSafety::Idempotent,
                classify::app_answer,
            )
            .await
    }
}
