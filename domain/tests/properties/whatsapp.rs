//! Issue 5 (WhatsApp) properties: the WABA onboarding saga and BSP path (P-WABA-1, P-WABA-2,
//! P-WABA-4, P-WABA-5), channel link codes (P-LNK-1) and session tokens (P-TOK-1), plus example tests.
//! P-WABA-3 (secrets never in clear) is end to end; here the state holds only sealed values.

use onramp_domain::decider::Decider;
use onramp_domain::ids::{SessionId, TenantId};
use onramp_domain::link::{LinkCommand, LinkDecider, LinkError, LinkEvent, LinkState};
use onramp_domain::ports::NumberVerificationMethod;
use onramp_domain::token::{
    Platform, TokenCommand, TokenDecider, TokenError, TokenEvent, TokenId, TokenState, authorize,
};
use onramp_domain::verification::CodeHash;
use onramp_domain::waba::{
    NumberVerification, QualityMark, QualityRating, SignupStep, WabaCommand, WabaDecider,
    WabaError, WabaEvent, WabaStatus,
};
use proptest::prelude::*;
use time::Duration;

use crate::support::*;

// ------------------------------------------------------------------------------------------
// WABA: Embedded Signup saga
// ------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// P-WABA-1: the saga's steps happen in order and each takes effect once, whatever the
    /// retries (duplicate results, failures, out-of-order attempts).
    #[test]
    fn p_waba_1_saga_steps_happen_in_order_and_once_whatever_the_retries(
        inputs in prop::collection::vec((saga_input(), 0i64..8), 1..60),
    ) {
        let decider = WabaDecider::default();
        let (mut state, mut history) = begun(&decider);
        let mut now = 0;
        for (input, pause) in &inputs {
            now += pause;
            let due = state.next_step();
            let before = state.clone();
            let result = decider.decide(&state, &input.command(at(now)));
            match (input, &result) {
                (SagaInput::Success(step, _), Ok(events)) if before.is_done(*step) => {
                    prop_assert!(events.is_empty(), "a done step repeated: {events:?}");
                }
                (SagaInput::Success(step, _), Ok(events)) => {
                    prop_assert_eq!(Some(*step), due, "a step recorded out of turn");
                    prop_assert_eq!(events.iter().filter_map(completes).collect::<Vec<_>>(), vec![*step]);
                }
                (SagaInput::Success(step, _), Err(e)) => {
                    prop_assert!(Some(*step) != due || *step == SignupStep::CodeExchange,
                        "the due step was refused: {e:?}");
                    if before.status != WabaStatus::SignupExpired && *step != SignupStep::CodeExchange {
                        prop_assert_eq!(e, &WabaError::StepOutOfOrder { due, got: *step });
                    }
                }
                (SagaInput::Failure(step), Ok(events)) => {
                    prop_assert!(events.iter().all(|e| completes(e).is_none()));
                    prop_assert!(events.is_empty() || Some(*step) == due);
                }
                _ => {}
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
                history.extend(events);
            }
            // Failures never move the saga: the due step stays due and counts them.
            if let SagaInput::Failure(step) = input {
                prop_assert_eq!(state.next_step(), due);
                if Some(*step) == due {
                    prop_assert_eq!(state.failures_of(*step), before.failures_of(*step) + 1);
                }
            }
            let done: Vec<SignupStep> = history.iter().filter_map(completes).collect();
            prop_assert_eq!(&done[..], &SignupStep::ALL[..done.len()], "steps out of order or twice");
            prop_assert_eq!(&state.steps_done, &done);
            let activations = history.iter().filter(|e| matches!(e, WabaEvent::Activated { .. })).count();
            prop_assert_eq!(activations, usize::from(done.len() == 4));
            prop_assert_eq!(state.status == WabaStatus::Active, done.len() == 4);
            prop_assert_eq!(&decider.fold(&history), &state);
        }
    }

    /// P-WABA-2: a code older than its TTL is never exchanged.
    #[test]
    fn p_waba_2_a_code_older_than_its_ttl_is_never_exchanged(
        ttl in prop::sample::select(vec![1i64, 5, 30, 45]),
        inputs in prop::collection::vec(
            (prop_oneof![2 => Just(SagaInput::Exchange), 1 => Just(SagaInput::Expire),
                2 => (0u8..3).prop_map(|n| SagaInput::Success(SignupStep::CodeExchange, n))],
             prop_oneof![3 => 0i64..10, 1 => Just(0i64), 1 => 20i64..60]),
            1..20),
    ) {
        let decider = WabaDecider::with_code_ttl(Duration::seconds(ttl));
        let (mut state, mut history) = begun(&decider);
        let mut now = 0;
        for (input, pause) in &inputs {
            now += pause;
            let late = now > ttl;
            let result = decider.decide(&state, &input.command(at(now)));
            let exchanged = state.is_done(SignupStep::CodeExchange);
            if matches!(input, SagaInput::Exchange) && !exchanged {
                if late || state.status == WabaStatus::SignupExpired {
                    prop_assert_eq!(&result, &Err(WabaError::CodeExpired));
                } else {
                    prop_assert_eq!(&result, &Ok(vec![WabaEvent::CodeExchangeRequested { at: at(now) }]));
                }
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
                history.extend(events);
            }
        }
        // Every exchange was allowed within the TTL, and no token exists without one.
        let mut requested = false;
        for event in &history {
            match event {
                WabaEvent::CodeExchangeRequested { at: when } => {
                    prop_assert!(*when - t0() <= Duration::seconds(ttl), "a late code was exchanged");
                    requested = true;
                }
                WabaEvent::CodeExchanged { .. } => prop_assert!(requested, "exchanged unrequested"),
                _ => {}
            }
        }
        prop_assert!(!(state.status == WabaStatus::SignupExpired && state.sealed_token.is_some()));
    }
}

