//! Test support shared by the property modules: the `given(events).when(cmd).then(..)` helper,
//! a fixed clock, flows (the real `conversational-profile` template and generated ones), answer
//! builders, command generators, and a small pure model of what the application service does
//! around the verification decider (`domain/src/app/verifications.rs`: compute the send
//! allowance from the per-phone quota, decide, reserve one quota send per `CodeSent`).

use std::fmt::{Debug, Write as _};
use std::sync::LazyLock;

use onramp_domain::decider::Decider;
use onramp_domain::flow::{Flow, Step, StepKind};
use onramp_domain::ids::{SessionId, VerificationId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::session::{
    SessionCommand, SessionDecider, SessionError, SessionEvent, SessionState, VerifiedPhone,
    current_step,
};
use onramp_domain::verification::{
    Channel, CodeHash, DeliveryOutcome, QuotaCommand, QuotaDecider, QuotaState, SendAllowance,
    VerificationCommand, VerificationDecider, VerificationError, VerificationEvent,
    VerificationState,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

// ------------------------------------------------------------------------------------------
// given / when / then
// ------------------------------------------------------------------------------------------

/// A decider and the state folded from the events given so far.
pub struct Given<D: Decider> {
    decider: D,
    state: D::State,
}

/// Starts an example: `decider` with `events` already recorded.
pub fn given<D: Decider>(decider: D, events: impl IntoIterator<Item = D::Event>) -> Given<D> {
    let events: Vec<D::Event> = events.into_iter().collect();
    let state = decider.fold(&events);
    Given { decider, state }
}

impl<D: Decider> Given<D> {
    /// Decides `command` in the given state.
    pub fn when(self, command: D::Command) -> When<D> {
        let result = self.decider.decide(&self.state, &command);
        When {
            decider: self.decider,
            state: self.state,
            result,
        }
    }
}

/// The decision taken in a [`Given`] state.
pub struct When<D: Decider> {
    decider: D,
    state: D::State,
    result: Result<Vec<D::Event>, D::Error>,
}

impl<D: Decider> When<D>
where
    D::Event: PartialEq + Debug,
    D::Error: PartialEq + Debug,
{
    /// Asserts the decision is exactly `expected`; returns the state after its events.
    #[track_caller]
    pub fn then(self, expected: Result<Vec<D::Event>, D::Error>) -> D::State {
        assert_eq!(self.result, expected);
        self.after()
    }

    /// Asserts the decision satisfies `check` (for events holding values the example does not
    /// fix); returns the state after its events.
    #[track_caller]
    pub fn then_matches(
        self,
        what: &str,
        check: impl FnOnce(&Result<Vec<D::Event>, D::Error>) -> bool,
    ) -> D::State {
        assert!(
            check(&self.result),
            "expected {what}, got {:?}",
            self.result
        );
        self.after()
    }

    fn after(self) -> D::State {
        match self.result {
            Ok(events) => events
                .iter()
                .fold(self.state, |s, e| self.decider.evolve(s, e)),
            Err(_) => self.state,
        }
    }
}

/// The proptest configuration of every property: `cases` cases, and no regression files
/// (a failure prints its shrunk input; pin it as an example test instead).
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------------------------------------
// Time
// ------------------------------------------------------------------------------------------

/// The start of every scenario.
pub fn t0() -> OffsetDateTime {
    datetime!(2026-03-02 09:00 UTC)
}

/// `t0()` plus `seconds`.
pub fn at(seconds: i64) -> OffsetDateTime {
    t0() + Duration::seconds(seconds)
}

/// Seconds between two commands: mostly short, sometimes long enough to cross a TTL, the
/// rolling hour or a flow's inactivity timeout, and the boundaries themselves.
pub fn pause_seconds() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 0i64..120,
        2 => prop::sample::select(vec![0i64, 1, 29, 30, 299, 300, 301]),
        2 => 0i64..4_000,
        1 => 500_000i64..800_000,
    ]
}

// ------------------------------------------------------------------------------------------
// Flows
// ------------------------------------------------------------------------------------------

/// The real template of MISSION.md B.
pub const PROFILE_TOML: &str = include_str!("../../../../spec/flows/conversational-profile.toml");

