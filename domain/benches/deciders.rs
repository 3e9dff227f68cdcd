//! Decider benchmarks: one session step submission, folding a whole journey, a verification
//! start and check, and the quota decision with 5 sends in the window.
//!
//! Run: `cargo bench -p onramp-domain --bench deciders -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use onramp_domain::decider::Decider;
use onramp_domain::flow::{Flow, StepId};
use onramp_domain::ids::{SessionId, VerificationId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::session::{
    SessionCommand, SessionDecider, SessionEvent, SessionState, VerifiedPhone,
};
use onramp_domain::verification::{
    CodeHash, QuotaCommand, QuotaDecider, QuotaEvent, QuotaState, SendAllowance,
    VerificationCommand, VerificationDecider, VerificationState,
};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const PROFILE: &str = include_str!("../../spec/flows/conversational-profile.toml");

fn t(seconds: i64) -> OffsetDateTime {
    datetime!(2026-03-02 09:00 UTC) + Duration::seconds(seconds)
}

fn step(id: &str) -> StepId {
    StepId::parse(id).expect("a valid step id")
}

fn phone() -> PhoneNumber {
    PhoneNumber::parse("+442079460018", None).expect("a valid number")
}

/// The commands of a whole conversational-profile journey (self-employed, so the conditional
/// step applies), start included.
fn journey() -> Vec<SessionCommand> {
    let vid = VerificationId::new(uuid::Uuid::from_u128(7));
    let answer = |id: &str, answers: Value, at: i64| SessionCommand::SubmitStep {
        proof: None,
        step: step(id),
        answers,
        verified_phone: (id == "phone").then(|| VerifiedPhone {
            verification_id: vid,
            phone: phone(),
        }),
        at: t(at),
    };
    vec![
        SessionCommand::Start {
            id: SessionId::new(uuid::Uuid::from_u128(1)),
            channel: Default::default(),
            phone: None,
            external_ref: None,
            at: t(0),
        },
        answer("welcome", json!({"choice": "personal_help"}), 10),
        answer("phone", json!({"verification_id": vid.to_string()}), 20),
        answer("consent", json!({"accepted": true}), 30),
        answer("goal", json!({"choice": "file"}), 40),
        answer("income_type", json!({"choice": "self_employed"}), 50),
        answer("income_complexity", json!({"choice": "simple"}), 60),
        answer("confidence", json!({"choice": "high"}), 70),
        answer("complete", json!({"confirmed": true}), 80),
    ]
}

/// Decides and folds `commands` from the initial state.
fn run(
    decider: &SessionDecider<'_>,
    commands: &[SessionCommand],
) -> (SessionState, Vec<SessionEvent>) {
    let mut state = SessionState::default();
    let mut all = Vec::new();
    for c in commands {
        let events = decider.decide(&state, c).expect("the journey is valid");
        state = events.iter().fold(state, |s, e| decider.evolve(s, e));
        all.extend(events);
    }
    (state, all)
}

fn sessions(c: &mut Criterion) {
    let flow = Flow::from_toml(PROFILE).expect("the template loads");
    let decider = SessionDecider::new(&flow);
    let commands = journey();
    // Started, then welcome, phone, consent and goal answered; income_type is next.
    let (state, _) = run(&decider, &commands[..5]);
    let next = commands[5].clone();
    c.bench_function("session/decide_and_evolve_one_step", |b| {
        b.iter(|| {
            let events = decider
                .decide(black_box(&state), black_box(&next))
                .expect("income_type is current");
            events
                .iter()
                .fold(state.clone(), |s, e| decider.evolve(s, e))
        });
    });
    let (_, events) = run(&decider, &commands);
    c.bench_function("session/fold_whole_journey", |b| {
        b.iter(|| decider.fold(black_box(&events)))
    });
}

fn verifications(c: &mut Criterion) {
    let decider = VerificationDecider::default();
    let start = VerificationCommand::Start {
        id: VerificationId::new(uuid::Uuid::from_u128(9)),
        phone: phone(),
        session_id: None,
        channel: None,
        code_hash: CodeHash([1; 32]),
        quota: SendAllowance::Allowed,
        at: t(0),
    };
    let check = VerificationCommand::Check {
        code_hash: CodeHash([1; 32]),
        at: t(40),
    };
    c.bench_function("verification/start_and_check", |b| {
        b.iter(|| {
            let started = decider
                .decide(&VerificationState::default(), black_box(&start))
                .expect("starts");
            let state = decider.fold(&started);
            let checked = decider
                .decide(&state, black_box(&check))
                .expect("the right code");
            checked.iter().fold(state, |s, e| decider.evolve(s, e))
        });
    });
}

fn quota(c: &mut Criterion) {
    let decider = QuotaDecider::default();
    let sends: Vec<QuotaEvent> = (0..5)
        .map(|i| QuotaEvent::SendReserved { at: t(i * 60) })
        .collect();
    let state: QuotaState = decider.fold(&sends);
    let reserve = QuotaCommand::Reserve { at: t(600) };
    c.bench_function("quota/decide_with_5_sends_in_window", |b| {
        b.iter(|| {
            decider
                .decide(black_box(&state), black_box(&reserve))
                .is_err()
        });
    });
}

criterion_group!(benches, sessions, verifications, quota);
criterion_main!(benches);
