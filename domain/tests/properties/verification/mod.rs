//! PhoneVerification and send quota properties P-OTP-1..3 (spec/properties.md) and
//! example-based decider tests.
//!
//! This module holds P-OTP-1..3; `examples` holds the example-based decider tests.

mod examples;

use onramp_domain::decider::Decider;
use onramp_domain::verification::{
    Channel, DeliveryOutcome, DeliveryStatus, SendAllowance, VerificationCommand,
    VerificationDecider, VerificationEvent, VerificationStatus,
};
use proptest::prelude::*;

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