/// `conversational-profile`, loaded once.
pub static PROFILE: LazyLock<Flow> =
    LazyLock::new(|| Flow::from_toml(PROFILE_TOML).expect("conversational-profile.toml loads"));

/// The kinds a generated flow uses (phone verification is covered by the real template).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenKind {
    /// `info`.
    Info,
    /// `consent`.
    Consent,
    /// `choice` with three options.
    Choice,
    /// `form` with two fields.
    Form,
    /// `review`.
    Review,
}

/// One step of a generated flow.
#[derive(Debug, Clone, Copy)]
pub struct GenStep {
    /// Its kind.
    pub kind: GenKind,
    /// Required (or optional, so skippable).
    pub required: bool,
}

fn gen_kind() -> impl Strategy<Value = GenKind> {
    prop::sample::select(vec![
        GenKind::Info,
        GenKind::Consent,
        GenKind::Choice,
        GenKind::Form,
        GenKind::Review,
    ])
}

/// Exactly 7 required steps of random kinds, with 0 to 3 optional steps anywhere among them.
pub fn seven_required_steps() -> impl Strategy<Value = Vec<GenStep>> {
    (
        prop::collection::vec(gen_kind(), 7),
        prop::collection::vec((0usize..=7, gen_kind()), 0..=3),
    )
        .prop_map(|(required, optional)| {
            let mut steps: Vec<GenStep> = required
                .into_iter()
                .map(|kind| GenStep {
                    kind,
                    required: true,
                })
                .collect();
            let mut optional = optional;
            optional.sort_by_key(|(pos, _)| std::cmp::Reverse(*pos));
            for (pos, kind) in optional {
                steps.insert(
                    pos.min(steps.len()),
                    GenStep {
                        kind,
                        required: false,
                    },
                );
            }
            steps
        })
}

/// The TOML template of a generated flow.
pub fn flow_toml(steps: &[GenStep]) -> String {
    let mut out = String::from(
        "id = \"generated\"\nversion = 1\ntitle = \"Generated\"\ndescription = \"A generated flow.\"\n\
         inactivity_timeout_seconds = 604800\n",
    );
    for (i, step) in steps.iter().enumerate() {
        let kind = match step.kind {
            GenKind::Info => "info",
            GenKind::Consent => "consent",
            GenKind::Choice => "choice",
            GenKind::Form => "form",
            GenKind::Review => "review",
        };
        let _ = write!(
            out,
            "\n[[steps]]\nid = \"s{i}\"\nkind = \"{kind}\"\ntitle = \"Step {i}\"\nrequired = {}\nestimated_seconds = {}\n",
            step.required,
            10 + i
        );
        match step.kind {
            GenKind::Choice => out.push_str(
                "options = [{ id = \"a\", label = \"A\" }, { id = \"b\", label = \"B\" }, { id = \"c\", label = \"C\" }]\n",
            ),
            GenKind::Form => out.push_str(
                "\n[[steps.fields]]\nname = \"name\"\ntype = \"string\"\nmin_length = 2\nexample = \"Ann\"\n\
                 \n[[steps.fields]]\nname = \"seats\"\ntype = \"integer\"\nminimum = 1\nrequired = false\nexample = 3\n",
            ),
            _ => {}
        }
    }
    out
}

/// A generated flow of exactly 7 required steps (and up to 3 optional ones).
pub fn generated_flow() -> impl Strategy<Value = Flow> {
    seven_required_steps()
        .prop_map(|steps| Flow::from_toml(&flow_toml(&steps)).expect("a generated flow loads"))
}

/// The real template or a generated flow.
pub fn any_flow() -> impl Strategy<Value = Flow> {
    prop_oneof![Just(PROFILE.clone()), generated_flow()]
}

mod answers;
mod arrivals;
mod commands;
mod otp_model;
mod trial_data;
mod trial_run;
mod waba_saga;

pub use answers::*;
pub use arrivals::*;
pub use commands::*;
pub use otp_model::*;
pub use trial_data::*;
pub use trial_run::*;
pub use waba_saga::*;
