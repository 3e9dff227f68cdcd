//! A flow run over WhatsApp (MISSION.md B): one session per person, found by phone number; an
//! inbound message answers the current step (a choice by number or by label, a consent by
//! "yes", a form one field at a time with the error replied in chat, the phone step by the code
//! sent to the person), and the bot replies with the next step's prompt.
//!
//! This module holds the inbound message and the turn, finding a person's session and the
//! entry points (a WhatsApp message, a step submitted on the web), with the helpers that read a
//! step (its next field, a choice, its prompt); `answer` answers the current step in chat.

mod answer;

use serde_json::{Map, Value};

use crate::flow::Step;
use crate::ids::{SessionId, TenantId};
use crate::phone::PhoneNumber;
use crate::ports::{AggregateKind, ListQuery, ProviderId};
use crate::session::{SessionChannel, SessionView};

use crate::app::sessions::StartSession;
use crate::app::whatsapp::conversation::{Author, ChatCursor, MessageChannel, NewMessage};
use crate::app::{CoreError, WhatsAppService, WhatsAppServiceError};

/// An inbound WhatsApp message, once its webhook is verified.
#[derive(Debug, Clone)]
pub struct InboundChat {
    /// The person's number, E.164.
    pub from: String,
    /// The text.
    pub text: String,
    /// The provider that carried it.
    pub provider: ProviderId,
    /// The provider's message id.
    pub message_id: String,
}

/// What an inbound message did.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTurn {
    /// The person's session (new or found by phone).
    pub session: SessionView,
    /// True when the message started the session.
    pub started: bool,
    /// The bot's replies, in order.
    pub replies: Vec<String>,
}

const YES: [&str; 8] = [
    "yes", "y", "ok", "okay", "agree", "i agree", "accept", "confirm",
];

impl WhatsAppService {
    /// The person's open session: the newest session of the tenant with this phone that is
    /// neither completed, abandoned nor expired.
    ///
    /// # Errors
    /// Store failures.
    pub async fn find_session_by_phone(
        &self,
        tenant: TenantId,
        phone: &PhoneNumber,
    ) -> Result<Option<SessionView>, WhatsAppServiceError> {
        let page = self
            .core
            .store
            .list(
                tenant,
                AggregateKind::Session,
                &ListQuery {
                    phone: Some(phone.to_string()),
                    limit: 20,
                    ..ListQuery::default()
                },
            )
            .await?;
        for loaded in &page.items {
            let state: crate::session::SessionState =
                super::super::persist::state_of(loaded, &self.core.flows)?;
            if !state.status.is_final() {
                let flow = self.core.flow_of(&state)?;
                return Ok(Some(crate::session::view(&flow, &state)));
            }
        }
        Ok(None)
    }

    /// Handles an inbound WhatsApp message: finds or starts the person's session, stores the
    /// message, answers the current step with it, and queues the bot's replies.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::InvalidPhone`] for a sender that is not an E.164 number;
    /// [`CoreError::TemplateNotFound`] when the inbound flow is not loaded; store failures.
    /// A refused answer is not an error: it is replied in chat.
    pub async fn receive_whatsapp(
        &self,
        tenant: TenantId,
        inbound: InboundChat,
    ) -> Result<ChatTurn, WhatsAppServiceError> {
        let phone = PhoneNumber::parse(&inbound.from, None)?;
        let (session, started) = match self.find_session_by_phone(tenant, &phone).await? {
            Some(s) => (s, false),
            None => {
                let view = self
                    .sessions
                    .start_session(
                        tenant,
                        StartSession {
                            flow_id: self.policy.inbound_flow.clone(),
                            channel: SessionChannel::WhatsApp,
                            phone: Some(phone.clone()),
                            external_ref: None,
                        },
                    )
                    .await?;
                (view, true)
            }
        };
        let id = SessionId::parse(&session.id).map_err(|_| CoreError::SessionNotFound)?;
        let user = NewMessage {
            author: Author::User,
            channel: MessageChannel::WhatsApp,
            text: inbound.text.clone(),
            step: session.current_step.clone(),
            inbound: Some((inbound.provider, inbound.message_id.clone())),
            secret: None,
        };
        self.add_messages(tenant, id, Some(phone.as_str()), vec![user], None)
            .await?;
        let (replies, cursor) = if started {
            self.prompt_current(tenant, id, &phone, ChatCursor::default())
                .await?
        } else {
            self.answer_in_chat(tenant, id, &phone, inbound.text.trim())
                .await?
        };
        let messages = replies
            .iter()
            .map(|text| NewMessage {
                author: Author::Bot,
                channel: MessageChannel::WhatsApp,
                text: text.clone(),
                step: None,
                inbound: None,
                secret: None,
            })
            .collect();
        self.add_messages(tenant, id, Some(phone.as_str()), messages, Some(cursor))
            .await?;
        Ok(ChatTurn {
            session: self.sessions.session(tenant, id).await?,
            started,
            replies,
        })
    }

