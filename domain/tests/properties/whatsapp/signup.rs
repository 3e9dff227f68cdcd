//! The WABA onboarding's Embedded Signup saga: P-WABA-1 (steps in order, once), P-WABA-2 (a
//! stale code is never exchanged), and Meta's reports kept on the account. P-WABA-3 (secrets
//! never in clear) is end to end; here the state holds only sealed values.

use onramp_domain::decider::Decider;
use onramp_domain::waba::{
    QualityMark, QualityRating, SignupStep, WabaCommand, WabaDecider, WabaError, WabaEvent,
    WabaStatus,
};
use proptest::prelude::*;
use time::Duration;

use crate::support::*;

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
