//! Example-based PhoneVerification decider tests: the lock after 5 wrong codes, the time to live,
//! the resend delay, the SMS fallback of a failed call, and the per-phone send quota (with
//! lagging clocks).

use onramp_domain::verification::{
    Channel, DeliveryOutcome, SendAllowance, VerificationCommand, VerificationDecider,
    VerificationError, VerificationEvent,
};
use time::Duration;

use crate::support::*;

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
