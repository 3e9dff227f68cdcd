//! `onramp demo --channel whatsapp`: a person chats through the first steps of a journey on
//! the sandbox's WhatsApp, asks for a link code, types it on the web and finishes there with
//! an end-user token; then the whole conversation, on both channels, is printed.
//!
//! Requests (tenant API key unless said): `POST /v1/sandbox/whatsapp/inbound` per message
//! (the first, "Hi", starts the server's inbound flow); `GET /v1/sandbox/messages` for the
//! phone step's SMS code; `POST /v1/sessions/{id}/links`, then `GET
//! /v1/sandbox/whatsapp/messages` for the link code and `POST /v1/links/verify` for the
//! token; on the web `GET /v1/me/session` and `POST /v1/me/session/steps/{step_id}` with the
//! end-user token; finally `GET /v1/sessions/{id}/messages`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use onramp_domain::phone::PhoneNumber;

use super::chat::{self, ChatReply};
use super::{DemoArgs, fictional_number, walk_with_bar};
use crate::answers::{AnswerPolicy, FlowDef};
use crate::client::{Client, InboundTurn, IssuedToken, SessionView};
use crate::journey::{self, Answerer};

/// How often the sandbox's WhatsApp inbox is polled for the link code.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// Random numbers tried before giving up on finding one without an open session.
const PHONE_ATTEMPTS: usize = 20;
/// The platform the link code is typed on.
const WEB: &str = "web";

/// Chats through `args.link_after` steps of `flow`, then links to the web and finishes there
/// (or finishes in the chat when the flow ends first). Returns the completed session.
///
/// # Errors
/// A request failing (`SANDBOX_INACTIVE` when the tenant's WhatsApp is not the sandbox); the
/// server's inbound flow not being `flow`; a phone that already has an open session; a step
/// the bot does not accept; no code arriving within the code timeout.
pub(super) async fn run(
    client: &Client,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    args: &DemoArgs,
) -> anyhow::Result<SessionView> {
    let phone = pick_phone(client, args.phone.as_deref()).await?;
    let mut known_sms = journey::inbox_ids(client, &phone).await?;
    println!(
        "Chat      {phone} writes to the sandbox's WhatsApp bot; on to the web after {} answered steps",
        args.link_after
    );
    println!();

    let first = say(client, &phone, "Hi")
        .await
        .context("writing the first WhatsApp message")?;
    let mut session = opened(client, first, flow).await?;
    let mut answered = 0;
    while answered < args.link_after && session.status == "active" {
        let Some(step_id) = session.current_step.clone() else {
            break;
        };
        let step = flow.step(&step_id).with_context(|| {
            format!(
                "the session's current step `{step_id}` is not in flow {}",
                flow.id
            )
        })?;
        for reply in chat::replies(policy, flow, step)? {
            let text = match reply {
                ChatReply::Text(text) => text,
                ChatReply::SmsCode => {
                    let timeout = args.timing.code_timeout;
                    let (sms, code, waited) =
                        journey::wait_for_code(client, &phone, None, &known_sms, timeout).await?;
                    known_sms.insert(sms.id.clone());
                    let line = format!("{} (after {} ms)", sms.body, waited.as_millis());
                    println!("{}", chat::transcript_line(&sms.channel, &line));
                    code
                }
            };
            session = say(client, &phone, &text)
                .await
                .with_context(|| format!("answering step `{}` in the chat", step.id))?
                .session;
        }
        if session.status == "active" && session.current_step.as_deref() == Some(step.id.as_str()) {
            bail!(
                "step `{}` is still current after the chat answered it (the bot's reply is above)",
                step.id
            );
        }
        answered += 1;
        if !args.timing.step_delay.is_zero() {
            tokio::time::sleep(args.timing.step_delay).await;
        }
    }
    if session.status != "active" || session.current_step.is_none() {
        println!();
        println!("The chat reached the end of the flow: no need to move to the web.");
        return journey::finish(client, session).await;
    }

    let token = link_to_web(client, &session, &phone, args.timing.code_timeout).await?;
    let person = client.end_user(&token.token, &token.platform);
    let session = person
        .me_session()
        .await
        .context("reading the session on the web (GET /v1/me/session)")?;
    println!(
        "Web       the person continues at step {} ({}% done)",
        session.current_step.as_deref().unwrap_or("none"),
        session.progress.percent
    );
    println!();
    let answerer = Answerer::Person {
        tenant: client,
        person: &person,
    };
    walk_with_bar(answerer, flow, policy, session, args.timing).await
}

/// `phone` in E.164 as the server files it, unless it has an open session (the bot would
/// carry that one on); or a fresh fictional number without one.
///
/// # Errors
/// A given phone that is not a number or has an open session, no fresh number found, or the
/// request failing.
async fn pick_phone(client: &Client, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(given) = given {
        let phone = PhoneNumber::parse(given, None)
            .with_context(|| format!("invalid --phone {given:?}"))?
            .to_string();
        if let Some(s) = open_session(client, &phone).await? {
            bail!(
                "{phone} already has an open session {} (flow {}, step {}): the bot would carry \
                 it on; give another --phone, or none for a fresh number",
                s.id,
                s.flow_id,
                s.current_step.as_deref().unwrap_or("none")
            );
        }
        return Ok(phone);
    }
    for _ in 0..PHONE_ATTEMPTS {
        let phone = fictional_number();
        if open_session(client, &phone).await?.is_none() {
            return Ok(phone);
        }
    }
    bail!("{PHONE_ATTEMPTS} random numbers all have an open session; give --phone")
}

