//! The voice-to-SMS fallback of `onramp demo` (web channel): a verification by voice of a
//! number whose calls the sandbox never answers, its SMS fallback with the same code, and that
//! code checked.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};

use crate::client::{Client, Delivery, SandboxMessage, StartVerification, VerificationView};
use crate::journey::{inbox_ids, wait_for_code};

/// Runs [`voice_fallback`] on `phone` or, when that is the sandbox's default voice-failing
/// number and its send quota cannot take a call and a fallback SMS any more (a demo repeated
/// within the hour), on the next number of the sandbox's voice-failing range.
pub(super) async fn voice_fallback_on_a_fresh_number(
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
        wait_for_code(client, phone, Some(&verification.id), &known, timeout).await?;
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
