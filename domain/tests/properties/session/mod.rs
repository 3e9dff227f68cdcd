//! OnboardingSession properties P-SES-1..5 (spec/properties.md) and example-based decider tests.
//!
//! This module holds P-SES-1..5 and their helpers; `examples` holds the example-based decider
//! tests.

mod examples;

use onramp_domain::decider::Decider;
use onramp_domain::flow::{Flow, StepId};
use onramp_domain::session::{
    SessionCommand, SessionDecider, SessionError, SessionEvent, SessionState, SessionStatus,
    StepStatus, current_step, is_applicable, progress, required_counts, view,
};
use proptest::prelude::*;
use time::Duration;

use crate::support::*;

fn step_id(text: &str) -> StepId {
    StepId::parse(text).expect("a valid step id")
}

/// Percent of required applicable steps done right now (not the high-water mark).
fn current_ratio(flow: &Flow, state: &SessionState) -> u8 {
    let (done, total) = required_counts(flow, state);
    (done * 100)
        .checked_div(total)
        .map_or(100, |p| u8::try_from(p).unwrap_or(100))
}

/// Checks P-SES-1 on one state: the percent is a high-water mark no lower than `floor` (the
/// previous one), at least the current ratio, at most 100, and 100 once completed.
fn check_progress(flow: &Flow, state: &SessionState, floor: &mut u8) -> Result<(), TestCaseError> {
    let percent = progress(flow, state).percent;
    prop_assert_eq!(percent, state.progress_percent);
    prop_assert!(
        percent >= *floor,
        "progress went down from {} to {}",
        floor,
        percent
    );
    prop_assert!(percent <= 100);
    if state.status != SessionStatus::New {
        prop_assert!(
            percent >= current_ratio(flow, state),
            "progress {} is below the steps done ({:?})",
            percent,
            required_counts(flow, state)
        );
    }
    if state.status == SessionStatus::Completed {
        prop_assert_eq!(percent, 100);
    }
    *floor = percent;
    Ok(())
}

