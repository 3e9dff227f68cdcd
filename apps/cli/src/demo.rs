//! `onramp demo`: one whole journey over HTTP, step by step, with a progress bar; then a phone
//! verification whose voice call fails and falls back to SMS with the same code.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use indicatif::{ProgressBar, ProgressStyle};

use crate::answers::{Action, AnswerPolicy, FlowDef, OptionalSteps, StepDef};
use crate::client::{
    Client, Delivery, SandboxMessage, SessionView, StartSession, StartVerification,
    VerificationView,
};
use crate::journey::{self, Observer, Timing, event_types, inbox_ids, wait_for_code};

/// The sandbox's number whose voice calls are never answered (`onramp_sandbox::magic`), so
/// its code falls back to SMS.
pub const VOICE_NEVER_ANSWERED: &str = "+12025550101";

/// Inputs of the demo.
#[derive(Debug, Clone)]
pub struct DemoArgs {
    /// Flow template to walk.
    pub flow: String,
    /// The session's phone; a random fictional number when absent.
    pub phone: Option<String>,
    /// The number whose voice calls are never answered, for the fallback demonstration.
    pub fallback_phone: Option<String>,
    /// Choice overrides, `step -> option`.
    pub choices: Vec<(String, String)>,
    /// What to do with optional steps.
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
    journey::require_sandbox(client).await?;
    let definition = client
        .flow(&args.flow)
        .await
        .with_context(|| format!("fetching flow {}", args.flow))?;
    let flow = FlowDef::from_json(&definition)?;
    let mut policy = AnswerPolicy {
        optional: args.optional,
        ..AnswerPolicy::default()
    };
    policy.choices.extend(args.choices.iter().cloned());
    policy.check_choices(&flow)?;
    let phone = args.phone.clone().unwrap_or_else(fictional_number);
    println!(
        "Flow      {} v{}: {} ({} steps)",
        flow.id,
        flow.version,
        flow.title,
        flow.steps.len()
    );

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

    let bar = progress_bar(&session);
    let mut printer = Printer {
        bar: &bar,
        total: flow.steps.len(),
    };
    let session = journey::walk(client, &flow, &policy, session, args.timing, &mut printer).await;
    bar.finish_and_clear();
    let session = session?;

    if let Some(fallback) = &args.fallback_phone {
        println!();
        voice_fallback_on_a_fresh_number(client, fallback, args.timing.code_timeout)
            .await
            .context("demonstrating the SMS fallback")?;
    }

    let events = event_types(client, &session.id).await?;
    print_summary(&session, &events, started.elapsed());
    Ok(())
}

/// A random number of NANPA's fictional range `+1 202 555 0120`..`0199`, away from the
/// sandbox's magic numbers (`0101` to `0104`, `0110` to `0119`), so repeated demos do not
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

/// Runs [`voice_fallback`] on `phone` or, when that is the sandbox's default voice-failing
/// number and its send quota cannot take a call and a fallback SMS any more (a demo repeated
/// within the hour), on the next number of the sandbox's voice-failing range.
async fn voice_fallback_on_a_fresh_number(
    client: &Client,
    phone: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut candidates = vec![phone.to_string()];
    if phone == onramp_sandbox::magic::VOICE_NEVER_ANSWERED {
        candidates.extend(
            onramp_sandbox::magic::VOICE_NEVER_ANSWERED_RANGE.map(|n| format!("+1202555{n:04}")),
        );
    }
    let last = candidates.len() - 1;
    for (i, candidate) in candidates.iter().enumerate() {
        match voice_fallback(client, candidate, timeout).await {
            Err(e) if i < last && e.downcast_ref::<QuotaSpent>().is_some() => {
                println!(
                    "  {candidate} has no room for a call and a fallback SMS this hour; trying the next voice-failing number"
                );
            }
            other => return other,
        }
    }
    Ok(())
}

/// The phone's send quota cannot take the call and its fallback SMS.
#[derive(Debug, thiserror::Error)]
#[error("the send quota of this phone is spent for this hour")]
struct QuotaSpent;

