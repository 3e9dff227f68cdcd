//! Phone verification: a pure model of the application service.

use super::*;

/// The code hash of code number `n` (codes are generated outside the decider; a few distinct
/// ones are enough to have right and wrong checks).
pub fn code(n: u8) -> CodeHash {
    CodeHash([n; 32])
}

/// The spec's time to live of a code (MISSION.md B: 300 s), kept apart from the policy.
pub const TTL_SECONDS: i64 = 300;
/// The spec's wrong checks before the lock.
pub const MAX_FAILED_CHECKS: u32 = 5;
/// The spec's limit of sends per phone per rolling hour (MISSION.md A).
pub const MAX_SENDS_PER_HOUR: usize = 5;

/// A verification command before it is tied to a verification, a time and an allowance.
#[derive(Debug, Clone)]
pub enum OtpAct {
    /// Start a new verification of the phone, sending code `code`.
    Start {
        /// Requested first channel.
        channel: Option<Channel>,
        /// Which code.
        code: u8,
    },
    /// Resend on verification `v` (index modulo the ones started).
    Resend {
        /// Which verification.
        v: usize,
        /// Requested channel.
        channel: Option<Channel>,
        /// The new code.
        code: u8,
    },
    /// A provider answers for one delivery of verification `v`.
    Deliver {
        /// Which verification.
        v: usize,
        /// Which delivery (index modulo the deliveries), or the latest.
        delivery: Option<usize>,
        /// Failed (or delivered).
        failed: bool,
    },
    /// The user types code `code` for verification `v`.
    Check {
        /// Which verification.
        v: usize,
        /// Which code.
        code: u8,
    },
    /// The expiry timer of verification `v` fires.
    Expire {
        /// Which verification.
        v: usize,
    },
}

/// One command of the clock-driven scenario: the clock moves `advance` seconds forward, and
/// the command is stamped `jitter` seconds before the clock (a replica whose clock lags).
#[derive(Debug, Clone)]
pub struct OtpStep {
    /// Seconds the clock moves.
    pub advance: i64,
    /// Seconds the command's time lags behind the clock (0..=60).
    pub jitter: i64,
    /// The command.
    pub act: OtpAct,
}

fn channel() -> impl Strategy<Value = Option<Channel>> {
    prop_oneof![2 => Just(None), 1 => Just(Some(Channel::Voice)), 1 => Just(Some(Channel::Sms))]
}

/// Any verification act; codes 0..3, so about a third of checks are right.
pub fn otp_act() -> impl Strategy<Value = OtpAct> {
    let v = 0usize..4;
    prop_oneof![
        3 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        3 => (v.clone(), channel(), 0u8..3).prop_map(|(v, channel, code)| OtpAct::Resend { v, channel, code }),
        4 => (v.clone(), prop_oneof![3 => Just(None), 1 => (0usize..4).prop_map(Some)], prop::bool::weighted(0.7))
            .prop_map(|(v, delivery, failed)| OtpAct::Deliver { v, delivery, failed }),
        4 => (v.clone(), 0u8..3).prop_map(|(v, code)| OtpAct::Check { v, code }),
        1 => v.prop_map(|v| OtpAct::Expire { v }),
    ]
}

/// Clock moves for the verification scenarios: mostly seconds to minutes, sometimes close to
/// the rolling hour, and the TTL and cooldown boundaries.
pub fn otp_advance() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..90,
        2 => prop::sample::select(vec![0i64, 1, 29, 30, 31, 299, 300]),
        2 => 0i64..900,
        1 => 3_500i64..3_700,
    ]
}

/// A scenario of `len` steps; `jitter` says whether command times may lag the clock.
pub fn otp_steps(len: std::ops::Range<usize>, jitter: bool) -> impl Strategy<Value = Vec<OtpStep>> {
    let lag = if jitter { 0i64..=60 } else { 0i64..=0 };
    prop::collection::vec(
        (otp_advance(), lag, otp_act()).prop_map(|(advance, jitter, act)| OtpStep {
            advance,
            jitter,
            act,
        }),
        len,
    )
}

