//! `onramp demo`: one whole journey over HTTP, step by step, with a progress bar; then a phone
//! verification whose voice call fails and falls back to SMS with the same code
//! (`demo/fallback.rs`). With `--channel whatsapp`, the journey starts as a chat on the
//! sandbox's WhatsApp and finishes on the web (`demo/whatsapp.rs`).

mod chat;
mod fallback;
mod whatsapp;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::answers::{Action, AnswerPolicy, FlowDef, OptionalSteps, StepDef};
use crate::client::{Client, SandboxMessage, SessionView, StartSession, VerificationView};
use crate::journey::{self, Observer, Timing, event_types};

/// The sandbox's number whose voice calls are never answered (`onramp_sandbox::magic`), so
/// its code falls back to SMS.
pub const VOICE_NEVER_ANSWERED: &str = "+12025550101";

/// Where the demo's person answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoChannel {
    /// Every step over the tenant's session routes, as a web page's backend would.
    Web,
    /// A chat on the sandbox's WhatsApp, then a link code to the web, where the person
    /// finishes with an end-user token.
    #[value(name = "whatsapp")]
    WhatsApp,
}

/// Inputs of the demo.
#[derive(Debug, Clone)]
pub struct DemoArgs {
    /// Flow template to walk.
    pub flow: String,
    /// Where the person answers.
    pub channel: DemoChannel,
    /// `whatsapp` only: steps answered in the chat before moving to the web.
    pub link_after: usize,
    /// The session's phone; a random fictional number when absent.
    pub phone: Option<String>,
    /// The number whose voice calls are never answered, for the fallback demonstration (web
    /// channel only).
    pub fallback_phone: Option<String>,
    /// Choice overrides, `step -> option`.
    pub choices: Vec<(String, String)>,
    /// What to do with optional steps (web channel; on WhatsApp they are answered).
    pub optional: OptionalSteps,
    /// How long to wait for a code, and between steps.
    pub timing: Timing,
}

/// Runs the demo.
///
/// # Errors
/// Any request failing (with the problem's code and detail), or the server not behaving as the
/// journey expects.
pub async fn run(client: &Client, args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    crate::sandbox::require_sandbox(client).await?;
    let definition = client
        .flow(&args.flow)
        .await
        .with_context(|| format!("fetching flow {}", args.flow))?;
    let flow = FlowDef::from_json(&definition)?;
    let optional = match args.channel {
        DemoChannel::Web => args.optional,
        // Neither the chat nor the end-user routes can skip a step.
        DemoChannel::WhatsApp => OptionalSteps::Answer,
    };
    let mut policy = AnswerPolicy {
        optional,
        ..AnswerPolicy::default()
    };
    policy.choices.extend(args.choices.iter().cloned());
    policy.check_choices(&flow)?;
    println!(
        "Flow      {} v{}: {} ({} steps)",
        flow.id,
        flow.version,
        flow.title,
        flow.steps.len()
    );

    let session = match args.channel {
        DemoChannel::Web => on_the_web(client, &flow, &policy, &args).await?,
        DemoChannel::WhatsApp => whatsapp::run(client, &flow, &policy, &args).await?,
    };
    let events = event_types(client, &session.id).await?;
    print_summary(&session, &events, started.elapsed());
    if args.channel == DemoChannel::WhatsApp {
        whatsapp::print_history(client, &session.id).await?;
    }
    Ok(())
}

/// The web channel: a session started by the tenant and walked over its routes, then the
/// voice-to-SMS fallback unless `--no-fallback`.
async fn on_the_web(
    client: &Client,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    args: &DemoArgs,
) -> anyhow::Result<SessionView> {
    let phone = args.phone.clone().unwrap_or_else(fictional_number);
    let request = StartSession {
        flow_id: flow.id.clone(),
        channel: "web".into(),
        phone: Some(phone.clone()),
        external_ref: None,
    };
    let session = client
        .start_session(&request)
        .await
        .context("starting the session")?;
    println!("Session   {} (channel web, phone {phone})", session.id);
    let next = &session.progress.next_action;
    println!("Next      {}: {}", next.kind, next.message);
    println!();

    let session = walk_with_bar(
        journey::Answerer::Tenant(client),
        flow,
        policy,
        session,
        args.timing,
    )
    .await?;

    if let Some(fallback) = &args.fallback_phone {
        println!();
        fallback::voice_fallback_on_a_fresh_number(client, fallback, args.timing.code_timeout)
            .await
            .context("demonstrating the SMS fallback")?;
    }
    Ok(session)
}

/// [`journey::walk_as`] with a progress bar, each step printed above it.
async fn walk_with_bar(
    answerer: journey::Answerer<'_>,
    flow: &FlowDef,
    policy: &AnswerPolicy,
    session: SessionView,
    timing: Timing,
) -> anyhow::Result<SessionView> {
    let bar = progress_bar(&session);
    let mut printer = Printer {
        bar: &bar,
        total: flow.steps.len(),
    };
    let session = journey::walk_as(answerer, flow, policy, session, timing, &mut printer).await;
    bar.finish_and_clear();
    session
}