/// `phone`'s open session (`GET /v1/sessions/find`), if any.
async fn open_session(client: &Client, phone: &str) -> anyhow::Result<Option<SessionView>> {
    client
        .find_session(phone)
        .await
        .with_context(|| format!("looking for an open session of {phone}"))
}

/// Sends `text` from `phone` to the bot and prints the turn.
async fn say(client: &Client, phone: &str, text: &str) -> anyhow::Result<InboundTurn> {
    println!("{}", chat::transcript_line("you", text));
    let turn = client.whatsapp_inbound(phone, text).await?;
    for reply in &turn.replies {
        println!("{}", chat::transcript_line("bot", reply));
    }
    Ok(turn)
}

/// The session the first message opened; one of another flow is abandoned, so that the
/// phone has no open session left.
///
/// # Errors
/// When the message did not start a session, or started another flow than `flow`.
async fn opened(
    client: &Client,
    first: InboundTurn,
    flow: &FlowDef,
) -> anyhow::Result<SessionView> {
    let session = first.session;
    ensure!(
        first.started,
        "the first message did not start a session: {} continued session {}",
        session.phone.as_deref().unwrap_or("the phone"),
        session.id
    );
    if session.flow_id != flow.id {
        let reason = format!("onramp demo walks flow {}", flow.id);
        client
            .abandon(&session.id, Some(&reason))
            .await
            .with_context(|| format!("abandoning session {} of another flow", session.id))?;
        bail!(
            "the server's WhatsApp bot runs flow `{}`, not `{}`: give --flow {} or start the \
             server with ONRAMP_WHATSAPP_INBOUND_FLOW={} (session {} is abandoned)",
            session.flow_id,
            flow.id,
            session.flow_id,
            flow.id,
            session.id
        );
    }
    println!();
    println!(
        "Session   {} started on WhatsApp by this message (flow {} v{})",
        session.id, session.flow_id, session.flow_version
    );
    println!();
    Ok(session)
}

/// Asks for a link code, reads it from the sandbox's WhatsApp inbox as the person would on
/// their phone, and types it on the web: the end-user token it gives.
///
/// # Errors
/// A request failing, no code within `timeout`, or a token for another session.
async fn link_to_web(
    client: &Client,
    session: &SessionView,
    phone: &str,
    timeout: Duration,
) -> anyhow::Result<IssuedToken> {
    let known: HashSet<String> = client
        .sandbox_whatsapp_messages(phone)
        .await
        .context("reading the sandbox's WhatsApp inbox")?
        .into_iter()
        .map(|m| m.key)
        .collect();
    let link = client
        .request_link(&session.id)
        .await
        .context("asking for a link code")?;
    ensure!(
        link.session_id == session.id,
        "the link code was asked for session {}, not {}",
        link.session_id,
        session.id
    );
    println!();
    println!(
        "Link      a code goes to {} on WhatsApp, valid {} s (POST /v1/sessions/{{id}}/links)",
        link.phone, link.expires_in_seconds
    );
    let code = wait_for_link_code(client, phone, &known, timeout).await?;
    let token = client
        .verify_link(phone, &code, WEB)
        .await
        .context("typing the link code on the web")?;
    ensure!(
        token.session_id == session.id,
        "the link code gave a token for session {}, not {}",
        token.session_id,
        session.id
    );
    println!(
        "Web       code {code} typed on the web: token {} for platform {} (idle timeout {} s)",
        token.token_id, token.platform, token.idle_timeout_seconds
    );
    Ok(token)
}

/// Polls `phone`'s sandbox WhatsApp inbox until a message not among `known` carries a
/// six-digit code; prints it and returns the code.
///
/// # Errors
/// No such message within `timeout`, or the request failing.
async fn wait_for_link_code(
    client: &Client,
    phone: &str,
    known: &HashSet<String>,
    timeout: Duration,
) -> anyhow::Result<String> {
    let poller = client.unrecorded();
    let started = Instant::now();
    loop {
        let messages = poller
            .sandbox_whatsapp_messages(phone)
            .await
            .context("reading the sandbox's WhatsApp inbox")?;
        // The newest fresh message with a code: an earlier request's code no longer works.
        let fresh = messages
            .iter()
            .rev()
            .filter(|m| !known.contains(&m.key))
            .find_map(|m| chat::six_digit_code(&m.text).map(|code| (m, code)));
        if let Some((message, code)) = fresh {
            println!("{}", chat::transcript_line("bot", &message.text));
            return Ok(code);
        }
        if started.elapsed() >= timeout {
            bail!(
                "no link code reached {phone} in the sandbox's WhatsApp inbox within {:.1} s",
                timeout.as_secs_f64()
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Prints the session's whole conversation, both channels, with the counts per channel.
///
/// # Errors
/// The request failing.
pub(super) async fn print_history(client: &Client, session: &str) -> anyhow::Result<()> {
    let messages = client
        .session_messages(session)
        .await
        .context("reading the conversation")?;
    println!();
    println!(
        "History   {} messages (GET /v1/sessions/{{id}}/messages): {}",
        messages.len(),
        chat::channel_counts(&messages)
    );
    for m in &messages {
        println!("{}", chat::history_line(m));
    }
    Ok(())
}
