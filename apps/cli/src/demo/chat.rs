//! What the scripted person writes in a WhatsApp chat, and how the chat is printed: the pure
//! half of `onramp demo --channel whatsapp` (`whatsapp.rs` makes the requests).
//!
//! The replies follow the bot's rules (`onramp_domain::app::whatsapp::chat`): a choice by its
//! option's number in the order listed, a consent or review by "YES", an info step by any
//! text, a form one field at a time ("SKIP" leaves an optional field out), the phone step by
//! the code the bot sent by SMS.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::answers::{Action, AnswerPolicy, FlowDef, StepDef};
use crate::client::ChatMessage;

/// One message the person writes for a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ChatReply {
    /// This text.
    Text(String),
    /// The code of the SMS the bot sent when the phone step started, read from the sandbox
    /// inbox.
    SmsCode,
}

/// The messages that answer `step` in the chat, carrying the answers the web demo would give
/// (`policy`, whose optional steps must be answered: the chat cannot skip a step).
///
/// # Errors
/// The policy's (an unknown kind, a missing option...), a skip, or a choice whose option the
/// step does not list.
pub(super) fn replies(
    policy: &AnswerPolicy,
    flow: &FlowDef,
    step: &StepDef,
) -> anyhow::Result<Vec<ChatReply>> {
    let answers = match policy.action(flow, step)? {
        Action::VerifyPhone => return Ok(vec![ChatReply::SmsCode]),
        Action::Skip => bail!("step `{}` cannot be skipped in a chat", step.id),
        Action::Submit(answers) => answers,
    };
    let text = |t: &str| ChatReply::Text(t.to_owned());
    Ok(match step.kind.as_str() {
        "choice" => {
            let option = answers
                .get("choice")
                .and_then(Value::as_str)
                .context("a choice answer without its option")?;
            let n = option_number(step, option)
                .with_context(|| format!("step `{}` does not list option `{option}`", step.id))?;
            vec![ChatReply::Text(n.to_string())]
        }
        "consent" | "review" => vec![text("YES")],
        "form" => step
            .fields
            .iter()
            .map(|f| match answers.get(&f.name) {
                Some(value) => ChatReply::Text(field_text(value)),
                None => text("SKIP"),
            })
            .collect(),
        _ => vec![text("OK")],
    })
}

/// The 1-based number of `option` in `step`'s list, as the bot numbers them.
pub(super) fn option_number(step: &StepDef, option: &str) -> Option<usize> {
    step.options
        .iter()
        .position(|o| o.id == option)
        .map(|i| i + 1)
}

/// A form field's value as typed in the chat: text as is, booleans as yes/no, numbers as
/// written in JSON.
fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// The last run of exactly six ASCII digits in `text`: the code of a link-code or
/// verification message ("Your link code is 123456. ...").
pub(super) fn six_digit_code(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .rfind(|run| run.len() == 6)
        .map(str::to_owned)
}

/// One turn of the transcript, `who: text`, its further lines indented under the first.
pub(super) fn transcript_line(who: &str, text: &str) -> String {
    let indent = format!("\n{}", " ".repeat(who.len() + 2));
    format!("{who}: {}", text.trim_end().replace('\n', &indent))
}

/// One message of the history: sequence, channel, author, status, step, then the text.
pub(super) fn history_line(m: &ChatMessage) -> String {
    let head = format!(
        "  #{:<3} {:<8} {:<4} {:<9} {:<18} ",
        m.seq,
        m.channel,
        m.author,
        m.status,
        m.step.as_deref().unwrap_or("-")
    );
    let indent = format!("\n{}", " ".repeat(head.chars().count()));
    format!("{head}{}", m.text.trim_end().replace('\n', &indent))
}