/// Verifies `phone`, whose voice calls the sandbox never answers: shows the failed call, the
/// SMS fallback with the same code, and checks that code.
async fn voice_fallback(client: &Client, phone: &str, timeout: Duration) -> anyhow::Result<()> {
    println!("Voice failure and SMS fallback: verifying {phone} by voice");
    let known = inbox_ids(client, phone).await?;
    let request = StartVerification {
        phone: phone.to_string(),
        channel: Some("voice".into()),
        session_id: None,
    };
    let verification = match client.start_verification(&request).await {
        Err(e) if e.code() == Some("RATE_LIMITED") => return Err(QuotaSpent.into()),
        other => other.context("starting the verification")?,
    };
    if verification.sends_remaining == 0 {
        // The call took the last send: the fallback SMS would be refused.
        return Err(QuotaSpent.into());
    }
    let (sms, code, waited) =
        wait_for_code(client, phone, &verification.id, &known, timeout).await?;
    // The inbox entry is written before the server records the delivery; wait for the record.
    let view = wait_for_settled_deliveries(client, &verification.id, timeout).await?;
    println!(
        "  deliveries of verification {} to {} (GET /v1/verifications/{{id}}; {} sends left this hour, {} checks left):",
        view.id, view.phone, view.sends_remaining, view.checks_remaining
    );
    for d in &view.deliveries {
        println!("    {}", delivery_line(d));
    }
    let messages = client.unrecorded().sandbox_messages(phone).await?;
    let fresh: Vec<&SandboxMessage> = messages.iter().filter(|m| !known.contains(&m.id)).collect();
    println!("  sandbox inbox of {phone}:");
    for m in &fresh {
        let failure = m
            .failure
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        println!(
            "    {:<5} {:<9} code {}{failure}  {:?}",
            m.channel,
            m.status,
            m.code.as_deref().unwrap_or("-"),
            m.body
        );
    }
    check_fallback(&view.deliveries, &fresh, &code)?;
    println!(
        "  the voice call failed; the SMS fallback delivered the same code {code} after {} ms",
        waited.as_millis()
    );
    ensure!(
        sms.channel == "sms",
        "the code arrived by {}, not by the SMS fallback",
        sms.channel
    );
    let approved = client
        .check(&verification.id, &code)
        .await
        .context("checking the fallback code")?;
    println!("  checked {code}: verification {}", approved.status);
    ensure!(
        approved.status == "approved",
        "the verification is {} after a correct code",
        approved.status
    );
    Ok(())
}

async fn wait_for_settled_deliveries(
    client: &Client,
    id: &str,
    timeout: Duration,
) -> anyhow::Result<VerificationView> {
    let started = Instant::now();
    loop {
        let view = client
            .verification(id)
            .await
            .context("reading the verification")?;
        if view.deliveries.iter().any(|d| d.status == "delivered") || started.elapsed() >= timeout {
            return Ok(view);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn delivery_line(d: &Delivery) -> String {
    let fallback = if d.fallback { "  fallback" } else { "" };
    let reason = d
        .reason
        .as_deref()
        .map(|r| format!("  reason: {r}"))
        .unwrap_or_default();
    format!(
        "#{} {:<5} {:<9} code generation {}  provider {}{fallback}{reason}",
        d.seq,
        d.channel,
        d.status,
        d.generation,
        d.provider.as_deref().unwrap_or("-")
    )
}

/// The deliveries show a failed voice call, then a delivered SMS fallback of the same code
/// generation; and the inbox agrees (when the failed call's entry carries its code).
fn check_fallback(
    deliveries: &[Delivery],
    inbox: &[&SandboxMessage],
    code: &str,
) -> anyhow::Result<()> {
    let voice = deliveries
        .iter()
        .find(|d| d.channel == "voice")
        .context("no voice delivery was attempted")?;
    ensure!(
        voice.status == "failed",
        "the voice delivery is {}, not failed",
        voice.status
    );
    let sms = deliveries
        .iter()
        .find(|d| d.channel == "sms" && d.fallback)
        .context("no SMS fallback delivery was recorded")?;
    ensure!(
        sms.status == "delivered",
        "the SMS fallback is {}, not delivered",
        sms.status
    );
    ensure!(
        sms.generation == voice.generation,
        "the SMS fallback carries code generation {}, the call {}",
        sms.generation,
        voice.generation
    );
    let voice_codes: Vec<&str> = inbox
        .iter()
        .filter(|m| m.channel == "voice")
        .filter_map(|m| m.code.as_deref())
        .collect();
    ensure!(
        voice_codes.iter().all(|c| *c == code),
        "the failed call carried {voice_codes:?}, the SMS {code}"
    );
    Ok(())
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
        ];
        for _ in 0..500 {
            let n = fictional_number();
            assert!(!magic.contains(&n.as_str()), "{n}");
            onramp_domain::phone::PhoneNumber::parse(&n, None).expect("a valid number");
        }
    }
}
