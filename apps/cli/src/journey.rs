//! One scripted journey through a session, shared by `onramp demo` (which prints each step) and
//! `onramp bench` (which counts them): answer the current step until none is left, verify the
//! phone through the sandbox inbox, complete. The tenant answers ([`walk`]), or the person on
//! the web with an end-user token ([`walk_as`] with [`Answerer::Person`], the second half of
//! `onramp demo --channel whatsapp`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::answers::{Action, AnswerPolicy, FlowDef, StepDef};
use crate::client::{
    ApiError, Client, SandboxMessage, SessionView, StartVerification, VerificationView,
};

/// How often the sandbox inbox is polled for a code.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// How long a journey waits.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Longest wait for a code to reach the sandbox inbox.
    pub code_timeout: Duration,
    /// Pause after each step (zero for benchmarks; a few hundred ms make a demo watchable).
    pub step_delay: Duration,
}

/// Hooks a journey calls as it goes.
pub trait Observer {
    /// `step` is the session's current step and is about to get `action`.
    fn step_started(&mut self, _step: &StepDef, _action: &Action, _view: &SessionView) {}
    /// A code for a phone verification arrived after `waited`.
    fn code_received(
        &mut self,
        _message: &SandboxMessage,
        _verification: &VerificationView,
        _waited: Duration,
    ) {
    }
    /// `step` is done (answered, skipped or verified); `view` is the session after it.
    fn step_done(&mut self, _step: &StepDef, _action: &Action, _view: &SessionView) {}
}

/// Who answers a journey's steps.
#[derive(Clone, Copy)]
pub enum Answerer<'a> {
    /// The tenant, with its API key: `POST /v1/sessions/{id}/steps/{step_id}[/skip]`.
    Tenant(&'a Client),
    /// The person, with an end-user token (`person`, see [`Client::end_user`]):
    /// `POST /v1/me/session/steps/{step_id}`. The tenant's client verifies the phone
    /// (`/v1/verifications`) and completes the session, which an end user cannot do; there is
    /// no end-user route to skip a step.
    Person {
        /// The tenant's client.
        tenant: &'a Client,
        /// The end user's client.
        person: &'a Client,
    },
}

impl Answerer<'_> {
    /// The tenant's client.
    fn tenant(&self) -> &Client {
        match self {
            Self::Tenant(client) | Self::Person { tenant: client, .. } => client,
        }
    }

    async fn submit(
        &self,
        session: &str,
        step: &str,
        answers: &Value,
    ) -> Result<SessionView, ApiError> {
        match self {
            Self::Tenant(client) => client.submit_step(session, step, answers).await,
            Self::Person { person, .. } => person.me_submit_step(step, answers).await,
        }
    }

    async fn skip(&self, session: &str, step: &str) -> anyhow::Result<SessionView> {
        match self {
            Self::Tenant(client) => Ok(client.skip_step(session, step).await?),
            Self::Person { .. } => {
                bail!("an end user cannot skip step `{step}`: answer optional steps instead")
            }
        }
    }
}

/// Answers the current step of `session` as the tenant until there is none left, then
/// completes the session if it did not complete by itself. Returns the final view.
///
/// # Errors
/// As [`walk_as`].
pub async fn walk(
    client: &Client,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    session: SessionView,
    timing: Timing,
    observer: &mut impl Observer,
) -> anyhow::Result<SessionView> {
    walk_as(
        Answerer::Tenant(client),
        flow,
        policy,
        session,
        timing,
        observer,
    )
    .await
}