/// The messages per channel, split by author: `whatsapp 15 (user 7, bot 8), web 4 (user 4,
/// bot 0)`.
pub(super) fn channel_counts(messages: &[ChatMessage]) -> String {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for m in messages {
        let (user, bot) = counts.entry(m.channel.as_str()).or_default();
        match m.author.as_str() {
            "user" => *user += 1,
            _ => *bot += 1,
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(channel, (user, bot))| format!("{channel} {} (user {user}, bot {bot})", user + bot))
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::OptionalSteps;
    use serde_json::json;

    /// The shipped conversational-profile template, as `GET /v1/flows/{id}` shows it.
    fn conversational_profile() -> FlowDef {
        let path = format!(
            "{}/../../spec/flows/conversational-profile.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let source = std::fs::read_to_string(&path).expect("template readable");
        let flow = onramp_domain::flow::Flow::from_toml(&source).expect("template valid");
        FlowDef::from_json(&flow.to_definition_json()).expect("definition readable")
    }

    fn answering() -> AnswerPolicy {
        AnswerPolicy {
            optional: OptionalSteps::Answer,
            ..AnswerPolicy::default()
        }
    }

    fn replies_to(policy: &AnswerPolicy, step: &str) -> Vec<ChatReply> {
        let flow = conversational_profile();
        let step = flow.step(step).expect("step exists");
        replies(policy, &flow, step).expect("replies")
    }

    fn text(t: &str) -> Vec<ChatReply> {
        vec![ChatReply::Text(t.into())]
    }

    #[test]
    fn choices_are_answered_by_the_number_of_the_option_the_policy_picks() {
        let policy = answering();
        assert_eq!(replies_to(&policy, "welcome"), text("1"));
        // The default policy picks self_employed, the second income listed.
        assert_eq!(replies_to(&policy, "income_type"), text("2"));
        let mut file = answering();
        file.choices.insert("goal".into(), "file".into());
        assert_eq!(replies_to(&file, "goal"), text("4"));
    }

    #[test]
    fn consent_and_review_get_yes_and_the_phone_step_its_sms_code() {
        let policy = answering();
        assert_eq!(replies_to(&policy, "consent"), text("YES"));
        assert_eq!(replies_to(&policy, "complete"), text("YES"));
        assert_eq!(replies_to(&policy, "phone"), vec![ChatReply::SmsCode]);
    }

    #[test]
    fn forms_are_answered_field_by_field_and_info_steps_by_ok() {
        let flow = FlowDef::from_json(&json!({
            "id": "f", "version": 1, "title": "F",
            "steps": [
                { "id": "hello", "kind": "info", "title": "Hello" },
                { "id": "org", "kind": "form", "title": "Org", "fields": [
                    { "name": "name", "type": "string", "example": "Acme" },
                    { "name": "seats", "type": "integer", "required": false },
                    { "name": "size", "type": "integer", "example": 12 },
                    { "name": "vat", "type": "boolean", "example": false }
                ]}
            ]
        }))
        .expect("definition");
        let policy = answering();
        let got = replies(&policy, &flow, &flow.steps[0]).expect("replies");
        assert_eq!(got, text("OK"));
        let got = replies(&policy, &flow, &flow.steps[1]).expect("replies");
        let want: Vec<ChatReply> = ["Acme", "SKIP", "12", "no"]
            .into_iter()
            .map(|t| ChatReply::Text(t.into()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_skip_cannot_be_said_in_a_chat() {
        let flow = FlowDef::from_json(&json!({
            "id": "f", "version": 1, "title": "F",
            "steps": [
                { "id": "a", "kind": "info", "title": "A", "required": false },
                { "id": "b", "kind": "info", "title": "B", "required": false }
            ]
        }))
        .expect("definition");
        let alternate = AnswerPolicy::default();
        let err = replies(&alternate, &flow, &flow.steps[1]).expect_err("a skip");
        assert!(err.to_string().contains("cannot be skipped"), "{err}");
    }

    #[test]
    fn option_numbers_count_from_one_in_the_listed_order() {
        let flow = conversational_profile();
        let goal = flow.step("goal").expect("goal");
        assert_eq!(option_number(goal, "learn"), Some(1));
        assert_eq!(option_number(goal, "expert"), Some(5));
        assert_eq!(option_number(goal, "nope"), None);
    }

    #[test]
    fn the_code_is_the_last_run_of_exactly_six_digits() {
        let link = "Your link code is 048213. Type it on the web page to continue there. \
                    It works for 5 minutes; never share it.";
        assert_eq!(six_digit_code(link).as_deref(), Some("048213"));
        assert_eq!(
            six_digit_code("Your code is 123456").as_deref(),
            Some("123456")
        );
        assert_eq!(six_digit_code("call +12025550150 about 1234567"), None);
        assert_eq!(six_digit_code("we are sending you a 6-digit code"), None);
        assert_eq!(
            six_digit_code("111111 then 222222").as_deref(),
            Some("222222")
        );
    }

    #[test]
    fn transcript_lines_indent_their_further_lines() {
        assert_eq!(transcript_line("you", "Hi"), "you: Hi");
        assert_eq!(
            transcript_line("bot", "What?\n1. A\n2. B\n"),
            "bot: What?\n     1. A\n     2. B"
        );
    }

    fn message(seq: u32, channel: &str, author: &str) -> ChatMessage {
        serde_json::from_value(json!({
            "seq": seq, "author": author, "channel": channel, "text": "a\nb",
            "step": null, "provider": null, "provider_ref": null, "status": "received",
            "at": "2025-10-09T08:53:20Z"
        }))
        .expect("a message")
    }

    #[test]
    fn the_history_counts_messages_per_channel_and_author() {
        let messages = [
            message(1, "whatsapp", "user"),
            message(2, "whatsapp", "bot"),
            message(3, "whatsapp", "bot"),
            message(4, "web", "user"),
        ];
        assert_eq!(
            channel_counts(&messages),
            "web 1 (user 1, bot 0), whatsapp 3 (user 1, bot 2)"
        );
        let line = history_line(&messages[0]);
        assert!(
            line.starts_with("  #1   whatsapp user received  -"),
            "{line}"
        );
        let (first, second) = line.split_once('\n').expect("two lines");
        assert!(first.ends_with(" a"), "{first}");
        assert_eq!(second.trim(), "b");
        assert_eq!(second.len(), first.len(), "the text's lines align");
    }
}