/// A random number of NANPA's fictional range `+1 202 555 0120`..`0199`, away from the
/// sandbox's magic numbers (`0101` to `0105`, `0110` to `0119`), so repeated demos do not
/// exhaust one number's 5 sends per hour. (Ofcom's drama range +44 7700 900xxx is refused by
/// libphonenumber.)
fn fictional_number() -> String {
    let n = 120 + uuid::Uuid::new_v4().as_u128() % 80;
    format!("+1202555{n:04}")
}

fn progress_bar(session: &SessionView) -> ProgressBar {
    let bar = ProgressBar::new(100);
    let style = ProgressStyle::with_template("  [{bar:32.green/white}] {pos:>3}%  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    update_bar(&bar, session);
    bar
}

fn update_bar(bar: &ProgressBar, session: &SessionView) {
    bar.set_position(u64::from(session.progress.percent));
    bar.set_message(format!(
        "~{} remaining",
        duration_text(session.progress.estimated_seconds_remaining)
    ));
}

/// `95` -> `1m 35s`; `20` -> `20s`.
pub fn duration_text(seconds: u64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m {s:02}s"),
    }
}

/// Prints each step above the progress bar.
struct Printer<'a> {
    bar: &'a ProgressBar,
    total: usize,
}

impl Observer for Printer<'_> {
    fn step_started(&mut self, step: &StepDef, action: &Action, view: &SessionView) {
        let position = view
            .steps
            .iter()
            .position(|s| s.id == step.id)
            .map_or(0, |i| i + 1);
        let optional = if step.required { "" } else { ", optional" };
        let line = format!(
            "[{position}/{}] {} ({}{optional})",
            self.total, step.title, step.kind
        );
        let what = match action {
            Action::Skip => "skip".to_string(),
            Action::VerifyPhone => format!("verify {}", view.phone.as_deref().unwrap_or("?")),
            Action::Submit(_) => format!("answer {}", journey::shown_action(step, action)),
        };
        self.bar.suspend(|| println!("{line}\n      -> {what}"));
    }

    fn code_received(
        &mut self,
        message: &SandboxMessage,
        verification: &VerificationView,
        waited: Duration,
    ) {
        self.bar.suspend(|| {
            println!(
                "      code {} by {} after {} ms (verification {})",
                message.code.as_deref().unwrap_or("?"),
                message.channel,
                waited.as_millis(),
                verification.id
            );
        });
    }

    fn step_done(&mut self, step: &StepDef, _action: &Action, view: &SessionView) {
        update_bar(self.bar, view);
        let status = view.step_status(&step.id).unwrap_or("?");
        let p = &view.progress;
        self.bar.suspend(|| {
            println!(
                "      {status}: progress {}% ({}/{} required), ~{} remaining",
                p.percent,
                p.completed,
                p.total,
                duration_text(p.estimated_seconds_remaining)
            );
        });
    }
}

fn print_summary(session: &SessionView, events: &[String], took: Duration) {
    let p = &session.progress;
    let steps: BTreeMap<&str, usize> = session.steps.iter().fold(BTreeMap::new(), |mut acc, s| {
        *acc.entry(s.status.as_str()).or_default() += 1;
        acc
    });
    let steps: Vec<String> = steps
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    println!();
    println!(
        "Session   {} {} (flow {} v{})",
        session.id, session.status, session.flow_id, session.flow_version
    );
    println!(
        "  progress     {}% ({}/{} required steps)",
        p.percent, p.completed, p.total
    );
    println!("  steps        {}", steps.join(", "));
    println!(
        "  phone        {} (verified: {})",
        session.phone.as_deref().unwrap_or("-"),
        session.phone_verified
    );
    match &session.capability {
        Some(c) => println!("  capability   {} (score {})", c.level, c.score),
        None => println!("  capability   none (this flow has no capability rule)"),
    }
    let by_type = events
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut acc, t| {
            *acc.entry(t.as_str()).or_default() += 1;
            acc
        });
    let by_type: Vec<String> = by_type.iter().map(|(t, n)| format!("{t} x{n}")).collect();
    println!(
        "  audit trail  {} events ({})",
        events.len(),
        by_type.join(", ")
    );
    println!("  took         {:.2} s", took.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration_text(0), "0s");
        assert_eq!(duration_text(20), "20s");
        assert_eq!(duration_text(60), "1m");
        assert_eq!(duration_text(95), "1m 35s");
    }

    #[test]
    fn the_default_fallback_number_is_the_sandbox_one_whose_calls_fail() {
        assert_eq!(
            VOICE_NEVER_ANSWERED,
            onramp_sandbox::magic::VOICE_NEVER_ANSWERED
        );
    }

    #[test]
    fn fictional_numbers_avoid_the_magic_ones_and_parse() {
        use onramp_sandbox::magic;
        let magic = [
            magic::VOICE_NEVER_ANSWERED,
            magic::SMS_ALWAYS_FAILS,
            magic::UNDELIVERABLE,
            magic::PROVIDER_UNAVAILABLE,
            magic::WHATSAPP_NOT_JOINED,
        ];
        for _ in 0..500 {
            let n = fictional_number();
            assert!(!magic.contains(&n.as_str()), "{n}");
            assert!(!magic::voice_never_answered(&n), "{n}");
            onramp_domain::phone::PhoneNumber::parse(&n, None).expect("a valid number");
        }
    }
}
