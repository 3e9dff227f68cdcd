//! WABA saga helpers for the issue 5 properties (`whatsapp.rs`): a begun Embedded Signup, step
//! results with sealed secrets, generated saga inputs.

use onramp_domain::decider::Decider;
use onramp_domain::ids::CustomerId;
use onramp_domain::waba::{
    BusinessId, PhoneNumberId, SignupIds, SignupStep, StepResult, WabaCommand, WabaDecider,
    WabaEvent, WabaId, WabaState,
};
use proptest::prelude::*;

use super::{at, t0};

pub fn account() -> CustomerId {
    CustomerId::new(uuid::Uuid::from_u128(0xacc0_0005))
}

pub fn ids() -> SignupIds {
    SignupIds {
        waba_id: WabaId::new("102290129340398"),
        phone_number_id: PhoneNumberId::new("106540352242922"),
        business_id: BusinessId::new("2729063490586005"),
    }
}

/// The saga begun with a code received at `t0()`.
pub fn begun(decider: &WabaDecider) -> (WabaState, Vec<WabaEvent>) {
    let events = decider
        .decide(
            &WabaState::default(),
            &WabaCommand::Begin {
                account: account(),
                ids: ids(),
                code_received_at: t0(),
                at: t0(),
            },
        )
        .expect("a new signup begins");
    (decider.fold(&events), events)
}

pub fn result_of(step: SignupStep, n: u8) -> StepResult {
    match step {
        SignupStep::CodeExchange => StepResult::CodeExchanged {
            sealed_token: format!("sealed-token-{n}"),
            expires_at: at(60 * 86_400),
        },
        SignupStep::WebhookSubscription => StepResult::WebhooksSubscribed,
        SignupStep::CreditLineSharing => StepResult::CreditLineShared {
            allocation_config_id: format!("58501441721238{n}"),
        },
        SignupStep::PhoneRegistration => StepResult::PhoneRegistered {
            sealed_pin: format!("sealed-pin-{n}"),
        },
    }
}

/// One saga input, as generated.
#[derive(Debug, Clone)]
pub enum SagaInput {
    Exchange,
    Expire,
    Success(SignupStep, u8),
    Failure(SignupStep),
}

pub fn step() -> impl Strategy<Value = SignupStep> {
    prop::sample::select(SignupStep::ALL.to_vec())
}

pub fn saga_input() -> impl Strategy<Value = SagaInput> {
    prop_oneof![
        2 => Just(SagaInput::Exchange),
        1 => Just(SagaInput::Expire),
        5 => (step(), 0u8..3).prop_map(|(s, n)| SagaInput::Success(s, n)),
        2 => step().prop_map(SagaInput::Failure),
    ]
}

impl SagaInput {
    pub fn command(&self, at: time::OffsetDateTime) -> WabaCommand {
        match self {
            Self::Exchange => WabaCommand::ExchangeCode { at },
            Self::Expire => WabaCommand::ExpireCode { at },
            Self::Success(step, n) => WabaCommand::RecordStep {
                result: result_of(*step, *n),
                at,
            },
            Self::Failure(step) => WabaCommand::StepFailed {
                step: *step,
                reason: "(#100) Invalid parameter".into(),
                at,
            },
        }
    }
}

/// The saga step an event completes, if any.
pub fn completes(event: &WabaEvent) -> Option<SignupStep> {
    match event {
        WabaEvent::CodeExchanged { .. } => Some(SignupStep::CodeExchange),
        WabaEvent::WebhooksSubscribed { .. } => Some(SignupStep::WebhookSubscription),
        WabaEvent::CreditLineShared { .. } => Some(SignupStep::CreditLineSharing),
        WabaEvent::PhoneRegistered { .. } => Some(SignupStep::PhoneRegistration),
        _ => None,
    }
}
