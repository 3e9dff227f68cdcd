//! The WABA onboarding's BSP path: P-WABA-4 (rejected senders resubmit, approval only through
//! review) and P-WABA-5 (a number verified only with a code sent to it).

use onramp_domain::decider::Decider;
use onramp_domain::ports::NumberVerificationMethod;
use onramp_domain::waba::{
    NumberVerification, WabaCommand, WabaDecider, WabaError, WabaEvent, WabaStatus,
};
use proptest::prelude::*;

use crate::support::*;

#[derive(Debug, Clone, Copy)]
enum Review {
    Start,
    Approve,
    Reject,
    Resubmit,
}

fn review_command(input: Review, n: i64) -> WabaCommand {
    let at = at(n * 3_600);
    match input {
        Review::Start => WabaCommand::StartReview { at },
        Review::Approve => WabaCommand::Approve { at },
        Review::Reject => WabaCommand::Reject {
            reason: "display name does not match the business".into(),
            at,
        },
        Review::Resubmit => WabaCommand::Resubmit {
            corrections: format!("display name fixed ({n})"),
            at,
        },
    }
}

fn submitted() -> Vec<WabaEvent> {
    vec![WabaEvent::Submitted {
        account: account(),
        at: t0(),
    }]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-WABA-4: a rejected BSP sender can be corrected and resubmitted; approval is reached
    /// only through review; each status change is one event.
    #[test]
    fn p_waba_4_rejected_senders_resubmit_and_approval_comes_only_from_review(
        inputs in prop::collection::vec(
            prop::sample::select(vec![Review::Start, Review::Approve, Review::Reject, Review::Resubmit]),
            1..40),
    ) {
        let decider = WabaDecider::default();
        let mut state = decider.fold(&submitted());
        for (n, input) in inputs.iter().enumerate() {
            let before = state.status;
            let n = i64::try_from(n).expect("small") + 1;
            if before == WabaStatus::Rejected {
                // Correctable: resubmit, review and approval are all open from here.
                let mut path = state.clone();
                for step in [Review::Resubmit, Review::Start, Review::Approve] {
                    let events = decider.decide(&path, &review_command(step, n))
                        .map_err(|e| TestCaseError::fail(format!("{step:?} refused: {e}")))?;
                    prop_assert_eq!(events.len(), 1);
                    path = decider.evolve(path, &events[0]);
                }
                prop_assert_eq!(path.status, WabaStatus::Approved);
            }
            let Ok(events) = decider.decide(&state, &review_command(*input, n)) else {
                continue;
            };
            prop_assert!(events.len() <= 1);
            for event in &events {
                if matches!(event, WabaEvent::Approved { .. }) {
                    prop_assert_eq!(before, WabaStatus::InReview, "approved without review");
                }
                state = decider.evolve(state, event);
            }
            prop_assert_eq!(events.len(), usize::from(state.status != before), "a change without its event");
            let allowed = matches!(
                (before, state.status),
                (WabaStatus::Submitted | WabaStatus::Resubmitted, WabaStatus::InReview)
                    | (WabaStatus::InReview, WabaStatus::Approved | WabaStatus::Rejected)
                    | (WabaStatus::Rejected, WabaStatus::Resubmitted)
            );
            prop_assert!(state.status == before || allowed, "{before:?} -> {:?}", state.status);
        }
    }
}

#[test]
fn approval_is_refused_straight_from_submitted_or_rejected() {
    let decider = WabaDecider::default();
    given(decider, submitted())
        .when(WabaCommand::Approve { at: at(1) })
        .then(Err(WabaError::InvalidTransition {
            from: WabaStatus::Submitted,
            to: WabaStatus::Approved,
        }));
    let mut rejected = submitted();
    rejected.push(WabaEvent::ReviewStarted { at: at(1) });
    rejected.push(WabaEvent::Rejected {
        reason: "name".into(),
        at: at(2),
    });
    given(decider, rejected)
        .when(WabaCommand::Approve { at: at(3) })
        .then(Err(WabaError::InvalidTransition {
            from: WabaStatus::Rejected,
            to: WabaStatus::Approved,
        }));
}

#[derive(Debug, Clone, Copy)]
enum NumberInput {
    CreateSender,
    Require,
    SendCode(NumberVerificationMethod),
    Verify,
    Review(Review),
}