/// A scenario that crowds sends around the edges of the rolling hour: the clock moves by a
/// few seconds or by about an hour, most commands send a code, and command times lag the clock
/// by up to a minute. This is where a quota that forgets sends too early lets a sixth through.
pub fn otp_steps_around_the_hour(
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<OtpStep>> {
    let advance = prop_oneof![4 => 0i64..20, 1 => 3_560i64..3_660];
    let act = prop_oneof![
        4 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        1 => otp_act(),
    ];
    prop::collection::vec(
        (advance, 0i64..=60, act).prop_map(|(advance, jitter, act)| OtpStep {
            advance,
            jitter,
            act,
        }),
        len,
    )
}

/// A scenario of checks, mostly on one verification, at exact clock times: wrong codes pile up
/// towards the lock, and checks land on the TTL boundary (300 s after a send).
pub fn otp_steps_check_heavy(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<OtpStep>> {
    let advance = prop_oneof![
        6 => 0i64..20,
        1 => prop::sample::select(vec![299i64, 300, 301]),
    ];
    let act = prop_oneof![
        1 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        8 => (0usize..2, 0u8..3).prop_map(|(v, code)| OtpAct::Check { v, code }),
        1 => (0usize..2, channel(), 0u8..3).prop_map(|(v, channel, code)| OtpAct::Resend { v, channel, code }),
        1 => (0usize..2).prop_map(|v| OtpAct::Expire { v }),
    ];
    prop::collection::vec(
        (advance, act).prop_map(|(advance, act)| OtpStep {
            advance,
            jitter: 0,
            act,
        }),
        len,
    )
}

/// One verification as the model sees it: the decider's state, its events, and what the model
/// knows independently of the decider (the code last sent, when it stops being valid, the wrong
/// checks the decider accepted).
#[derive(Debug, Clone, Default)]
pub struct ModelVerification {
    /// Folded state.
    pub state: VerificationState,
    /// Recorded events.
    pub events: Vec<VerificationEvent>,
    /// The code number of the latest new code sent.
    pub code: Option<u8>,
    /// When that code was sent plus the spec's 300 s.
    pub code_expires_at: Option<OffsetDateTime>,
    /// Checks with a code other than `code` that the decider recorded.
    pub wrong_checks: u32,
}

/// One decision taken in the model.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Index of the verification (for a start: the one it created, if it succeeded).
    pub target: Option<usize>,
    /// The verification before the decision (default for a start).
    pub before: ModelVerification,
    /// The allowance handed to the decider.
    pub allowance: SendAllowance,
    /// The command decided.
    pub command: VerificationCommand,
    /// What the decider answered.
    pub decided: Result<Vec<VerificationEvent>, VerificationError>,
    /// What was recorded (the decision, unless a quota reservation refused it).
    pub recorded: Result<Vec<VerificationEvent>, VerificationError>,
}

/// Several verifications of one phone sharing one per-phone send quota, driven as
/// `app/verifications.rs` drives them.
#[derive(Debug, Clone, Default)]
pub struct OtpWorld {
    /// The verification decider (default policy).
    pub decider: VerificationDecider,
    /// The quota decider (default policy).
    pub quota_decider: QuotaDecider,
    /// The phone's quota.
    pub quota: QuotaState,
    /// Verifications started, in order.
    pub verifications: Vec<ModelVerification>,
    /// The time of every `CodeSent` recorded, for any verification.
    pub sends: Vec<OffsetDateTime>,
    /// The base clock (commands may lag it).
    pub clock_seconds: i64,
}

impl OtpWorld {
    /// What the quota says about one more send at `at`.
    pub fn allowance(&self, at: OffsetDateTime) -> SendAllowance {
        match self
            .quota_decider
            .decide(&self.quota, &QuotaCommand::Reserve { at })
        {
            Ok(_) => SendAllowance::Allowed,
            Err(e) => SendAllowance::Exhausted {
                retry_after_seconds: e.retry_after_seconds,
            },
        }
    }

    /// Plays one step; `None` when it targets a verification and none exists yet.
    pub fn step(&mut self, step: &OtpStep) -> Option<Decision> {
        self.clock_seconds += step.advance;
        let at = self::at(self.clock_seconds - step.jitter);
        let allowance = self.allowance(at);
        let n = self.verifications.len();
        let pick = |v: usize| (n > 0).then(|| v % n);
        let (target, command, new_code) = match &step.act {
            OtpAct::Start { channel, code: c } => {
                let id = VerificationId::new(uuid::Uuid::from_u128(0xbeef_0000 + n as u128));
                let command = VerificationCommand::Start {
                    id,
                    phone: phone(),
                    session_id: None,
                    channel: *channel,
                    code_hash: code(*c),
                    quota: allowance,
                    at,
                };
                (None, command, Some(*c))
            }
            OtpAct::Resend {
                v,
                channel,
                code: c,
            } => {
                let t = pick(*v)?;
                (
                    Some(t),
                    VerificationCommand::Resend {
                        channel: *channel,
                        code_hash: code(*c),
                        quota: allowance,
                        at,
                    },
                    Some(*c),
                )
            }
            OtpAct::Deliver {
                v,
                delivery,
                failed,
            } => {
                let t = pick(*v)?;
                let deliveries = &self.verifications[t].state.deliveries;
                let seq = match delivery {
                    None => deliveries.last().map_or(1, |d| d.seq),
                    Some(i) => deliveries
                        .get(i % deliveries.len().max(1))
                        .map_or(1, |d| d.seq),
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
            OtpAct::Check { v, code: c } => {
                let t = pick(*v)?;
                (
                    Some(t),
                    VerificationCommand::Check {
                        code_hash: code(*c),
                        at,
                    },
                    Some(*c),
                )
            }
            OtpAct::Expire { v } => (Some(pick(*v)?), VerificationCommand::Expire { at }, None),
        };
        let before = target
            .map(|t| self.verifications[t].clone())
            .unwrap_or_default();
        let decided = self.decider.decide(&before.state, &command);
        let recorded = decided
            .clone()
            .and_then(|events| self.reserve_sends(&events).map(|()| events));
        let mut decision = Decision {
            target,
            before,
            allowance,
            command,
            decided,
            recorded,
        };
        if let Ok(events) = &decision.recorded {
            let t = match target {
                Some(t) => t,
                None => {
                    self.verifications.push(ModelVerification::default());
                    decision.target = Some(n);
                    n
                }
            };
            let v = &mut self.verifications[t];
            for e in events {
                v.state = self.decider.evolve(std::mem::take(&mut v.state), e);
                match e {
                    VerificationEvent::CodeSent {
                        code_hash: Some(_),
                        at,
                        ..
                    } => {
                        v.code = new_code;
                        v.code_expires_at = Some(*at + Duration::seconds(TTL_SECONDS));
                    }
                    VerificationEvent::CheckFailed { .. } => v.wrong_checks += 1,
                    _ => {}
                }
            }
            v.events.extend(events.iter().cloned());
        }
        Some(decision)
    }

    /// Reserves one quota send per `CodeSent`, as the application service does in the same
    /// commit; a refused reservation refuses the whole decision.
    fn reserve_sends(&mut self, events: &[VerificationEvent]) -> Result<(), VerificationError> {
        let mut quota = self.quota.clone();
        let mut sends = Vec::new();
        for e in events {
            let VerificationEvent::CodeSent { at, .. } = e else {
                continue;
            };
            let reserved = self
                .quota_decider
                .decide(&quota, &QuotaCommand::Reserve { at: *at })
                .map_err(|e| VerificationError::RateLimited {
                    retry_after_seconds: e.retry_after_seconds,
                })?;
            quota = reserved
                .iter()
                .fold(quota, |q, r| self.quota_decider.evolve(q, r));
            sends.push(*at);
        }
        self.quota = quota;
        self.sends.extend(sends);
        Ok(())
    }
}

/// The most sends in any window (t - 1 h, t] over `sends`, and the window's end.
pub fn busiest_hour(sends: &[OffsetDateTime]) -> (usize, Option<OffsetDateTime>) {
    sends
        .iter()
        .map(|t| {
            (
                sends
                    .iter()
                    .filter(|s| **s > *t - Duration::hours(1) && **s <= *t)
                    .count(),
                Some(*t),
            )
        })
        .max_by_key(|(n, _)| *n)
        .unwrap_or((0, None))
}
