//! PhoneVerification and send quota properties P-OTP-1..3 (spec/properties.md) and
//! example-based decider tests.

use onramp_domain::decider::Decider;
use onramp_domain::verification::{
    Channel, DeliveryOutcome, DeliveryStatus, SendAllowance, VerificationCommand,
    VerificationDecider, VerificationError, VerificationEvent, VerificationStatus,
};
use proptest::prelude::*;
use time::Duration;

use crate::support::*;

fn sends_code(events: &[VerificationEvent]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, VerificationEvent::CodeSent { .. }))
}

proptest! {
    #![proptest_config(config(512))]

    /// P-OTP-1 (MISSION.md A): never more than 5 sends per phone per rolling hour, across all
    /// its verifications, whatever the commands, and even when command times lag the clock by
    /// up to a minute (replicas whose clocks disagree).
    #[test]
    fn p_otp_1_never_more_than_5_sends_per_phone_per_rolling_hour(
        steps in prop_oneof![otp_steps(1..100, true), otp_steps_around_the_hour(1..40)],
    ) {
        let mut world = OtpWorld::default();
        for step in &steps {
            let Some(decision) = world.step(step) else { continue };
            // The verification decider itself never decides a send the quota refused.
            if let (SendAllowance::Exhausted { .. }, Ok(events)) = (decision.allowance, &decision.decided) {
                prop_assert!(!sends_code(events), "a send was decided against an exhausted quota: {:?}", events);
            }
        }
        let (most, end) = busiest_hour(&world.sends);
        prop_assert!(
            most <= MAX_SENDS_PER_HOUR,
            "{} sends in the hour ending {:?}; all sends: {:?}", most, end, world.sends
        );
    }

    /// P-OTP-2 (MISSION.md B: codes expire after 300 s; 5 wrong checks lock): a code is
    /// accepted only before its time to live runs out, before the lock, and only when it is the
    /// current code; and such a code is accepted.
    #[test]
    fn p_otp_2_a_code_is_accepted_only_in_time_before_the_lock_and_only_when_right(
        steps in prop_oneof![otp_steps(1..80, true), otp_steps(1..80, false), otp_steps_check_heavy(1..40)],
    ) {
        let mut world = OtpWorld::default();
        for step in &steps {
            let Some(decision) = world.step(step) else { continue };
            let VerificationCommand::Check { code_hash, at } = decision.command else { continue };
            let before = &decision.before;
            let right = before.code.is_some_and(|c| code(c) == code_hash);
            let in_time = before.code_expires_at.is_some_and(|exp| at < exp);
            let unlocked = before.wrong_checks < MAX_FAILED_CHECKS;
            let approved = decision
                .recorded
                .as_ref()
                .is_ok_and(|events| events.iter().any(|e| matches!(e, VerificationEvent::Approved { .. })));
            if approved {
                prop_assert!(right, "a wrong code was approved");
                prop_assert!(in_time, "a code was approved at {:?}, after its expiry {:?}", at, before.code_expires_at);
                prop_assert!(unlocked, "a code was approved after {} wrong checks", before.wrong_checks);
                prop_assert_eq!(before.state.status, VerificationStatus::Pending, "approved twice or after expiry");
            }
            if before.state.status == VerificationStatus::Pending && right && in_time && unlocked {
                prop_assert_eq!(&decision.recorded, &Ok(vec![VerificationEvent::Approved { at }]), "the right code in time is approved");
            }
            for v in &world.verifications {
                prop_assert!(v.wrong_checks <= MAX_FAILED_CHECKS, "{} wrong checks recorded", v.wrong_checks);
                if v.wrong_checks == MAX_FAILED_CHECKS {
                    prop_assert_eq!(v.state.status, VerificationStatus::Locked);
                }
            }
        }
    }

    /// P-OTP-3 (MISSION.md A: SMS is the fallback when the call fails): a failed voice
    /// delivery of the current code, while the code is live, is followed by an SMS with the same
    /// code when the quota allows a send, and by FallbackBlocked when it does not.
    #[test]
    fn p_otp_3_a_failed_voice_call_is_followed_by_an_sms_unless_the_send_limit_forbids_it(steps in otp_steps(1..60, true)) {
        let decider = VerificationDecider::default();
        let mut world = OtpWorld::default();
        for step in &steps {
            let Some(decision) = world.step(step) else { continue };
            let VerificationCommand::RecordDelivery { seq, outcome: outcome @ DeliveryOutcome::Failed { provider, reason }, at, .. } = &decision.command else {
                continue;
            };
            let before = &decision.before;
            let Some(delivery) = before.state.deliveries.iter().find(|d| d.seq == *seq) else { continue };
            if delivery.status != DeliveryStatus::Queued || delivery.channel != Channel::Voice {
                continue;
            }
            let live = before.state.status == VerificationStatus::Pending
                && before.code_expires_at.is_some_and(|exp| *at < exp)
                && delivery.generation == before.state.generation;
            let sms_tried = before.state.deliveries.iter().any(|d| d.generation == delivery.generation && d.channel == Channel::Sms);
            let failed = VerificationEvent::DeliveryFailed { seq: *seq, provider: provider.clone(), reason: reason.clone(), at: *at };
            for allowance in [SendAllowance::Allowed, SendAllowance::Exhausted { retry_after_seconds: 1_234 }, decision.allowance] {
                let command = VerificationCommand::RecordDelivery { seq: *seq, outcome: outcome.clone(), quota: allowance, at: *at };
                let events = decider.decide(&before.state, &command);
                let events = events.as_deref().map_err(Clone::clone);
                match (live && !sms_tried, allowance) {
                    (true, SendAllowance::Allowed) => prop_assert!(
                        matches!(events, Ok([f, VerificationEvent::CodeSent { channel: Channel::Sms, fallback: true, code_hash: None, generation, expires_at, at: sent_at, .. }])
                            if *f == failed && generation == &delivery.generation && Some(expires_at) == before.code_expires_at.as_ref() && sent_at == at),
                        "expected DeliveryFailed then an SMS fallback with the same code, got {:?}", events
                    ),
                    (true, SendAllowance::Exhausted { retry_after_seconds }) => prop_assert_eq!(
                        events,
                        Ok(&[failed.clone(), VerificationEvent::FallbackBlocked { channel: Channel::Sms, retry_after_seconds, at: *at }][..])
                    ),
                    (false, _) => prop_assert!(
                        matches!(events, Ok(e) if !e.iter().any(|e| matches!(e, VerificationEvent::CodeSent { channel: Channel::Sms, .. }))),
                        "no SMS for a dead or superseded code, or one already sent by SMS: {:?}", events
                    ),
                }
            }
            // In the world the fallback is reserved in the quota like any send.
            if live && !sms_tried && decision.allowance == SendAllowance::Allowed {
                prop_assert_eq!(&decision.recorded, &decision.decided);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Examples
// ------------------------------------------------------------------------------------------

fn started(channel: Channel) -> [VerificationEvent; 2] {
    let plan = match channel {
        Channel::Voice => vec![Channel::Voice, Channel::Sms],
        Channel::Sms => vec![Channel::Sms, Channel::Voice],
    };
    [
        VerificationEvent::Started {
            id: verification_id(),
            phone: phone(),
            session_id: None,
            plan,
            at: at(0),
        },
        VerificationEvent::CodeSent {
            seq: 1,
            generation: 1,
            channel,
            code_hash: Some(code(1)),
            fallback: false,
            expires_at: at(300),
            at: at(0),
        },
    ]
}

fn check(c: u8, seconds: i64) -> VerificationCommand {
    VerificationCommand::Check {
        code_hash: code(c),
        at: at(seconds),
    }
}

#[test]
fn a_wrong_code_five_times_locks_the_verification() {
    let decider = VerificationDecider::default();
    let mut history: Vec<VerificationEvent> = started(Channel::Voice).into();
    for n in 1..=4 {
        history.push(VerificationEvent::CheckFailed {
            failed_checks: n,
            at: at(10 * i64::from(n)),
        });
    }
    given(decider.clone(), history.clone())
        .when(check(2, 50))
        .then(Ok(vec![
            VerificationEvent::CheckFailed {
                failed_checks: 5,
                at: at(50),
            },
            VerificationEvent::Locked { at: at(50) },
        ]));
    history.extend([
        VerificationEvent::CheckFailed {
            failed_checks: 5,
            at: at(50),
        },
        VerificationEvent::Locked { at: at(50) },
    ]);
    // Not even the right code opens it now.
    given(decider, history)
        .when(check(1, 60))
        .then(Err(VerificationError::Locked));
}

#[test]
fn the_right_code_before_the_ttl_is_approved_and_at_the_ttl_is_expired() {
    let decider = VerificationDecider::default();
    given(decider.clone(), started(Channel::Voice))
        .when(check(1, 299))
        .then(Ok(vec![VerificationEvent::Approved { at: at(299) }]));
    given(decider, started(Channel::Voice))
        .when(check(1, 300))
        .then(Err(VerificationError::Expired));
}

#[test]
fn a_resend_within_30_seconds_is_refused() {
    let decider = VerificationDecider::default();
    let resend = |seconds| VerificationCommand::Resend {
        channel: Some(Channel::Sms),
        code_hash: code(2),
        quota: SendAllowance::Allowed,
        at: at(seconds),
    };
    given(decider.clone(), started(Channel::Voice))
        .when(resend(29))
        .then(Err(VerificationError::ResendTooSoon {
            retry_after_seconds: 1,
        }));
    given(decider, started(Channel::Voice))
        .when(resend(30))
        .then(Ok(vec![VerificationEvent::CodeSent {
            seq: 2,
            generation: 2,
            channel: Channel::Sms,
            code_hash: Some(code(2)),
            fallback: false,
            expires_at: at(330),
            at: at(30),
        }]));
}

#[test]
fn a_failed_voice_call_falls_back_to_sms_with_the_same_code() {
    let failed = |quota| VerificationCommand::RecordDelivery {
        seq: 1,
        outcome: DeliveryOutcome::Failed {
            provider: "telnyx".into(),
            reason: "call_not_answered".into(),
        },
        quota,
        at: at(40),
    };
    let delivery_failed = VerificationEvent::DeliveryFailed {
        seq: 1,
        provider: "telnyx".into(),
        reason: "call_not_answered".into(),
        at: at(40),
    };
    given(VerificationDecider::default(), started(Channel::Voice))
        .when(failed(SendAllowance::Allowed))
        .then(Ok(vec![
            delivery_failed.clone(),
            VerificationEvent::CodeSent {
                seq: 2,
                generation: 1,
                channel: Channel::Sms,
                code_hash: None,
                fallback: true,
                expires_at: at(300),
                at: at(40),
            },
        ]));
    given(VerificationDecider::default(), started(Channel::Voice))
        .when(failed(SendAllowance::Exhausted {
            retry_after_seconds: 600,
        }))
        .then(Ok(vec![
            delivery_failed,
            VerificationEvent::FallbackBlocked {
                channel: Channel::Sms,
                retry_after_seconds: 600,
                at: at(40),
            },
        ]));
}

#[test]
fn the_sixth_send_to_a_phone_within_an_hour_is_refused() {
    let mut world = OtpWorld::default();
    for n in 0..5u8 {
        let step = OtpStep {
            advance: 60,
            jitter: 0,
            act: OtpAct::Start {
                channel: None,
                code: n,
            },
        };
        let decision = world.step(&step).expect("a start always decides");
        assert!(
            decision.recorded.is_ok(),
            "send {n} is allowed: {:?}",
            decision.recorded
        );
    }
    let sixth = world.step(&OtpStep {
        advance: 60,
        jitter: 0,
        act: OtpAct::Start {
            channel: None,
            code: 9,
        },
    });
    // The first send was at 60 s, the sixth is at 360 s: the first leaves the window at 3660 s.
    assert_eq!(
        sixth.map(|d| d.recorded),
        Some(Err(VerificationError::RateLimited {
            retry_after_seconds: 3_300
        }))
    );
    let later = world.step(&OtpStep {
        advance: 3_300,
        jitter: 0,
        act: OtpAct::Start {
            channel: None,
            code: 9,
        },
    });
    assert!(later.is_some_and(|d| d.recorded.is_ok()));
    assert_eq!(world.sends.len(), 6);
    assert_eq!(busiest_hour(&world.sends).0, 5);
    assert_eq!(world.sends.last().copied(), Some(at(3_660)));
    assert!(
        world
            .sends
            .windows(2)
            .all(|w| w[1] - w[0] >= Duration::ZERO)
    );
}

#[test]
fn a_lagging_clock_cannot_squeeze_a_sixth_send_into_an_hour() {
    let mut world = OtpWorld::default();
    // Clock, lag: two sends at 10 and 15 s, two at 3500 and 3530 s, one at 3620 s, then two
    // commands from replicas lagging 20 and 30 s, stamped 3600 and 3590 s.
    for (advance, jitter) in [
        (10, 0),
        (5, 0),
        (3_485, 0),
        (30, 0),
        (90, 0),
        (0, 20),
        (0, 30),
    ] {
        world.step(&OtpStep {
            advance,
            jitter,
            act: OtpAct::Start {
                channel: None,
                code: 1,
            },
        });
    }
    let (most, end) = busiest_hour(&world.sends);
    assert!(
        most <= MAX_SENDS_PER_HOUR,
        "{most} sends in the hour ending {end:?}: {:?}",
        world.sends
    );
}

#[test]
fn a_failed_voice_resend_falls_back_to_sms_even_when_sms_went_first() {
    // Plan [sms, voice]: the user asked for SMS first, then for a call; the call fails.
    let mut history: Vec<VerificationEvent> = started(Channel::Sms).into();
    history.push(VerificationEvent::CodeSent {
        seq: 2,
        generation: 2,
        channel: Channel::Voice,
        code_hash: Some(code(2)),
        fallback: false,
        expires_at: at(330),
        at: at(30),
    });
    given(VerificationDecider::default(), history)
        .when(VerificationCommand::RecordDelivery {
            seq: 2,
            outcome: DeliveryOutcome::Failed {
                provider: "telnyx".into(),
                reason: "call_not_answered".into(),
            },
            quota: SendAllowance::Allowed,
            at: at(45),
        })
        .then(Ok(vec![
            VerificationEvent::DeliveryFailed {
                seq: 2,
                provider: "telnyx".into(),
                reason: "call_not_answered".into(),
                at: at(45),
            },
            VerificationEvent::CodeSent {
                seq: 3,
                generation: 2,
                channel: Channel::Sms,
                code_hash: None,
                fallback: true,
                expires_at: at(330),
                at: at(45),
            },
        ]));
}