    /// Answers a step from the web (an end user's own route): as
    /// [`SessionService::submit_step`](crate::app::SessionService::submit_step), and the answer joins the session's conversation, so the
    /// history covers both channels. Steps marked `admin_only` are the tenant's to answer.
    ///
    /// # Errors
    /// As [`SessionService::submit_step`](crate::app::SessionService::submit_step); [`WhatsAppServiceError::AdminOnlyStep`].
    pub async fn submit_step_on_web(
        &self,
        tenant: TenantId,
        id: SessionId,
        step: &str,
        answers: Value,
    ) -> Result<SessionView, WhatsAppServiceError> {
        let current = self.core.load_session(tenant, id).await?;
        let flow = self.core.flow_of(&current.state)?;
        if flow
            .steps()
            .iter()
            .any(|s| s.id().as_str() == step && s.admin_only())
        {
            return Err(WhatsAppServiceError::AdminOnlyStep(step.to_owned()));
        }
        let view = self
            .sessions
            .submit_step(tenant, id, step, answers.clone())
            .await?;
        let message = NewMessage {
            author: Author::User,
            channel: MessageChannel::Web,
            text: answers.to_string(),
            step: Some(step.to_owned()),
            inbound: None,
            secret: None,
        };
        self.add_messages(tenant, id, view.phone.as_deref(), vec![message], None)
            .await?;
        Ok(view)
    }
}

/// The next field of a form to ask for, and its question.
fn next_field(step: &Step, values: &Map<String, Value>) -> (String, Option<String>) {
    match step
        .schema()
        .fields()
        .iter()
        .find(|f| !values.contains_key(f.name()))
    {
        Some(f) => {
            let optional = if f.required() { "" } else { " (or SKIP)" };
            (
                format!("{}?{optional}", f.label()),
                Some(f.name().to_owned()),
            )
        }
        None => (String::new(), None),
    }
}

/// The option a reply chooses: its number in the list, or its label or id.
fn choose(step: &Step, text: &str) -> Option<String> {
    let options = step.options();
    if let Ok(n) = text.trim_end_matches('.').parse::<usize>() {
        return n
            .checked_sub(1)
            .and_then(|i| options.get(i))
            .map(|o| o.id.to_owned());
    }
    options
        .iter()
        .find(|o| o.label.eq_ignore_ascii_case(text) || o.id.eq_ignore_ascii_case(text))
        .map(|o| o.id.to_owned())
}

/// The step's chat prompt, or its title with its options numbered.
fn prompt_of(step: &Step) -> String {
    if let Some(p) = step.prompt() {
        return p.to_owned();
    }
    let mut text = step.title().to_owned();
    for (i, o) in step.options().iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, o.label));
    }
    text
}

/// The message that closes a finished conversation.
fn closing(view: &SessionView) -> String {
    match (&view.status, &view.capability) {
        (crate::session::SessionStatus::Completed, Some(c)) => format!(
            "All done, thank you! Your profile is ready; your level is {}.",
            c.level
        ),
        (crate::session::SessionStatus::Completed, None) => {
            "All done, thank you! Your onboarding is complete.".to_owned()
        }
        (status, _) => format!("This conversation is {}.", status.as_str()),
    }
}
