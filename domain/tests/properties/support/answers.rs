//! Answer builders for every step kind.

use super::*;

/// The session every scenario starts.
pub fn session_id() -> SessionId {
    SessionId::new(uuid::Uuid::from_u128(0x5e55_1000))
}

/// The approved verification offered for phone steps.
pub fn verification_id() -> VerificationId {
    VerificationId::new(uuid::Uuid::from_u128(0xc0de_0001))
}

/// The phone every scenario uses.
pub fn phone() -> PhoneNumber {
    PhoneNumber::parse("+442079460018", None).expect("a valid UK number")
}

/// The answers to a step: valid ones (option `option` of a choice, modulo its options), or
/// ones the step refuses (bad schema, or a phone step without its approved verification).
pub fn answers_for(step: &Step, option: usize, valid: bool) -> (Value, Option<VerifiedPhone>) {
    let verified = || VerifiedPhone {
        verification_id: verification_id(),
        phone: phone(),
    };
    match (step.kind(), valid) {
        (StepKind::Info, true) => (json!({}), None),
        (StepKind::Info, false) => (json!({ "extra": 1 }), None),
        (StepKind::Consent, v) => (json!({ "accepted": v }), None),
        (StepKind::Review, v) => (json!({ "confirmed": v }), None),
        (StepKind::Choice, true) => {
            let options = step.options();
            let id = options
                .get(option % options.len().max(1))
                .map_or("none", |o| o.id.as_str());
            (json!({ "choice": id }), None)
        }
        (StepKind::Choice, false) => (json!({ "choice": "not-an-option" }), None),
        (StepKind::Form, true) => {
            let fields: serde_json::Map<String, Value> = step
                .schema()
                .fields()
                .iter()
                .filter_map(|f| f.example().map(|e| (f.name().to_string(), e.clone())))
                .collect();
            (Value::Object(fields), None)
        }
        (StepKind::Form, false) => (json!({ "not_a_field": true }), None),
        (StepKind::PhoneVerification, true) => (
            json!({ "verification_id": verification_id().to_string() }),
            Some(verified()),
        ),
        // Schema-valid, but no approved verification is offered.
        (StepKind::PhoneVerification, false) => (
            json!({ "verification_id": verification_id().to_string() }),
            None,
        ),
        // Generated flows have no payment or WhatsApp steps (their proofs come from the trial,
        // order and WABA deciders, tested in trial.rs, order.rs and whatsapp.rs);
        // schema-invalid answers.
        (
            StepKind::CardOnFileTrial
            | StepKind::PaypalCheckout
            | StepKind::WhatsAppSignup
            | StepKind::WhatsAppSender,
            _,
        ) => (json!({}), None),
    }
}

/// A submit command for `step` with `answers_for(step, option, valid)`.
pub fn submit(step: &Step, option: usize, valid: bool, at: OffsetDateTime) -> SessionCommand {
    let (answers, verified_phone) = answers_for(step, option, valid);
    SessionCommand::SubmitStep {
        proof: None,
        step: step.id().clone(),
        answers,
        verified_phone,
        at,
    }
}

/// The start command of every session scenario.
pub fn start(at: OffsetDateTime) -> SessionCommand {
    SessionCommand::Start {
        id: session_id(),
        channel: Default::default(),
        phone: None,
        external_ref: None,
        at,
    }
}