/// Answers the current step of `session` as `answerer` until there is none left, then
/// completes the session if it did not complete by itself ([`finish`]). Returns the final
/// view.
///
/// # Errors
/// Any request failing, a step the definition lacks, a step that stays current after it was
/// answered, a skip by an end user, or no code arriving within `timing.code_timeout`.
pub async fn walk_as(
    answerer: Answerer<'_>,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    mut session: SessionView,
    timing: Timing,
    observer: &mut impl Observer,
) -> anyhow::Result<SessionView> {
    let client = answerer.tenant();
    // Every step is answered at most once, plus a margin for steps a condition brings back.
    let max_rounds = flow.steps.len() * 2 + 2;
    for _ in 0..max_rounds {
        if session.status != "active" {
            break;
        }
        let Some(step_id) = session.current_step.clone() else {
            break;
        };
        let step = flow.step(&step_id).with_context(|| {
            format!(
                "the session's current step `{step_id}` is not in flow {}",
                flow.id
            )
        })?;
        let action = policy.action(flow, step)?;
        observer.step_started(step, &action, &session);
        let after = match &action {
            Action::Submit(answers) => answerer
                .submit(&session.id, &step.id, answers)
                .await
                .with_context(|| format!("answering step `{}`", step.id))?,
            Action::Skip => answerer
                .skip(&session.id, &step.id)
                .await
                .with_context(|| format!("skipping step `{}`", step.id))?,
            Action::VerifyPhone => {
                verify_session_phone(client, &session, step, timing.code_timeout, observer)
                    .await
                    .with_context(|| format!("verifying the phone for step `{}`", step.id))?
            }
        };
        if after.current_step.as_deref() == Some(step.id.as_str()) && after.status == "active" {
            bail!(
                "step `{}` is still current after it was {}",
                step.id,
                past_tense(&action)
            );
        }
        observer.step_done(step, &action, &after);
        session = after;
        if !timing.step_delay.is_zero() {
            tokio::time::sleep(timing.step_delay).await;
        }
    }
    finish(client, session).await
}

/// Completes `session` (as the tenant) when no step is left but it did not complete by
/// itself; returns the final view.
///
/// # Errors
/// The request failing, or the session ending otherwise than completed (a step left, or
/// abandoned, expired...).
pub async fn finish(client: &Client, mut session: SessionView) -> anyhow::Result<SessionView> {
    if session.status == "active" && session.current_step.is_none() {
        session = client
            .complete(&session.id)
            .await
            .context("completing the session")?;
    }
    ensure!(
        session.status == "completed",
        "the session ended {} instead of completed (current step: {})",
        session.status,
        session.current_step.as_deref().unwrap_or("none")
    );
    Ok(session)
}

fn past_tense(action: &Action) -> &'static str {
    match action {
        Action::Submit(_) => "answered",
        Action::Skip => "skipped",
        Action::VerifyPhone => "verified",
    }
}

/// Verifies the session's phone for its current `step`: starts a verification tied to the
/// session, reads the code from the sandbox inbox, checks it, and confirms the session moved
/// past the step.
async fn verify_session_phone(
    client: &Client,
    session: &SessionView,
    step: &StepDef,
    code_timeout: Duration,
    observer: &mut impl Observer,
) -> anyhow::Result<SessionView> {
    let phone = session
        .phone
        .clone()
        .context("the session has no phone to verify; start it with --phone")?;
    let known = inbox_ids(client, &phone).await?;
    let request = StartVerification {
        phone: phone.clone(),
        channel: None,
        session_id: Some(session.id.clone()),
    };
    let verification = client
        .start_verification(&request)
        .await
        .context("starting the verification")?;
    let (message, code, waited) =
        wait_for_code(client, &phone, Some(&verification.id), &known, code_timeout).await?;
    observer.code_received(&message, &verification, waited);
    let approved = client
        .check(&verification.id, &code)
        .await
        .context("checking the code")?;
    ensure!(
        approved.status == "approved",
        "the verification is {} after a correct code",
        approved.status
    );
    let after = client.session(&session.id).await?;
    match after.step_status(&step.id) {
        Some("completed") => Ok(after),
        other => bail!(
            "the verification was approved but step `{}` is {} (current step: {})",
            step.id,
            other.unwrap_or("missing"),
            after.current_step.as_deref().unwrap_or("none")
        ),
    }
}

