//! A flow run over WhatsApp (MISSION.md B): one session per person, found by phone number; an
//! inbound message answers the current step (a choice by number or by label, a consent by
//! "yes", a form one field at a time with the error replied in chat, the phone step by the code
//! sent to the person), and the bot replies with the next step's prompt.

use serde_json::{Map, Value, json};

use crate::flow::{FieldType, Step, StepKind};
use crate::ids::{SessionId, TenantId};
use crate::phone::PhoneNumber;
use crate::ports::{AggregateKind, ListQuery, ProviderId};
use crate::session::{SessionChannel, SessionError, SessionView, current_step};
use crate::verification::{Channel, OtpCode};

use super::super::sessions::StartSession;
use super::super::verifications::StartVerification;
use super::super::{AppError, Services};
use super::conversation::{Author, ChatCursor, MessageChannel, NewMessage};

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

impl Services {
    /// The person's open session: the newest session of the tenant with this phone that is
    /// neither completed, abandoned nor expired.
    ///
    /// # Errors
    /// Store failures.
    pub async fn find_session_by_phone(
        &self,
        tenant: TenantId,
        phone: &PhoneNumber,
    ) -> Result<Option<SessionView>, AppError> {
        let page = self
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
            let state: crate::session::SessionState = super::super::persist::state_of(loaded)?;
            if !state.status.is_final() {
                let flow = self.flow_of(&state)?;
                return Ok(Some(crate::session::view(&flow, &state)));
            }
        }
        Ok(None)
    }

    /// Handles an inbound WhatsApp message: finds or starts the person's session, stores the
    /// message, answers the current step with it, and queues the bot's replies.
    ///
    /// # Errors
    /// [`AppError::InvalidPhone`] for a sender that is not an E.164 number;
    /// [`AppError::TemplateNotFound`] when the inbound flow is not loaded; store failures.
    /// A refused answer is not an error: it is replied in chat.
    pub async fn receive_whatsapp(
        &self,
        tenant: TenantId,
        inbound: InboundChat,
    ) -> Result<ChatTurn, AppError> {
        let phone = PhoneNumber::parse(&inbound.from, None)?;
        let (session, started) = match self.find_session_by_phone(tenant, &phone).await? {
            Some(s) => (s, false),
            None => {
                let view = self
                    .start_session(
                        tenant,
                        StartSession {
                            flow_id: self.whatsapp_policy.inbound_flow.clone(),
                            channel: SessionChannel::WhatsApp,
                            phone: Some(phone.clone()),
                            external_ref: None,
                        },
                    )
                    .await?;
                (view, true)
            }
        };
        let id = SessionId::parse(&session.id).map_err(|_| AppError::SessionNotFound)?;
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
            session: self.session(tenant, id).await?,
            started,
            replies,
        })
    }

    /// Answers a step from the web (an end user's own route): as
    /// [`Services::submit_step`], and the answer joins the session's conversation, so the
    /// history covers both channels. Steps marked `admin_only` are the tenant's to answer.
    ///
    /// # Errors
    /// As [`Services::submit_step`]; [`AppError::AdminOnlyStep`].
    pub async fn submit_step_on_web(
        &self,
        tenant: TenantId,
        id: SessionId,
        step: &str,
        answers: Value,
    ) -> Result<SessionView, AppError> {
        let current = self.load_session(tenant, id).await?;
        let flow = self.flow_of(&current.state)?;
        if flow
            .steps()
            .iter()
            .any(|s| s.id().as_str() == step && s.admin_only())
        {
            return Err(AppError::AdminOnlyStep(step.to_owned()));
        }
        let view = self.submit_step(tenant, id, step, answers.clone()).await?;
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

    /// Answers the current step with `text`; answers the replies and the chat's new cursor.
    async fn answer_in_chat(
        &self,
        tenant: TenantId,
        id: SessionId,
        phone: &PhoneNumber,
        text: &str,
    ) -> Result<(Vec<String>, ChatCursor), AppError> {
        let current = self.load_session(tenant, id).await?;
        if current.state.status.is_final() {
            return Ok((
                vec![closing(&self.session(tenant, id).await?)],
                ChatCursor::default(),
            ));
        }
        let flow = self.flow_of(&current.state)?;
        let Some(step) = current_step(&flow, &current.state) else {
            return Ok((vec![], ChatCursor::default()));
        };
        let mut cursor = self.chat_cursor(tenant, id).await?;
        if step.admin_only() {
            return Ok((
                vec![format!(
                    "The step \"{}\" is completed by an administrator of your account.",
                    step.title()
                )],
                cursor,
            ));
        }
        let answers = match step.kind() {
            StepKind::Choice => match choose(step, text) {
                Some(option) => json!({ "choice": option }),
                None => {
                    let n = step.options().len();
                    return Ok((
                        vec![format!(
                            "Sorry, I did not understand. Please reply with a number from 1 to {n}."
                        )],
                        cursor,
                    ));
                }
            },
            StepKind::Consent | StepKind::Review => {
                if !YES.contains(&text.to_lowercase().as_str()) {
                    return Ok((vec!["Please reply YES to continue.".to_owned()], cursor));
                }
                let field = if step.kind() == StepKind::Consent {
                    "accepted"
                } else {
                    "confirmed"
                };
                json!({ field: true })
            }
            StepKind::Info => json!({}),
            StepKind::Form => match self.fill_form(step, &mut cursor, text) {
                FormTurn::Ask(question) => return Ok((vec![question], cursor)),
                FormTurn::Done(values) => Value::Object(values),
            },
            StepKind::PhoneVerification => {
                return self
                    .phone_step_in_chat(tenant, id, phone, step, cursor, text)
                    .await;
            }
            StepKind::CardOnFileTrial
            | StepKind::PaypalCheckout
            | StepKind::WhatsAppSignup
            | StepKind::WhatsAppSender => {
                return Ok((
                    vec![format!(
                        "The step \"{}\" continues on the web. Ask us for a link code to carry on there.",
                        step.title()
                    )],
                    cursor,
                ));
            }
        };
        match self
            .submit_step(tenant, id, step.id().as_str(), answers)
            .await
        {
            Ok(_) => {
                self.prompt_current(tenant, id, phone, ChatCursor::default())
                    .await
            }
            Err(AppError::Session(SessionError::InvalidAnswers { errors, .. })) => {
                cursor.draft = None;
                let mut replies: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                replies.push(prompt_of(step));
                Ok((replies, cursor))
            }
            Err(e) => Err(e),
        }
    }

    /// The replies that open the current step (its prompt; for the phone step, the code is
    /// sent too), or the closing message of a completed session.
    async fn prompt_current(
        &self,
        tenant: TenantId,
        id: SessionId,
        phone: &PhoneNumber,
        mut cursor: ChatCursor,
    ) -> Result<(Vec<String>, ChatCursor), AppError> {
        let current = self.load_session(tenant, id).await?;
        let flow = self.flow_of(&current.state)?;
        let Some(step) = current_step(&flow, &current.state) else {
            return Ok((
                vec![closing(&self.session(tenant, id).await?)],
                ChatCursor::default(),
            ));
        };
        if step.kind() == StepKind::PhoneVerification {
            let v = self
                .start_verification(
                    tenant,
                    StartVerification {
                        phone: phone.clone(),
                        channel: Some(Channel::Sms),
                        session_id: Some(id),
                    },
                )
                .await?;
            cursor.verification = crate::ids::VerificationId::parse(&v.id).ok();
        }
        if step.kind() == StepKind::Form {
            let (question, _) = next_field(step, &Map::new());
            cursor.draft = Some((step.id().to_string(), Map::new()));
            return Ok((vec![prompt_of(step), question], cursor));
        }
        Ok((vec![prompt_of(step)], cursor))
    }

    async fn phone_step_in_chat(
        &self,
        tenant: TenantId,
        id: SessionId,
        phone: &PhoneNumber,
        step: &Step,
        cursor: ChatCursor,
        text: &str,
    ) -> Result<(Vec<String>, ChatCursor), AppError> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(vid) = cursor.verification else {
            return self.prompt_current(tenant, id, phone, cursor).await;
        };
        if !(4..=10).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            if text.eq_ignore_ascii_case("resend") {
                self.resend_verification(tenant, vid, Some(Channel::Sms))
                    .await?;
                return Ok((vec!["We sent you a new code.".into()], cursor));
            }
            return Ok((
                vec![format!(
                    "{} (Reply RESEND for a new code.)",
                    prompt_of(step)
                )],
                cursor,
            ));
        }
        let Ok(code) = OtpCode::parse(&digits) else {
            return Ok((vec![prompt_of(step)], cursor));
        };
        match self.check_verification(tenant, vid, &code).await {
            Ok(_) => {
                self.prompt_current(tenant, id, phone, ChatCursor::default())
                    .await
            }
            Err(AppError::CodeIncorrect { checks_remaining }) => Ok((
                vec![format!(
                    "That code is not right. {checks_remaining} tries left."
                )],
                cursor,
            )),
            Err(AppError::Verification(e)) => {
                Ok((vec![format!("{e}. Reply RESEND for a new code.")], cursor))
            }
            Err(e) => Err(e),
        }
    }

    fn fill_form(&self, step: &Step, cursor: &mut ChatCursor, text: &str) -> FormTurn {
        let mut values = match &cursor.draft {
            Some((name, values)) if name == step.id().as_str() => values.clone(),
            _ => Map::new(),
        };
        let (_, field) = next_field(step, &values);
        if let Some(field) = field {
            let spec = step.schema().field(&field);
            let value = match spec.map(|f| f.field_type()) {
                Some(FieldType::Integer) => text
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::from(text)),
                Some(FieldType::Number) => text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::from(text), Value::Number),
                Some(FieldType::Boolean) => match text.to_lowercase().as_str() {
                    "yes" | "y" | "true" => Value::Bool(true),
                    "no" | "n" | "false" => Value::Bool(false),
                    _ => Value::from(text),
                },
                _ => Value::from(text),
            };
            if !(text.eq_ignore_ascii_case("skip") && spec.is_some_and(|f| !f.required())) {
                values.insert(field.clone(), value);
            } else {
                values.insert(field.clone(), Value::Null);
            }
            // The field is checked alone, so its error is replied at once.
            let mut alone = values.clone();
            alone.retain(|_, v| !v.is_null());
            if let Err(errors) = step.schema().validate(&Value::Object(alone))
                && let Some(e) = errors.iter().find(|e| e.field == field)
            {
                values.remove(&field);
                cursor.draft = Some((step.id().to_string(), values));
                return FormTurn::Ask(format!("{}: {} Please try again.", e.field, e.message));
            }
        }
        let (question, more) = next_field(step, &values);
        if more.is_some() {
            cursor.draft = Some((step.id().to_string(), values));
            return FormTurn::Ask(question);
        }
        values.retain(|_, v| !v.is_null());
        cursor.draft = None;
        FormTurn::Done(values)
    }
}

enum FormTurn {
    Ask(String),
    Done(Map<String, Value>),
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
