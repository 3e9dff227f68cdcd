//! A session's conversation: every user and bot message, on WhatsApp or the web, stored in
//! order (MISSION.md B, "every user and bot message is stored"), and the outbox job that sends
//! a bot message over WhatsApp.
//!
//! This module holds the conversation's types, events, state and `evolve`, and how a
//! conversation is loaded and appended to; `messages` adds messages and reads the history,
//! `send` is the send job and the delivery statuses of bot messages.

mod messages;
mod send;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use uuid::Uuid;

use crate::ids::TenantId;
use crate::ports::{AggregateKind, MessageStatus, ProviderId, StreamId};

use crate::app::aggregates::whatsapp::Conversations;
use crate::app::execute::Tx;
use crate::app::persist::Versioned;
use crate::app::{WhatsAppService, WhatsAppServiceError};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The person onboarding.
    User,
    /// Onramp's bot.
    Bot,
}

/// Where a message was written or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    /// WhatsApp.
    #[serde(rename = "whatsapp")]
    WhatsApp,
    /// The web (a step answered on the web page, recorded as the user's message).
    Web,
}

/// One message of a conversation, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    /// Its place in the conversation, from 1.
    pub seq: u32,
    /// Who wrote it.
    pub author: Author,
    /// Where.
    pub channel: MessageChannel,
    /// The text.
    pub text: String,
    /// The step it answered or prompted, if any.
    pub step: Option<String>,
    /// The provider that carried it (`twilio`, `sinch`, `meta`, `sandbox`), once known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub provider: Option<ProviderId>,
    /// The provider's message id, once known.
    pub provider_ref: Option<String>,
    /// Bot messages: `queued`, `sent`, `delivered`, `read` or `failed`; user messages:
    /// `received`.
    pub status: String,
    /// When it was written (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: OffsetDateTime,
}

/// A conversation's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ConversationEvent {
    Message {
        message: ChatMessage,
    },
    Sent {
        seq: u32,
        provider: ProviderId,
        provider_ref: String,
    },
    Status {
        seq: u32,
        status: MessageStatus,
    },
    SendFailed {
        seq: u32,
        reason: String,
    },
    Cursor {
        cursor: ChatCursor,
    },
}

impl ConversationEvent {
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            Self::Message { message } if message.author == Author::User => {
                "conversation.user_message"
            }
            Self::Message { .. } => "conversation.bot_message",
            Self::Sent { .. } => "conversation.sent",
            Self::Status { .. } => "conversation.status",
            Self::SendFailed { .. } => "conversation.send_failed",
            Self::Cursor { .. } => "conversation.cursor",
        }
    }
}

/// Where the chat stands inside the current step: a form's fields answered so far, the phone
/// verification sent for the phone step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChatCursor {
    /// The form step being filled and its fields so far.
    pub draft: Option<(String, serde_json::Map<String, serde_json::Value>)>,
    /// The verification sent for the phone step.
    pub verification: Option<crate::ids::VerificationId>,
}

/// The conversation's folded state: every message with its latest status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConversationState {
    pub(crate) phone: Option<String>,
    pub(crate) messages: Vec<ChatMessage>,
    #[serde(default)]
    pub(crate) cursor: ChatCursor,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub(crate) created_at: Option<OffsetDateTime>,
}

/// Folds one conversation event.
pub(crate) fn evolve(mut s: ConversationState, e: &ConversationEvent) -> ConversationState {
    match e {
        ConversationEvent::Message { message } => s.messages.push(message.clone()),
        ConversationEvent::Sent {
            seq,
            provider,
            provider_ref,
        } => {
            if let Some(m) = s.messages.iter_mut().find(|m| m.seq == *seq) {
                m.provider = Some(*provider);
                m.provider_ref = Some(provider_ref.clone());
                if m.status == "queued" {
                    m.status = "sent".into();
                }
            }
        }
        ConversationEvent::Status { seq, status } => {
            if let Some(m) = s.messages.iter_mut().find(|m| m.seq == *seq) {
                let rank = |t: &str| match t {
                    "queued" => 0,
                    "sent" => 1,
                    "delivered" => 2,
                    "read" => 3,
                    _ => 4,
                };
                let new = match status {
                    MessageStatus::Sent => "sent",
                    MessageStatus::Delivered => "delivered",
                    MessageStatus::Read => "read",
                    MessageStatus::Failed => "failed",
                };
                // Statuses only move forward, whatever order the webhooks arrive in.
                if rank(new) > rank(&m.status) {
                    m.status = new.into();
                }
            }
        }
        ConversationEvent::SendFailed { seq, .. } => {
            if let Some(m) = s.messages.iter_mut().find(|m| m.seq == *seq) {
                m.status = "failed".into();
            }
        }
        ConversationEvent::Cursor { cursor } => s.cursor = cursor.clone(),
    }
    s
}

/// A conversation is keyed by the session it belongs to, or, for a Solution Partner's client,
/// by the client's WABA account (the messages sent and received on its behalf).
pub(crate) fn conversation_stream(conversation: Uuid) -> StreamId {
    StreamId::new(AggregateKind::Conversation, conversation)
}

/// A message to add to a conversation.
pub(crate) struct NewMessage {
    pub author: Author,
    pub channel: MessageChannel,
    pub text: String,
    pub step: Option<String>,
    /// The provider's id of an inbound message.
    pub inbound: Option<(ProviderId, String)>,
    /// A secret the text holds (a link code): the history keeps the text with the secret
    /// masked, and the send job holds the text sealed.
    pub secret: Option<String>,
}

impl NewMessage {
    /// The same message, marked as holding `secret`.
    pub fn holding(mut self, secret: &str) -> Self {
        self.secret = Some(secret.to_owned());
        self
    }

    /// The text as the history and the job payload keep it.
    fn kept_text(&self) -> String {
        match &self.secret {
            Some(secret) if !secret.is_empty() => self
                .text
                .replace(secret.as_str(), &"•".repeat(secret.chars().count())),
            _ => self.text.clone(),
        }
    }
}

fn text_context(conversation: Uuid, seq: u32) -> String {
    format!("whatsapp-text:{conversation}:{seq}")
}

impl WhatsAppService {
    async fn load_conversation(
        &self,
        tenant: TenantId,
        conversation: Uuid,
    ) -> Result<Versioned<ConversationState>, WhatsAppServiceError> {
        Ok(self
            .core
            .load_versioned(tenant, &conversation_stream(conversation))
            .await?
            .unwrap_or(Versioned {
                state: Default::default(),
            }))
    }

    /// Records `events` on the conversation in `tx`; its phone (`phone`, when it has none yet)
    /// and its creation time are kept with them.
    async fn apply_conversation(
        &self,
        tx: &mut Tx<'_>,
        conversation: Uuid,
        phone: Option<&str>,
        events: Vec<ConversationEvent>,
    ) -> Result<ConversationState, WhatsAppServiceError> {
        let mut current = tx
            .load::<ConversationState>(conversation)
            .await?
            .unwrap_or_default();
        if current.created_at.is_none() || (current.phone.is_none() && phone.is_some()) {
            current.created_at.get_or_insert(self.core.clock.now());
            if current.phone.is_none() {
                current.phone = phone.map(str::to_owned);
            }
            tx.stage(conversation, current);
        }
        Ok(tx.apply(&Conversations, conversation, events)?)
    }
}
