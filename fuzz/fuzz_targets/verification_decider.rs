//! Several verifications of one phone and its send quota, driven by arbitrary commands at
//! arbitrary, possibly lagging, times, the way the application service drives them (allowance
//! from the quota, decide, one quota reservation per send): `decide` never panics, the phone
//! never gets more than 5 sends in a rolling hour (P-OTP-1), and a code is approved only when it
//! is the current one, in time and before the lock (P-OTP-2).
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::decider::Decider;
use onramp_domain::ids::VerificationId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::verification::{
    Channel, CodeHash, DeliveryOutcome, QuotaCommand, QuotaDecider, QuotaState, SendAllowance,
    VerificationCommand, VerificationDecider, VerificationEvent, VerificationState,
    VerificationStatus,
};
use time::{Duration, OffsetDateTime};

static PHONE: LazyLock<PhoneNumber> =
    LazyLock::new(|| PhoneNumber::parse("+442079460018", None).expect("a valid number"));

#[derive(Debug, Arbitrary)]
enum Act {
    Start {
        channel: Option<bool>,
        code: u8,
    },
    Resend {
        v: u8,
        channel: Option<bool>,
        code: u8,
    },
    Deliver {
        v: u8,
        delivery: Option<u8>,
        failed: bool,
    },
    Check {
        v: u8,
        code: u8,
    },
    Expire {
        v: u8,
    },
}

#[derive(Debug, Arbitrary)]
struct Step {
    /// Seconds the clock moves (modulo 2 hours).
    advance: u16,
    /// Seconds the command's time lags the clock (modulo 61).
    lag: u8,
    act: Act,
}

#[derive(Default)]
struct Model {
    state: VerificationState,
    /// The code of the latest new send, and when it stops being valid (sent at + 300 s).
    code: Option<(u8, OffsetDateTime)>,
    wrong_checks: u32,
}

fn channel(c: Option<bool>) -> Option<Channel> {
    c.map(|voice| if voice { Channel::Voice } else { Channel::Sms })
}

fn hash(code: u8) -> CodeHash {
    CodeHash([code % 4; 32])
}

fuzz_target!(|steps: Vec<Step>| {
    let decider = VerificationDecider::default();
    let quota_decider = QuotaDecider::default();
    let mut quota = QuotaState::default();
    let mut verifications: Vec<Model> = Vec::new();
    let mut sends: Vec<OffsetDateTime> = Vec::new();
    let t0 = time::macros::datetime!(2026-03-02 09:00 UTC);
    let mut clock = 0i64;
    for step in steps.iter().take(300) {
        clock += i64::from(step.advance % 7_200);
        let at = t0 + Duration::seconds(clock - i64::from(step.lag % 61));
        let allowance = match quota_decider.decide(&quota, &QuotaCommand::Reserve { at }) {
            Ok(_) => SendAllowance::Allowed,
            Err(e) => SendAllowance::Exhausted {
                retry_after_seconds: e.retry_after_seconds,
            },
        };
        let n = verifications.len();
        let pick = |v: u8| (n > 0).then(|| usize::from(v) % n);
        let (target, command, code) = match &step.act {
            Act::Start { channel: c, code } => (
                None,
                VerificationCommand::Start {
                    id: VerificationId::new(uuid::Uuid::from_u128(n as u128 + 1)),
                    phone: PHONE.clone(),
                    session_id: None,
                    channel: channel(*c),
                    code_hash: hash(*code),
                    quota: allowance,
                    at,
                },
                Some(code % 4),
            ),
            Act::Resend {
                v,
                channel: c,
                code,
            } => {
                let Some(t) = pick(*v) else { continue };
                let command = VerificationCommand::Resend {
                    channel: channel(*c),
                    code_hash: hash(*code),
                    quota: allowance,
                    at,
                };
                (Some(t), command, Some(code % 4))
            }
            Act::Deliver {
                v,
                delivery,
                failed,
            } => {
                let Some(t) = pick(*v) else { continue };
                let deliveries = &verifications[t].state.deliveries;
                let seq = match delivery {
                    None => deliveries.last().map_or(1, |d| d.seq),
                    Some(i) => u32::from(*i),
                };
                let outcome = if *failed {
                    DeliveryOutcome::Failed {
                        provider: "telnyx".into(),
                        reason: "call_not_answered".into(),
                    }
                } else {
                    DeliveryOutcome::Delivered {
                        provider: "telnyx".into(),
                    }
                };
                (
                    Some(t),
                    VerificationCommand::RecordDelivery {
                        seq,
                        outcome,
                        quota: allowance,
                        at,
                    },
                    None,
                )
            }
            Act::Check { v, code } => {
                let Some(t) = pick(*v) else { continue };
                (
                    Some(t),
                    VerificationCommand::Check {
                        code_hash: hash(*code),
                        at,
                    },
                    Some(code % 4),
                )
            }
            Act::Expire { v } => {
                let Some(t) = pick(*v) else { continue };
                (Some(t), VerificationCommand::Expire { at }, None)
            }
        };
        let empty = Model::default();
        let before = target.map_or(&empty, |t| &verifications[t]);
        let Ok(events) = decider.decide(&before.state, &command) else {
            continue;
        };
        if matches!(allowance, SendAllowance::Exhausted { .. }) {
            assert!(
                !events
                    .iter()
                    .any(|e| matches!(e, VerificationEvent::CodeSent { .. })),
                "a send was decided against an exhausted quota: {events:?}"
            );
        }
        if events
            .iter()
            .any(|e| matches!(e, VerificationEvent::Approved { .. }))
        {
            let (current, expires_at) = before.code.expect("a code was sent");
            assert_eq!(code, Some(current), "a wrong code was approved");
            assert!(
                at < expires_at,
                "a code was approved at {at}, after its expiry {expires_at}"
            );
            assert!(
                before.wrong_checks < 5,
                "a code was approved after {} wrong checks",
                before.wrong_checks
            );
            assert_eq!(before.state.status, VerificationStatus::Pending);
        }
        // Reserve one quota send per CodeSent, in one commit with the decision.
        let mut reserved = quota.clone();
        let mut sent = Vec::new();
        let mut refused = false;
        for e in &events {
            let VerificationEvent::CodeSent { at, .. } = e else {
                continue;
            };
            match quota_decider.decide(&reserved, &QuotaCommand::Reserve { at: *at }) {
                Ok(q) => reserved = q.iter().fold(reserved, |s, e| quota_decider.evolve(s, e)),
                Err(_) => refused = true,
            }
            sent.push(*at);
        }
        if refused {
            continue;
        }
        quota = reserved;
        sends.extend(sent);
        let t = target.unwrap_or_else(|| {
            verifications.push(Model::default());
            n
        });
        let model = &mut verifications[t];
        for e in &events {
            model.state = decider.evolve(std::mem::take(&mut model.state), e);
            match e {
                VerificationEvent::CodeSent {
                    code_hash: Some(_),
                    at,
                    ..
                } => {
                    model.code = code.map(|c| (c, *at + Duration::seconds(300)));
                }
                VerificationEvent::CheckFailed { .. } => model.wrong_checks += 1,
                _ => {}
            }
        }
        assert!(model.wrong_checks <= 5);
    }
    for t in &sends {
        let in_hour = sends
            .iter()
            .filter(|s| **s > *t - Duration::hours(1) && **s <= *t)
            .count();
        assert!(
            in_hour <= 5,
            "{in_hour} sends in the hour ending {t}: {sends:?}"
        );
    }
});