#[test]
fn the_saga_runs_in_order_to_active_with_retries_and_holds_only_sealed_secrets() {
    let decider = WabaDecider::default();
    let (_, begin) = begun(&decider);
    let state = given(decider, begin.clone())
        .when(WabaCommand::RecordStep {
            result: result_of(SignupStep::WebhookSubscription, 0),
            at: at(1),
        })
        .then(Err(WabaError::StepOutOfOrder {
            due: Some(SignupStep::CodeExchange),
            got: SignupStep::WebhookSubscription,
        }));
    assert_eq!(state.next_step(), Some(SignupStep::CodeExchange));
    let mut events = begin;
    let mut state = decider.fold(&events);
    let mut run = |command: WabaCommand| {
        let new = decider.decide(&state, &command).expect("accepted");
        state = new.iter().fold(state.clone(), |s, e| decider.evolve(s, e));
        events.extend(new.clone());
        new
    };
    assert_eq!(run(WabaCommand::ExchangeCode { at: at(2) }).len(), 1);
    for step in SignupStep::ALL {
        run(WabaCommand::StepFailed {
            step,
            reason: "timeout".into(),
            at: at(3),
        });
        assert!(
            !run(WabaCommand::RecordStep {
                result: result_of(step, 0),
                at: at(4)
            })
            .is_empty()
        );
        assert!(
            run(WabaCommand::RecordStep {
                result: result_of(step, 1),
                at: at(5)
            })
            .is_empty()
        );
    }
    assert_eq!(state.status, WabaStatus::Active);
    assert_eq!(state.next_step(), None);
    assert_eq!(state.sealed_token.as_deref(), Some("sealed-token-0"));
    assert_eq!(state.sealed_pin.as_deref(), Some("sealed-pin-0"));
    assert_eq!(state.failures_of(SignupStep::CodeExchange), 1);
}

#[test]
fn a_late_exchange_is_refused_and_the_signup_expires() {
    let decider = WabaDecider::default();
    let (_, begin) = begun(&decider);
    given(decider, begin.clone())
        .when(WabaCommand::ExchangeCode { at: at(31) })
        .then(Err(WabaError::CodeExpired));
    given(decider, begin.clone())
        .when(WabaCommand::ExpireCode { at: at(30) })
        .then(Err(WabaError::CodeStillLive));
    let state = given(decider, begin)
        .when(WabaCommand::ExpireCode { at: at(31) })
        .then(Ok(vec![WabaEvent::SignupExpired { at: at(31) }]));
    assert_eq!(state.status, WabaStatus::SignupExpired);
    assert_eq!(state.next_step(), None);
}

