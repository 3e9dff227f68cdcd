//! Adding messages to a conversation (with the send jobs of the bot's WhatsApp messages) and
//! reading a session's or a client's history.

use uuid::Uuid;

use crate::ids::{JobId, SessionId, TenantId, WabaAccountId};

use super::{
    Author, ChatCursor, ChatMessage, ConversationEvent, ConversationState, MessageChannel,
    NewMessage, text_context,
};
use crate::app::jobs::kinds::{Job, WhatsAppSend as SendJob};
use crate::app::{WhatsAppService, WhatsAppServiceError};

impl WhatsAppService {
    /// The chat's cursor in the current step.
    pub(crate) async fn chat_cursor(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> Result<ChatCursor, WhatsAppServiceError> {
        Ok(self
            .load_conversation(tenant, session.uuid())
            .await?
            .state
            .cursor)
    }

    /// Adds `messages` to the session's conversation, in order, in one commit, with the chat's
    /// new `cursor` if given; a bot message on WhatsApp gets its send job (to `phone`) in the
    /// same commit. Answers the messages' sequence numbers.
    pub(crate) async fn add_messages(
        &self,
        tenant: TenantId,
        session: SessionId,
        phone: Option<&str>,
        messages: Vec<NewMessage>,
        cursor: Option<ChatCursor>,
    ) -> Result<Vec<u32>, WhatsAppServiceError> {
        self.add_to_conversation(tenant, session.uuid(), None, phone, messages, cursor)
            .await
    }

    /// [`Self::add_messages`] for any conversation; `client` sends the bot's messages from
    /// that client's number.
    pub(crate) async fn add_to_conversation(
        &self,
        tenant: TenantId,
        conversation: Uuid,
        client: Option<WabaAccountId>,
        phone: Option<&str>,
        messages: Vec<NewMessage>,
        cursor: Option<ChatCursor>,
    ) -> Result<Vec<u32>, WhatsAppServiceError> {
        if messages.is_empty() && cursor.is_none() {
            return Ok(vec![]);
        }
        let messages = &messages;
        let cursor = &cursor;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<ConversationState>(conversation)
                    .await?
                    .unwrap_or_default();
                let at = self.core.clock.now();
                let mut next = u32::try_from(current.messages.len()).unwrap_or(u32::MAX);
                let mut events = Vec::new();
                let mut seqs = Vec::new();
                for m in messages {
                    next += 1;
                    seqs.push(next);
                    let outbound = m.author == Author::Bot && m.channel == MessageChannel::WhatsApp;
                    events.push(ConversationEvent::Message {
                        message: ChatMessage {
                            seq: next,
                            author: m.author,
                            channel: m.channel,
                            text: m.kept_text(),
                            step: m.step.clone(),
                            provider: m.inbound.as_ref().map(|(p, _)| *p),
                            provider_ref: m.inbound.as_ref().map(|(_, r)| r.clone()),
                            status: if outbound { "queued" } else { "received" }.into(),
                            at,
                        },
                    });
                    if outbound {
                        let to = phone.ok_or_else(|| {
                            WhatsAppServiceError::NoWhatsAppChannel(
                                "the session has no phone number".into(),
                            )
                        })?;
                        let send = Job::WhatsAppSend(SendJob {
                            conversation,
                            seq: next,
                            to: to.to_owned(),
                            text: m.kept_text(),
                            sealed_text: m.secret.as_ref().map(|_| {
                                self.seal(
                                    &crate::ports::ClearSecret::new(m.text.clone()),
                                    &text_context(conversation, next),
                                )
                            }),
                            client,
                        });
                        tx.enqueue(send.schedule(JobId::new(self.core.ids.new_id()), at, None)?);
                    }
                }
                if let Some(c) = cursor
                    && *c != current.cursor
                {
                    events.push(ConversationEvent::Cursor { cursor: c.clone() });
                }
                self.apply_conversation(tx, conversation, phone, events)
                    .await?;
                Ok(seqs)
            })
        })
        .await
    }

    /// The session's conversation, oldest first.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`](crate::app::CoreError::SessionNotFound) (also for another tenant's session).
    pub async fn session_messages(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> Result<Vec<ChatMessage>, WhatsAppServiceError> {
        self.core.load_session(tenant, session).await?;
        Ok(self
            .load_conversation(tenant, session.uuid())
            .await?
            .state
            .messages)
    }

    /// The messages sent and received on behalf of a Solution Partner's client, oldest first
    /// (MISSION.md D).
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`] (also for another tenant's account).
    pub async fn client_messages(
        &self,
        tenant: TenantId,
        account: WabaAccountId,
    ) -> Result<Vec<ChatMessage>, WhatsAppServiceError> {
        self.load_waba(tenant, account).await?;
        Ok(self
            .load_conversation(tenant, account.uuid())
            .await?
            .state
            .messages)
    }
}