fn number_command(input: NumberInput, n: i64) -> WabaCommand {
    let at = at(n * 60);
    match input {
        NumberInput::CreateSender => WabaCommand::RecordSender {
            sender_id: "sender-1".into(),
            at,
        },
        NumberInput::Require => WabaCommand::RequireNumberVerification { at },
        NumberInput::SendCode(method) => WabaCommand::RecordVerificationCodeSent { method, at },
        NumberInput::Verify => WabaCommand::RecordNumberVerified { at },
        NumberInput::Review(r) => review_command(r, n),
    }
}

fn number_input() -> impl Strategy<Value = NumberInput> {
    prop_oneof![
        Just(NumberInput::CreateSender),
        Just(NumberInput::Require),
        Just(NumberInput::SendCode(NumberVerificationMethod::Sms)),
        Just(NumberInput::SendCode(NumberVerificationMethod::Voice)),
        Just(NumberInput::Verify),
        prop::sample::select(vec![
            Review::Start,
            Review::Approve,
            Review::Reject,
            Review::Resubmit
        ])
        .prop_map(NumberInput::Review),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-WABA-5: a BSP sender's number is verified only after a code was sent to it (and
    /// stays verified); no code is sent once it is verified or the sender approved; nothing
    /// happens to the number before the BSP created the sender; every code sent is counted.
    #[test]
    fn p_waba_5_a_number_is_verified_only_after_a_code_was_sent_to_it(
        inputs in prop::collection::vec(number_input(), 1..40),
    ) {
        let decider = WabaDecider::default();
        let mut state = decider.fold(&submitted());
        let mut sent = 0u32;
        for (n, input) in inputs.iter().enumerate() {
            let n = i64::try_from(n).expect("small") + 1;
            let before = state.clone();
            let result = decider.decide(&state, &number_command(*input, n));
            let is_number_command = matches!(
                input,
                NumberInput::Require | NumberInput::SendCode(_) | NumberInput::Verify
            );
            if is_number_command && before.sender_id.is_none() {
                prop_assert_eq!(result.clone(), Err(WabaError::NoSender));
            }
            let Ok(events) = result else { continue };
            for event in &events {
                match event {
                    WabaEvent::NumberVerified { .. } => {
                        prop_assert_eq!(before.number, NumberVerification::CodeSent, "verified without a code");
                        prop_assert!(before.codes_sent >= 1);
                    }
                    WabaEvent::VerificationCodeSent { .. } => {
                        prop_assert_ne!(before.number, NumberVerification::Verified, "a code for a verified number");
                        prop_assert_ne!(before.status, WabaStatus::Approved, "a code for an approved sender");
                        sent += 1;
                    }
                    _ => {}
                }
                state = decider.evolve(state, event);
            }
            if before.number == NumberVerification::Verified {
                prop_assert_eq!(state.number, NumberVerification::Verified, "verification lost");
            }
            prop_assert_eq!(state.codes_sent, sent);
        }
    }
}

#[test]
fn number_commands_need_the_bsp_path_and_a_code_before_verification() {
    let decider = WabaDecider::default();
    let begun = vec![WabaEvent::SignupBegun {
        account: account(),
        ids: ids(),
        code_received_at: t0(),
        at: t0(),
    }];
    given(decider, begun)
        .when(WabaCommand::RecordVerificationCodeSent {
            method: NumberVerificationMethod::Sms,
            at: at(1),
        })
        .then(Err(WabaError::WrongPath));
    let mut created = submitted();
    created.push(WabaEvent::SenderCreated {
        sender_id: "sender-1".into(),
        at: at(1),
    });
    given(decider, created.clone())
        .when(WabaCommand::RecordNumberVerified { at: at(2) })
        .then(Err(WabaError::NoCodeSent));
    created.push(WabaEvent::VerificationCodeSent {
        method: NumberVerificationMethod::Voice,
        at: at(2),
    });
    given(decider, created.clone())
        .when(WabaCommand::RecordNumberVerified { at: at(3) })
        .then(Ok(vec![WabaEvent::NumberVerified { at: at(3) }]));
    created.push(WabaEvent::NumberVerified { at: at(3) });
    given(decider, created)
        .when(WabaCommand::RecordVerificationCodeSent {
            method: NumberVerificationMethod::Sms,
            at: at(4),
        })
        .then(Err(WabaError::NumberAlreadyVerified));
}