#[test]
fn quality_reports_in_any_order_give_the_latest_rating_and_tokens_refresh() {
    let decider = WabaDecider::default();
    let (_, begin) = begun(&decider);
    let mark = |s, rating| QualityMark {
        reported_at: at(s),
        rating,
    };
    let report = |m| WabaEvent::QualityReported {
        mark: m,
        at: at(100),
    };
    let late = mark(50, QualityRating::Red);
    let early = mark(10, QualityRating::Green);
    let mut a = begin.clone();
    a.extend([report(early), report(late)]);
    let mut b = begin.clone();
    b.extend([report(late), report(early), report(late)]);
    assert_eq!(decider.fold(&a), decider.fold(&b));
    assert_eq!(decider.fold(&a).quality, Some(late));
    given(decider, a)
        .when(WabaCommand::ReportQuality {
            mark: early,
            at: at(101),
        })
        .then(Ok(vec![]));
    given(decider, begin)
        .when(WabaCommand::FlagTokenExpiring { at: at(1) })
        .then(Err(WabaError::NoToken));
}

// ------------------------------------------------------------------------------------------
// WABA: BSP path
// ------------------------------------------------------------------------------------------

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

#[test]
fn metas_reports_are_kept_on_the_account_and_repeats_change_nothing() {
    let decider = WabaDecider::default();
    given(decider, vec![])
        .when(WabaCommand::RecordAccountReview {
            decision: "APPROVED".into(),
            at: at(1),
        })
        .then(Err(WabaError::NotFound));
    let mut events = vec![WabaEvent::SignupBegun {
        account: account(),
        ids: ids(),
        code_received_at: t0(),
        at: t0(),
    }];
    let template = |status: &str, reason: Option<&str>| WabaCommand::RecordTemplateStatus {
        template_id: "1689556908129832".into(),
        name: "order_confirmation".into(),
        status: status.into(),
        reason: reason.map(str::to_owned),
        at: at(2),
    };
    for command in [
        WabaCommand::RecordAccountReview {
            decision: "PENDING".into(),
            at: at(1),
        },
        WabaCommand::RecordAccountReview {
            decision: "APPROVED".into(),
            at: at(1),
        },
        WabaCommand::RecordAccountUpdate {
            event: "PARTNER_ADDED".into(),
            at: at(1),
        },
        template("PENDING", None),
        template("REJECTED", Some("INCORRECT_CATEGORY")),
    ] {
        let state = decider.fold(&events);
        let new = decider.decide(&state, &command).unwrap();
        assert_eq!(new.len(), 1, "{command:?}");
        events.extend(new.clone());
        // The same report again is no news.
        let again = decider.decide(&decider.fold(&events), &command).unwrap();
        assert!(again.is_empty(), "{command:?}");
    }
    let state = decider.fold(&events);
    assert_eq!(state.account_review.as_deref(), Some("APPROVED"));
    assert_eq!(state.account_event.as_deref(), Some("PARTNER_ADDED"));
    let mark = &state.templates["1689556908129832"];
    assert_eq!(
        (mark.status.as_str(), mark.reason.as_deref()),
        ("REJECTED", Some("INCORRECT_CATEGORY"))
    );
    // None of them moves the saga.
    assert_eq!(state.status, WabaStatus::CodeReceived);
}

// ------------------------------------------------------------------------------------------
// Channel link codes
// ------------------------------------------------------------------------------------------

fn session(n: u8) -> SessionId {
    SessionId::new(uuid::Uuid::from_u128(0x5e55_2000 + u128::from(n)))
}

fn hash(n: u8) -> CodeHash {
    CodeHash([n; 32])
}

#[derive(Debug, Clone)]
enum LinkInput {
    Request(u8, u8),
    Verify(u8),
}

