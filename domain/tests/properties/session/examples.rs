//! Example-based OnboardingSession decider tests, written with
//! `support::given(..).when(..).then(..)`: step order, answers, phone verification, pause and
//! resume, expiry, skipping and completion.

use onramp_domain::session::{SessionCommand, SessionDecider, SessionError, SessionEvent};
use serde_json::json;

use super::step_id;
use crate::support::*;

fn started_event() -> SessionEvent {
    let flow = &*PROFILE;
    SessionEvent::Started {
        id: session_id(),
        flow_id: flow.id().clone(),
        flow_version: flow.version(),
        channel: Default::default(),
        phone: None,
        external_ref: None,
        at: at(0),
    }
}

fn submitted(step: &str, answers: serde_json::Value, seconds: i64) -> SessionEvent {
    SessionEvent::StepSubmitted {
        step: step_id(step),
        answers,
        verified_phone: None,
        at: at(seconds),
    }
}

#[test]
fn submitting_a_later_step_first_is_an_invalid_transition() {
    given(SessionDecider::new(&PROFILE), [started_event()])
        .when(SessionCommand::SubmitStep {
            proof: None,
            step: step_id("consent"),
            answers: json!({"accepted": true}),
            verified_phone: None,
            at: at(5),
        })
        .then(Err(SessionError::StepOutOfOrder {
            step: step_id("consent"),
            current: "welcome".into(),
        }));
}

#[test]
fn the_current_step_is_answered_with_valid_answers() {
    given(SessionDecider::new(&PROFILE), [started_event()])
        .when(SessionCommand::SubmitStep {
            proof: None,
            step: step_id("welcome"),
            answers: json!({"choice": "personal_help"}),
            verified_phone: None,
            at: at(5),
        })
        .then(Ok(vec![submitted(
            "welcome",
            json!({"choice": "personal_help"}),
            5,
        )]));
}

#[test]
fn a_phone_step_without_an_approved_verification_is_refused() {
    given(
        SessionDecider::new(&PROFILE),
        [
            started_event(),
            submitted("welcome", json!({"choice": "general_info"}), 5),
        ],
    )
    .when(SessionCommand::SubmitStep {
        proof: None,
        step: step_id("phone"),
        answers: json!({"verification_id": verification_id().to_string()}),
        verified_phone: None,
        at: at(9),
    })
    .then(Err(SessionError::VerificationRequired(step_id("phone"))));
}

#[test]
fn a_paused_session_refuses_answers_until_resumed() {
    let decider = SessionDecider::new(&PROFILE);
    let answer = |seconds| SessionCommand::SubmitStep {
        proof: None,
        step: step_id("welcome"),
        answers: json!({"choice": "general_info"}),
        verified_phone: None,
        at: at(seconds),
    };
    given(
        decider,
        [started_event(), SessionEvent::Paused { at: at(3) }],
    )
    .when(answer(5))
    .then(Err(SessionError::Paused));
    given(
        decider,
        [started_event(), SessionEvent::Paused { at: at(3) }],
    )
    .when(SessionCommand::Resume { at: at(6) })
    .then(Ok(vec![SessionEvent::Resumed { at: at(6) }]));
    given(
        decider,
        [
            started_event(),
            SessionEvent::Paused { at: at(3) },
            SessionEvent::Resumed { at: at(6) },
        ],
    )
    .when(answer(7))
    .then(Ok(vec![submitted(
        "welcome",
        json!({"choice": "general_info"}),
        7,
    )]));
}

#[test]
fn an_idle_session_expires_after_the_flows_timeout() {
    let decider = SessionDecider::new(&PROFILE);
    let week = i64::try_from(PROFILE.inactivity_timeout_seconds()).expect("a sane timeout");
    assert_eq!(week, 604_800);
    let history = || {
        [
            started_event(),
            submitted("welcome", json!({"choice": "general_info"}), 100),
        ]
    };
    // Due a week after the last activity, not after the start.
    given(decider, history())
        .when(SessionCommand::Expire { at: at(week + 99) })
        .then(Ok(vec![]));
    given(decider, history())
        .when(SessionCommand::Expire { at: at(week + 100) })
        .then(Ok(vec![SessionEvent::Expired { at: at(week + 100) }]));
}

#[test]
fn a_required_step_cannot_be_skipped() {
    given(SessionDecider::new(&PROFILE), [started_event()])
        .when(SessionCommand::SkipStep {
            step: step_id("welcome"),
            at: at(5),
        })
        .then(Err(SessionError::StepRequired(step_id("welcome"))));
}

#[test]
fn completing_with_required_steps_left_names_them() {
    given(SessionDecider::new(&PROFILE), [started_event()])
        .when(SessionCommand::Complete { at: at(5) })
        .then_matches("RequiredStepsPending starting with welcome", |r| {
            matches!(r, Err(SessionError::RequiredStepsPending(steps)) if steps.first().is_some_and(|s| s == "welcome"))
        });
}

#[test]
fn completing_a_completed_session_records_nothing() {
    let mut run = SessionRun::started(&PROFILE);
    run.walk_to_completion(&[], false);
    given(SessionDecider::new(&PROFILE), run.events.clone())
        .when(SessionCommand::Complete { at: at(99_999) })
        .then(Ok(vec![]));
}
