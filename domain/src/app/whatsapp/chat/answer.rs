//! Answering the current step in chat: a choice, a consent, a form one field at a time, the
//! phone step by its code, and the bot's prompt of the step that follows.

use serde_json::{Map, Value, json};

use crate::flow::{FieldType, Step, StepKind};
use crate::ids::{SessionId, TenantId};
use crate::phone::PhoneNumber;
use crate::session::{SessionError, current_step};
use crate::verification::{Channel, OtpCode};

use super::{YES, choose, closing, next_field, prompt_of};
use crate::app::verifications::StartVerification;
use crate::app::whatsapp::conversation::ChatCursor;
use crate::app::{
    SessionServiceError, VerificationServiceError, WhatsAppService, WhatsAppServiceError,
};

impl WhatsAppService {
    /// Answers the current step with `text`; answers the replies and the chat's new cursor.
    pub(super) async fn answer_in_chat(
        &self,
        tenant: TenantId,
        id: SessionId,
        phone: &PhoneNumber,
        text: &str,
    ) -> Result<(Vec<String>, ChatCursor), WhatsAppServiceError> {
        let current = self.core.load_session(tenant, id).await?;
        if current.state.status.is_final() {
            return Ok((
                vec![closing(&self.sessions.session(tenant, id).await?)],
                ChatCursor::default(),
            ));
        }
        let flow = self.core.flow_of(&current.state)?;
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
            .sessions
            .submit_step(tenant, id, step.id().as_str(), answers)
            .await
        {
            Ok(_) => {
                self.prompt_current(tenant, id, phone, ChatCursor::default())
                    .await
            }
            Err(SessionServiceError::Session(SessionError::InvalidAnswers { errors, .. })) => {
                cursor.draft = None;
                let mut replies: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                replies.push(prompt_of(step));
                Ok((replies, cursor))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The replies that open the current step (its prompt; for the phone step, the code is
    /// sent too), or the closing message of a completed session.
    pub(super) async fn prompt_current(
        &self,
        tenant: TenantId,
        id: SessionId,
        phone: &PhoneNumber,
        mut cursor: ChatCursor,
    ) -> Result<(Vec<String>, ChatCursor), WhatsAppServiceError> {
        let current = self.core.load_session(tenant, id).await?;
        let flow = self.core.flow_of(&current.state)?;
        let Some(step) = current_step(&flow, &current.state) else {
            return Ok((
                vec![closing(&self.sessions.session(tenant, id).await?)],
                ChatCursor::default(),
            ));
        };
        if step.kind() == StepKind::PhoneVerification {
            let v = self
                .verifications
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
    ) -> Result<(Vec<String>, ChatCursor), WhatsAppServiceError> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(vid) = cursor.verification else {
            return self.prompt_current(tenant, id, phone, cursor).await;
        };
        if !(4..=10).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            if text.eq_ignore_ascii_case("resend") {
                self.verifications
                    .resend_verification(tenant, vid, Some(Channel::Sms))
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
        match self
            .verifications
            .check_verification(tenant, vid, &code)
            .await
        {
            Ok(_) => {
                self.prompt_current(tenant, id, phone, ChatCursor::default())
                    .await
            }
            Err(VerificationServiceError::CodeIncorrect { checks_remaining }) => Ok((
                vec![format!(
                    "That code is not right. {checks_remaining} tries left."
                )],
                cursor,
            )),
            Err(VerificationServiceError::Verification(e)) => {
                Ok((vec![format!("{e}. Reply RESEND for a new code.")], cursor))
            }
            Err(e) => Err(e.into()),
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