fn link_input() -> impl Strategy<Value = LinkInput> {
    prop_oneof![
        1 => (0u8..3, 0u8..3).prop_map(|(s, c)| LinkInput::Request(s, c)),
        4 => (0u8..3).prop_map(LinkInput::Verify),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-LNK-1: a link code links only the session that asked for it, once, within its TTL
    /// and before 5 wrong attempts lock it; the right code under those conditions always links.
    #[test]
    fn p_lnk_1_a_link_code_links_only_its_session_once_within_its_ttl(
        inputs in prop::collection::vec(
            (link_input(), prop_oneof![4 => 0i64..60, 1 => prop::sample::select(vec![299i64, 300, 301]), 1 => 0i64..400]),
            1..40),
    ) {
        let decider = LinkDecider::default();
        let mut state = LinkState::default();
        let mut now = 0;
        // The model: the current code (asker, code, asked at, wrong attempts, used).
        let mut model: Option<(u8, u8, i64, u32, bool)> = None;
        for (input, pause) in &inputs {
            now += pause;
            let command = match input {
                LinkInput::Request(s, c) => LinkCommand::Request { session_id: session(*s), code_hash: hash(*c), at: at(now) },
                LinkInput::Verify(c) => LinkCommand::Verify { code_hash: hash(*c), at: at(now) },
            };
            let result = decider.decide(&state, &command);
            match input {
                LinkInput::Request(s, c) => {
                    prop_assert!(result.is_ok());
                    model = Some((*s, *c, now, 0, false));
                }
                LinkInput::Verify(typed) => {
                    let expected = match model.as_mut() {
                        None => Err(LinkError::NoCode),
                        Some((_, _, _, _, true)) => Err(LinkError::AlreadyUsed),
                        Some((_, _, _, wrong, _)) if *wrong >= 5 => Err(LinkError::Locked),
                        Some((_, _, asked, _, _)) if now - *asked > 300 => Err(LinkError::Expired),
                        Some((asker, code, _, _, used)) if code == typed => {
                            *used = true;
                            Ok(vec![LinkEvent::Linked { session_id: session(*asker), at: at(now) }])
                        }
                        Some((_, _, _, wrong, _)) => {
                            *wrong += 1;
                            let mut events = vec![LinkEvent::WrongCode { attempts: *wrong, at: at(now) }];
                            if *wrong == 5 {
                                events.push(LinkEvent::Locked { at: at(now) });
                            }
                            Ok(events)
                        }
                    };
                    prop_assert_eq!(&result, &expected);
                }
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
            }
        }
    }
}

#[test]
fn a_new_request_replaces_the_old_code() {
    let decider = LinkDecider::default();
    let requested = |s, c, t| LinkEvent::CodeRequested {
        session_id: session(s),
        code_hash: hash(c),
        at: at(t),
    };
    given(decider, [requested(0, 1, 0), requested(1, 2, 10)])
        .when(LinkCommand::Verify {
            code_hash: hash(1),
            at: at(20),
        })
        .then(Ok(vec![LinkEvent::WrongCode {
            attempts: 1,
            at: at(20),
        }]));
    let state = given(decider, [requested(0, 1, 0), requested(1, 2, 10)])
        .when(LinkCommand::Verify {
            code_hash: hash(2),
            at: at(310),
        })
        .then(Ok(vec![LinkEvent::Linked {
            session_id: session(1),
            at: at(310),
        }]));
    assert_eq!(state.linked, vec![session(1)]);
}

// ------------------------------------------------------------------------------------------
// Session tokens
// ------------------------------------------------------------------------------------------

fn tenant(n: u8) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(0x7e4a_0000 + u128::from(n)))
}

fn platform(n: u8) -> Platform {
    Platform::new(["web", "partner_app"][usize::from(n % 2)])
}

fn issued(decider: &TokenDecider) -> Vec<TokenEvent> {
    decider
        .decide(
            &TokenState::default(),
            &TokenCommand::Issue {
                token_id: TokenId::new(uuid::Uuid::from_u128(0x70c0_0001)),
                tenant: tenant(0),
                session_id: session(0),
                platform: platform(0),
                token_hash: hash(9),
                at: t0(),
            },
        )
        .expect("a new token is issued")
}