/// The options picked for a walk through `conversational-profile` whose income type is
/// salaried, pension or none, so that `income_complexity` does not apply.
fn simple_income_options() -> impl Strategy<Value = Vec<usize>> {
    // welcome, phone, consent, goal, income_type, confidence, complete.
    (
        0usize..2,
        0usize..5,
        prop::sample::select(vec![0usize, 3, 4]),
        0usize..3,
    )
        .prop_map(|(welcome, goal, income, confidence)| {
            vec![welcome, 0, 0, goal, income, confidence, 0]
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// P-SES-1: whatever is asked, at whatever later times, progress never goes down.
    #[test]
    fn p_ses_1_progress_never_decreases(
        flow in any_flow(),
        depth in 0usize..8,
        options in prop::collection::vec(0usize..6, 8),
        acts in session_acts(1..60),
    ) {
        let mut run = SessionRun::started(&flow);
        run.answer_steps(depth, &options);
        let mut floor = 0u8;
        check_progress(&flow, &run.state, &mut floor)?;
        for (after, act) in &acts {
            run.now += Duration::seconds(*after);
            let command = session_command(&flow, &run.state, act, run.now);
            let mut failure = None;
            let _ = run.apply_with(&command, |state| {
                if failure.is_none() {
                    failure = check_progress(&flow, state, &mut floor).err();
                }
            });
            if let Some(f) = failure {
                return Err(f);
            }
        }
        prop_assert_eq!(&run.decider.fold(&run.events), &run.state, "folding the events gives the state");
    }

    /// P-SES-1 (MISSION.md E.2): with 7 required steps, completing the N-th of them in order
    /// gives at least N x 14 percent.
    #[test]
    fn p_ses_1_completing_step_n_of_7_gives_at_least_n_times_14_percent(
        generated in prop_oneof![
            generated_flow().prop_map(Some),
            Just(None),
        ],
        options in simple_income_options(),
        optional_answered in prop::collection::vec(any::<bool>(), 10),
        pause_before in prop::collection::vec(prop::bool::weighted(0.2), 10),
    ) {
        // The real template has 7 required steps when income_complexity does not apply.
        let flow = generated.unwrap_or_else(|| PROFILE.clone());
        let mut run = SessionRun::started(&flow);
        let mut n = 0u32;
        let mut i = 0usize;
        while let Some(step) = current_step(&flow, &run.state) {
            run.now += Duration::seconds(7);
            if pause_before[i % 10] {
                run.apply(&SessionCommand::Pause { at: run.now }).expect("an active session pauses");
                run.apply(&SessionCommand::Resume { at: run.now }).expect("a paused session resumes");
            }
            if !step.required() && !optional_answered[i % 10] {
                run.apply(&SessionCommand::SkipStep { step: step.id().clone(), at: run.now }).expect("an optional step is skipped");
            } else {
                let required = step.required();
                run.apply(&submit(step, options.get(i).copied().unwrap_or(i), true, run.now)).expect("valid answers are accepted");
                if required {
                    n += 1;
                    let percent = progress(&flow, &run.state).percent;
                    prop_assert!(u32::from(percent) >= n * 14, "after required step {} of 7 progress is {}%", n, percent);
                }
            }
            i += 1;
        }
        prop_assert_eq!(n, 7);
    }

    /// P-SES-2 (MISSION.md E.8): completing any number of times gives the same final state and
    /// the same events; every Complete after the first records nothing and changes nothing.
    #[test]
    fn p_ses_2_completing_any_number_of_times_gives_the_same_final_state(
        flow in any_flow(),
        options in prop::collection::vec(0usize..6, 12),
        skip_optional in any::<bool>(),
        first in 0usize..6,
        second in 0usize..6,
        gaps in prop::collection::vec(pause_seconds(), 6),
    ) {
        let journey = |extra_completions: usize| -> Result<(Vec<SessionEvent>, SessionState), TestCaseError> {
            let mut run = SessionRun::started(&flow);
            run.walk_to_completion(&options, skip_optional);
            prop_assert_eq!(run.state.status, SessionStatus::Completed);
            for gap in gaps.iter().take(extra_completions) {
                run.now += Duration::seconds(*gap);
                let before = run.state.clone();
                let events = run.apply(&SessionCommand::Complete { at: run.now });
                prop_assert_eq!(events, Ok(vec![]), "completing again records nothing");
                prop_assert_eq!(&run.state, &before, "completing again changes nothing");
            }
            Ok((run.events.clone(), run.state))
        };
        let (events_a, state_a) = journey(first)?;
        let (events_b, state_b) = journey(second)?;
        prop_assert_eq!(&events_a, &events_b);
        prop_assert_eq!(&state_a, &state_b);
        let completions = events_a.iter().filter(|e| matches!(e, SessionEvent::Completed { .. })).count();
        prop_assert_eq!(completions, 1, "exactly one Completed event");
        prop_assert_eq!(&SessionDecider::new(&flow).fold(&events_a), &state_a);
    }

    /// P-SES-3: a completed, abandoned or expired session accepts nothing; completing a
    /// completed one is accepted and records nothing, and the expiry timer firing on a final
    /// session is a no-op.
    #[test]
    fn p_ses_3_a_finished_session_accepts_nothing_but_idempotent_completion(
        flow in any_flow(),
        prefix in session_acts(0..20),
        ending in 0u8..3,
        options in prop::collection::vec(0usize..6, 12),
        probes in session_acts(1..30),
    ) {
        let mut run = SessionRun::started(&flow);
        for (after, act) in &prefix {
            let _ = run.act(*after, act);
        }
        if !run.state.status.is_final() {
            match ending {
                0 => run.walk_to_completion(&options, false),
                1 => {
                    run.now += Duration::seconds(1);
                    run.apply(&SessionCommand::Abandon { reason: None, at: run.now }).expect("an open session can be abandoned");
                }
                _ => {
                    let idle = run.state.updated_at.expect("a started session has activity");
                    let timeout = i64::try_from(flow.inactivity_timeout_seconds()).expect("a sane timeout");
                    run.now = run.now.max(idle + Duration::seconds(timeout));
                    run.apply(&SessionCommand::Expire { at: run.now }).expect("the timer fires");
                }
            }
        }
        let status = run.state.status;
        prop_assert!(status.is_final(), "the session ended, got {:?}", status);
        let frozen = run.state.clone();
        let recorded = run.events.len();
        for (after, act) in &probes {
            run.now += Duration::seconds(*after);
            let command = session_command(&flow, &run.state, act, run.now);
            let decided = run.decider.decide(&run.state, &command);
            match (&command, status) {
                (SessionCommand::Complete { .. }, SessionStatus::Completed) | (SessionCommand::Expire { .. }, _) => {
                    prop_assert_eq!(decided, Ok(vec![]), "{:?} on a {:?} session", command, status);
                }
                (SessionCommand::Start { .. }, _) => prop_assert_eq!(decided, Err(SessionError::AlreadyStarted)),
                _ => prop_assert_eq!(decided, Err(SessionError::Finished(status)), "{:?} on a {:?} session", command, status),
            }
            let _ = run.apply(&command);
        }
        prop_assert_eq!(run.events.len(), recorded, "nothing was recorded");
        prop_assert_eq!(&run.state, &frozen);
    }

    /// P-SES-4 (MISSION.md B, the conditional step): a step whose condition is false is never
    /// required, never current, cannot be submitted, and the session completes without it.
    #[test]
    fn p_ses_4_a_step_whose_condition_is_false_is_never_required(
        depth in 0usize..7,
        options in prop::collection::vec(0usize..6, 8),
        acts in session_acts(1..60),
        simple in simple_income_options(),
    ) {
        let flow = &*PROFILE;
        let complexity = step_id("income_complexity");
        let income_type = step_id("income_type");
        let step = flow.step(&complexity).expect("the template has income_complexity");
        let mut run = SessionRun::started(flow);
        run.answer_steps(depth, &options);
        for (after, act) in &acts {
            let _ = run.act(*after, act);
            // Independent oracle: the template asks income_complexity only of these two.
            let applies = run.state.answers.get(&income_type).and_then(|a| a.get("choice")).and_then(|c| c.as_str())
                .is_some_and(|c| c == "self_employed" || c == "business");
            let (_, total) = required_counts(flow, &run.state);
            prop_assert_eq!(total, if applies { 8 } else { 7 });
            if !applies {
                prop_assert!(current_step(flow, &run.state).is_none_or(|s| s.id() != &complexity));
                let status = view(flow, &run.state).steps.iter().find(|s| s.id == "income_complexity").map(|s| s.status);
                prop_assert_eq!(status, Some(StepStatus::NotApplicable));
                if run.state.status == SessionStatus::Active {
                    for option in 0..3 {
                        let decided = run.decider.decide(&run.state, &submit(step, option, true, run.now));
                        prop_assert_eq!(decided, Err(SessionError::StepNotApplicable(complexity.clone())));
                    }
                }
            }
        }
        // And a journey that never meets it completes.
        let mut run = SessionRun::started(flow);
        run.walk_to_completion(&simple, false);
        prop_assert_eq!(run.state.status, SessionStatus::Completed);
        prop_assert!(!run.state.outcomes.contains_key(&complexity));
        prop_assert_eq!(progress(flow, &run.state).percent, 100);
    }

    /// P-SES-5: the submission that leaves no applicable step unanswered completes the session in
    /// the same decision, with the capability assessed on the final answers; no earlier one does.
    #[test]
    fn p_ses_5_answering_the_last_applicable_step_completes_the_session(
        options in prop::collection::vec(0usize..6, 8),
    ) {
        let flow = &*PROFILE;
        let mut run = SessionRun::started(flow);
        let mut i = 0usize;
        while let Some(step) = current_step(flow, &run.state) {
            run.now += Duration::seconds(5);
            let command = submit(step, options.get(i).copied().unwrap_or(i), true, run.now);
            let events = run.apply(&command).expect("valid answers to the current step");
            // Independent oracle: an applicable step left without an outcome, status aside.
            let left = flow.steps().iter().any(|s| {
                is_applicable(s, &run.state.answers) && !run.state.outcomes.contains_key(s.id())
            });
            let completed = events.iter().any(|e| matches!(e, SessionEvent::Completed { .. }));
            prop_assert_eq!(completed, !left, "after {}", step.id());
            i += 1;
        }
        prop_assert_eq!(run.state.status, SessionStatus::Completed);
        let rule = flow.capability_rule().expect("the template assesses capability");
        prop_assert_eq!(run.state.capability.clone(), Some(rule.evaluate(&run.state.answers)));
    }
}
