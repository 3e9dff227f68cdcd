//! The session decider driven by arbitrary commands on the real `conversational-profile`
//! template: `decide` never panics, progress never decreases (P-SES-1), and a completed,
//! abandoned or expired session accepts nothing but idempotent completion and the no-op expiry
//! timer (P-SES-2, P-SES-3).
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::decider::Decider;
use onramp_domain::flow::{Flow, Step, StepKind};
use onramp_domain::ids::{OrderId, SessionId, TrialId, VerificationId, WabaAccountId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::session::{
    SessionCommand, SessionDecider, SessionError, SessionState, SessionStatus, StepProof,
    VerifiedPhone, current_step, progress,
};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

/// The templates fuzzed: a choice-heavy one, the two with payment steps (one with a WhatsApp
/// sender step) and the one with Embedded Signup.
static FLOWS: LazyLock<[Flow; 4]> = LazyLock::new(|| {
    [
        include_str!("../../spec/flows/conversational-profile.toml"),
        include_str!("../../spec/flows/unified-voice-first.toml"),
        include_str!("../../spec/flows/ai-receptionist.toml"),
        include_str!("../../spec/flows/solution-partner-whatsapp.toml"),
    ]
    .map(|toml| Flow::from_toml(toml).expect("the template loads"))
});

static PHONE: LazyLock<PhoneNumber> =
    LazyLock::new(|| PhoneNumber::parse("+442079460018", None).expect("a valid number"));

#[derive(Debug, Arbitrary)]
enum Act {
    Start,
    /// `step` 0 is the current step, n > 0 the (n - 1)-th step of the flow.
    Submit {
        step: u8,
        option: u8,
        valid: bool,
    },
    Skip {
        step: u8,
    },
    Pause,
    Resume,
    Complete,
    Abandon,
    Expire,
}

#[derive(Debug, Arbitrary)]
struct Timed {
    /// Seconds after the previous command (modulo 8 days).
    after: u32,
    act: Act,
}

fn verification_id() -> VerificationId {
    VerificationId::new(uuid::Uuid::from_u128(0xc0de))
}

fn answers(
    step: &Step,
    option: u8,
    valid: bool,
) -> (Value, Option<VerifiedPhone>, Option<StepProof>) {
    let (answers, phone) = match (step.kind(), valid) {
        (StepKind::Info, true) => (json!({}), None),
        (StepKind::Consent, v) => (json!({ "accepted": v }), None),
        (StepKind::Review, v) => (json!({ "confirmed": v }), None),
        (StepKind::Choice, true) => {
            let options = step.options();
            let id = options
                .get(usize::from(option) % options.len().max(1))
                .map_or("none", |o| o.id.as_str());
            (json!({ "choice": id }), None)
        }
        (StepKind::Form, true) => {
            let fields = step
                .schema()
                .fields()
                .iter()
                .filter_map(|f| f.example().map(|e| (f.name().to_string(), e.clone())))
                .collect();
            (Value::Object(fields), None)
        }
        (StepKind::PhoneVerification, v) => (
            json!({ "verification_id": verification_id().to_string() }),
            v.then(|| VerifiedPhone {
                verification_id: verification_id(),
                phone: PHONE.clone(),
            }),
        ),
        // A payment step's proof: the trial or order with this id started or was captured.
        (StepKind::CardOnFileTrial, v) => {
            let id = TrialId::new(uuid::Uuid::from_u128(0x7e1a));
            return (
                json!({ "trial_id": id.to_string() }),
                None,
                v.then_some(StepProof::Trial(id)),
            );
        }
        (StepKind::PaypalCheckout, v) => {
            let id = OrderId::new(uuid::Uuid::from_u128(0x0d3e));
            return (
                json!({ "order_id": id.to_string() }),
                None,
                v.then_some(StepProof::Order(id)),
            );
        }
        // A WhatsApp step's proof: the account of this session is active (signup) or
        // submitted (sender).
        (StepKind::WhatsAppSignup | StepKind::WhatsAppSender, v) => {
            let id = WabaAccountId::new(uuid::Uuid::from_u128(0x3aba));
            return (
                json!({ "waba_account_id": id.to_string() }),
                None,
                v.then_some(StepProof::Waba(id)),
            );
        }
        (_, false) => (json!({ "choice": 1, "unknown": [] }), None),
    };
    (answers, phone, None)
}

fn command(flow: &Flow, state: &SessionState, act: &Act, at: OffsetDateTime) -> SessionCommand {
    let pick = |n: u8| -> &Step {
        let steps = flow.steps();
        match n {
            0 => current_step(flow, state).unwrap_or(&steps[0]),
            n => &steps[usize::from(n - 1) % steps.len()],
        }
    };
    match act {
        Act::Start => SessionCommand::Start {
            id: SessionId::new(uuid::Uuid::from_u128(1)),
            channel: Default::default(),
            phone: None,
            external_ref: None,
            at,
        },
        Act::Submit {
            step,
            option,
            valid,
        } => {
            let step = pick(*step);
            let (answers, verified_phone, proof) = answers(step, *option, *valid);
            SessionCommand::SubmitStep {
                step: step.id().clone(),
                answers,
                verified_phone,
                proof,
                at,
            }
        }
        Act::Skip { step } => SessionCommand::SkipStep {
            step: pick(*step).id().clone(),
            at,
        },
        Act::Pause => SessionCommand::Pause { at },
        Act::Resume => SessionCommand::Resume { at },
        Act::Complete => SessionCommand::Complete { at },
        Act::Abandon => SessionCommand::Abandon { reason: None, at },
        Act::Expire => SessionCommand::Expire { at },
    }
}

fuzz_target!(|input: (u8, Vec<Timed>)| {
    let (pick, acts) = input;
    let flow = &FLOWS[usize::from(pick) % FLOWS.len()];
    let decider = SessionDecider::new(flow);
    let mut state = SessionState::default();
    let mut now = time::macros::datetime!(2026-03-02 09:00 UTC);
    let mut high = 0u8;
    for timed in acts.iter().take(200) {
        now += Duration::seconds(i64::from(timed.after % 691_200));
        let cmd = command(flow, &state, &timed.act, now);
        let decided = decider.decide(&state, &cmd);
        let status = state.status;
        if status.is_final() {
            match (&cmd, status) {
                (SessionCommand::Complete { .. }, SessionStatus::Completed)
                | (SessionCommand::Expire { .. }, _) => {
                    assert_eq!(decided, Ok(vec![]), "{cmd:?} on a {status:?} session")
                }
                (SessionCommand::Start { .. }, _) => {
                    assert_eq!(decided, Err(SessionError::AlreadyStarted))
                }
                _ => assert_eq!(
                    decided,
                    Err(SessionError::Finished(status)),
                    "{cmd:?} on a {status:?} session"
                ),
            }
        }
        if let Ok(events) = decided {
            for e in &events {
                state = decider.evolve(state, e);
                let percent = progress(flow, &state).percent;
                assert!(
                    percent >= high,
                    "progress went down from {high} to {percent} after {e:?}"
                );
                assert!(percent <= 100);
                high = percent;
            }
        }
    }
});