#[derive(Debug, Clone, Copy)]
enum TokenInput {
    Use,
    Refresh(u8),
    Revoke,
    Authorize(u8, u8, u8),
}

fn token_input() -> impl Strategy<Value = TokenInput> {
    prop_oneof![
        4 => Just(TokenInput::Use),
        2 => (10u8..20).prop_map(TokenInput::Refresh),
        1 => Just(TokenInput::Revoke),
        4 => (0u8..2, 0u8..2, 0u8..2).prop_map(|(t, p, s)| TokenInput::Authorize(t, p, s)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-TOK-1: a token idle for more than its timeout is refused, a refreshed (or used) one
    /// lives on, and a token never authorizes another tenant's, platform's or session's use.
    #[test]
    fn p_tok_1_idle_tokens_are_refused_refreshed_ones_live_and_none_crosses_tenants(
        timeout in prop::sample::select(vec![60i64, 3_600]),
        inputs in prop::collection::vec(
            (token_input(), prop_oneof![4 => 0i64..1_800, 1 => prop::sample::select(vec![59i64, 60, 61, 3_599, 3_600, 3_601]), 1 => 3_000i64..8_000]),
            1..40),
    ) {
        let decider = TokenDecider { idle_timeout: Duration::seconds(timeout) };
        let mut state = decider.fold(&issued(&decider));
        let (mut now, mut last_seen, mut revoked) = (0i64, 0i64, false);
        for (input, pause) in &inputs {
            now += pause;
            let live = if revoked {
                Err(TokenError::Revoked)
            } else if now - last_seen > timeout {
                Err(TokenError::Expired)
            } else {
                Ok(())
            };
            let command = match input {
                TokenInput::Use => TokenCommand::Use { at: at(now) },
                TokenInput::Refresh(h) => TokenCommand::Refresh { new_token_hash: hash(*h), at: at(now) },
                TokenInput::Revoke => TokenCommand::Revoke { at: at(now) },
                TokenInput::Authorize(t, p, s) => {
                    let expected = if *t != 0 {
                        Err(TokenError::Mismatch("tenant"))
                    } else if *p != 0 {
                        Err(TokenError::Mismatch("platform"))
                    } else if *s != 0 {
                        Err(TokenError::Mismatch("session"))
                    } else {
                        live.clone()
                    };
                    let got = authorize(&decider, &state, tenant(*t), &platform(*p), session(*s), at(now));
                    prop_assert_eq!(got, expected);
                    continue;
                }
            };
            let result = decider.decide(&state, &command);
            match input {
                TokenInput::Revoke => {
                    prop_assert!(result.is_ok());
                    revoked = true;
                }
                _ => {
                    prop_assert_eq!(result.clone().map(|_| ()), live.clone());
                    if live.is_ok() {
                        last_seen = now;
                    }
                }
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
            }
            if let TokenInput::Refresh(h) = input && live.is_ok() {
                prop_assert_eq!(state.token_hash, Some(hash(*h)));
            }
        }
    }
}

#[test]
fn a_token_idle_for_an_hour_and_a_second_is_expired_and_a_refreshed_one_is_not() {
    let decider = TokenDecider::default();
    given(decider, issued(&decider))
        .when(TokenCommand::Use { at: at(3_601) })
        .then(Err(TokenError::Expired));
    let mut events = issued(&decider);
    events.push(TokenEvent::Refreshed {
        token_hash: hash(3),
        at: at(3_000),
    });
    let state = given(decider, events)
        .when(TokenCommand::Use { at: at(6_000) })
        .then(Ok(vec![TokenEvent::Used { at: at(6_000) }]));
    assert_eq!(
        authorize(
            &decider,
            &state,
            tenant(0),
            &platform(0),
            session(0),
            at(6_000)
        ),
        Ok(())
    );
    assert_eq!(
        authorize(
            &decider,
            &state,
            tenant(1),
            &platform(0),
            session(0),
            at(6_000)
        ),
        Err(TokenError::Mismatch("tenant"))
    );
}