/// The ids of the messages already in `phone`'s sandbox inbox (not recorded as latency).
///
/// # Errors
/// The inbox request failing.
pub async fn inbox_ids(client: &Client, phone: &str) -> anyhow::Result<HashSet<String>> {
    let messages = client
        .unrecorded()
        .sandbox_messages(phone)
        .await
        .context("reading the sandbox inbox")?;
    Ok(messages.iter().map(|m| m.id.clone()).collect())
}

/// Polls `phone`'s sandbox inbox every 50 ms until a delivered message with a code appears that
/// is not among `known`; returns it, its code and how long it took. Every fifth poll also reads
/// `verification` when its id is known, to stop early when every delivery failed and no
/// fallback is on its way (a verification the WhatsApp bot started has no id the CLI sees).
/// Polling is never recorded as endpoint latency: the wait is the outbox worker's, not a
/// request's.
///
/// # Errors
/// No such message within `timeout`, every delivery failed, or a request failing.
pub async fn wait_for_code(
    client: &Client,
    phone: &str,
    verification: Option<&str>,
    known: &HashSet<String>,
    timeout: Duration,
) -> anyhow::Result<(SandboxMessage, String, Duration)> {
    let poller = client.unrecorded();
    let started = Instant::now();
    for poll in 1_u64.. {
        let messages = poller
            .sandbox_messages(phone)
            .await
            .context("reading the sandbox inbox")?;
        let fresh = messages
            .into_iter()
            .find_map(|m| match (&m.code, m.status.as_str()) {
                (Some(code), "delivered") if !known.contains(&m.id) => Some((code.clone(), m)),
                _ => None,
            });
        if let Some((code, message)) = fresh {
            return Ok((message, code, started.elapsed()));
        }
        if let Some(verification) = verification.filter(|_| poll % 5 == 0) {
            let view = poller
                .verification(verification)
                .await
                .context("reading the verification")?;
            if !view.deliveries.is_empty() && view.deliveries.iter().all(|d| d.status == "failed") {
                let attempts: Vec<String> = view
                    .deliveries
                    .iter()
                    .map(|d| {
                        format!(
                            "{} {} ({})",
                            d.channel,
                            d.status,
                            d.reason.as_deref().unwrap_or("no reason")
                        )
                    })
                    .collect();
                let quota = if view.sends_remaining == 0 {
                    "; no send is left for this phone this hour"
                } else {
                    ""
                };
                bail!(
                    "every delivery to {phone} failed and none is queued: {}{quota}",
                    attempts.join(", ")
                );
            }
        }
        if started.elapsed() >= timeout {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    bail!(
        "no code reached {phone} in the sandbox inbox within {:.1} s",
        timeout.as_secs_f64()
    )
}

/// The types of every event of the session's audit trail, in order, page by page.
///
/// # Errors
/// A request failing.
pub async fn event_types(client: &Client, session: &str) -> anyhow::Result<Vec<String>> {
    const PAGE: u32 = 500;
    let mut after = 0;
    let mut types = Vec::new();
    loop {
        let page = client
            .events(session, after, PAGE)
            .await
            .context("reading the audit trail")?;
        let full = page.data.len() == PAGE as usize;
        after = page.data.last().map_or(after, |e| e.version);
        types.extend(page.data.into_iter().map(|e| e.event_type));
        if !full {
            return Ok(types);
        }
    }
}

/// An action for display; a choice shows its option's label.
pub fn shown_action(step: &StepDef, action: &Action) -> String {
    match action {
        Action::Submit(value) => match value.get("choice").and_then(Value::as_str) {
            Some(choice) => {
                let label = step
                    .options
                    .iter()
                    .find(|o| o.id == choice)
                    .map_or("", |o| o.label.as_str());
                format!("{{\"choice\": \"{choice}\"}} ({label})")
            }
            None => value.to_string(),
        },
        Action::Skip => "skipped".into(),
        Action::VerifyPhone => "verification".into(),
    }
}
