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
pub const PROFILE_TOML: &str = include_str!("../../../spec/flows/conversational-profile.toml");

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

// ------------------------------------------------------------------------------------------
// Answers
// ------------------------------------------------------------------------------------------

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
    }
}

/// A submit command for `step` with `answers_for(step, option, valid)`.
pub fn submit(step: &Step, option: usize, valid: bool, at: OffsetDateTime) -> SessionCommand {
    let (answers, verified_phone) = answers_for(step, option, valid);
    SessionCommand::SubmitStep {
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

// ------------------------------------------------------------------------------------------
// Session commands
// ------------------------------------------------------------------------------------------

/// A session command before it is tied to a flow and a time: `step: None` means the current
/// step (or the first one when there is none).
#[derive(Debug, Clone)]
pub enum SessionAct {
    /// Start (again).
    Start,
    /// Submit a step.
    Submit {
        /// Which step (index modulo the flow's length), or the current one.
        step: Option<usize>,
        /// Which option of a choice.
        option: usize,
        /// Valid answers or refused ones.
        valid: bool,
    },
    /// Skip a step.
    Skip {
        /// Which step, or the current one.
        step: Option<usize>,
    },
    /// Pause.
    Pause,
    /// Resume.
    Resume,
    /// Complete.
    Complete,
    /// Abandon.
    Abandon,
    /// The inactivity timer fires.
    Expire,
}

/// Any session act, weighted towards answering.
pub fn session_act() -> impl Strategy<Value = SessionAct> {
    let step = prop_oneof![1 => Just(None), 1 => (0usize..10).prop_map(Some)];
    prop_oneof![
        1 => Just(SessionAct::Start),
        12 => (step.clone(), 0usize..6, prop::bool::weighted(0.75))
            .prop_map(|(step, option, valid)| SessionAct::Submit { step, option, valid }),
        2 => step.prop_map(|step| SessionAct::Skip { step }),
        2 => Just(SessionAct::Pause),
        2 => Just(SessionAct::Resume),
        2 => Just(SessionAct::Complete),
        1 => Just(SessionAct::Abandon),
        1 => Just(SessionAct::Expire),
    ]
}

/// A list of acts, each after a pause.
pub fn session_acts(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(i64, SessionAct)>> {
    prop::collection::vec((pause_seconds(), session_act()), len)
}

/// Ties an act to `flow`, the session's `state` and the time.
pub fn session_command(
    flow: &Flow,
    state: &SessionState,
    act: &SessionAct,
    at: OffsetDateTime,
) -> SessionCommand {
    let pick = |step: &Option<usize>| -> &Step {
        let steps = flow.steps();
        match step {
            Some(i) => &steps[i % steps.len()],
            None => current_step(flow, state).unwrap_or(&steps[0]),
        }
    };
    match act {
        SessionAct::Start => start(at),
        SessionAct::Submit {
            step,
            option,
            valid,
        } => submit(pick(step), *option, *valid, at),
        SessionAct::Skip { step } => SessionCommand::SkipStep {
            step: pick(step).id().clone(),
            at,
        },
        SessionAct::Pause => SessionCommand::Pause { at },
        SessionAct::Resume => SessionCommand::Resume { at },
        SessionAct::Complete => SessionCommand::Complete { at },
        SessionAct::Abandon => SessionCommand::Abandon {
            reason: Some("changed my mind".into()),
            at,
        },
        SessionAct::Expire => SessionCommand::Expire { at },
    }
}

/// One session driven command by command, keeping every recorded event.
pub struct SessionRun<'f> {
    /// The decider.
    pub decider: SessionDecider<'f>,
    /// The state after every event so far.
    pub state: SessionState,
    /// Every event so far.
    pub events: Vec<SessionEvent>,
    /// The time of the latest command.
    pub now: OffsetDateTime,
}

impl<'f> SessionRun<'f> {
    /// A session of `flow`, not started yet.
    pub fn new(flow: &'f Flow) -> Self {
        Self {
            decider: SessionDecider::new(flow),
            state: SessionState::default(),
            events: Vec::new(),
            now: t0(),
        }
    }

    /// A session of `flow` started at `t0()`.
    pub fn started(flow: &'f Flow) -> Self {
        let mut run = Self::new(flow);
        run.apply(&start(t0())).expect("a new session starts");
        run
    }

    /// The flow.
    pub fn flow(&self) -> &'f Flow {
        self.decider.flow
    }

    /// Decides `command` and records its events. `on_event` sees the state after each event.
    pub fn apply_with(
        &mut self,
        command: &SessionCommand,
        mut on_event: impl FnMut(&SessionState),
    ) -> Result<Vec<SessionEvent>, SessionError> {
        let events = self.decider.decide(&self.state, command)?;
        for e in &events {
            self.state = self.decider.evolve(std::mem::take(&mut self.state), e);
            on_event(&self.state);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Decides `command` and records its events.
    pub fn apply(&mut self, command: &SessionCommand) -> Result<Vec<SessionEvent>, SessionError> {
        self.apply_with(command, |_| {})
    }

    /// Plays `act` `after` seconds after the latest command.
    pub fn act(&mut self, after: i64, act: &SessionAct) -> Result<Vec<SessionEvent>, SessionError> {
        self.now += Duration::seconds(after);
        let command = session_command(self.flow(), &self.state, act, self.now);
        self.apply(&command)
    }

    /// Answers the current step validly `steps` times (fewer if the flow runs out), so that a
    /// scenario starts deep in the flow; `options[i]` picks the option of the i-th answer.
    pub fn answer_steps(&mut self, steps: usize, options: &[usize]) {
        for i in 0..steps {
            let Some(step) = current_step(self.flow(), &self.state) else {
                return;
            };
            self.now += Duration::seconds(5);
            let command = submit(step, options.get(i).copied().unwrap_or(i), true, self.now);
            self.apply(&command)
                .expect("valid answers to the current step are accepted");
        }
    }

    /// Answers (or skips, for optional steps when `skip_optional`) every current step in order
    /// with valid answers, then completes the session if the last step did not. `options[i]`
    /// picks the option of the i-th step answered.
    pub fn walk_to_completion(&mut self, options: &[usize], skip_optional: bool) {
        if self.state.status == onramp_domain::session::SessionStatus::Paused {
            self.now += Duration::seconds(1);
            self.apply(&SessionCommand::Resume { at: self.now })
                .expect("a paused session resumes");
        }
        let mut i = 0usize;
        while let Some(step) = current_step(self.flow(), &self.state) {
            self.now += Duration::seconds(5);
            let command = if skip_optional && !step.required() {
                SessionCommand::SkipStep {
                    step: step.id().clone(),
                    at: self.now,
                }
            } else {
                submit(step, options.get(i).copied().unwrap_or(i), true, self.now)
            };
            self.apply(&command)
                .expect("valid answers to the current step are accepted");
            i += 1;
        }
        // The last step completes the session by itself unless optional steps were left.
        if self.state.status != onramp_domain::session::SessionStatus::Completed {
            self.now += Duration::seconds(5);
            self.apply(&SessionCommand::Complete { at: self.now })
                .expect("a session with every required step done completes");
        }
    }
}

// ------------------------------------------------------------------------------------------
// Phone verification: a pure model of the application service
// ------------------------------------------------------------------------------------------

/// The code hash of code number `n` (codes are generated outside the decider; a few distinct
/// ones are enough to have right and wrong checks).
pub fn code(n: u8) -> CodeHash {
    CodeHash([n; 32])
}

/// The spec's time to live of a code (MISSION.md B: 300 s), kept apart from the policy.
pub const TTL_SECONDS: i64 = 300;
/// The spec's wrong checks before the lock.
pub const MAX_FAILED_CHECKS: u32 = 5;
/// The spec's limit of sends per phone per rolling hour (MISSION.md A).
pub const MAX_SENDS_PER_HOUR: usize = 5;

/// A verification command before it is tied to a verification, a time and an allowance.
#[derive(Debug, Clone)]
pub enum OtpAct {
    /// Start a new verification of the phone, sending code `code`.
    Start {
        /// Requested first channel.
        channel: Option<Channel>,
        /// Which code.
        code: u8,
    },
    /// Resend on verification `v` (index modulo the ones started).
    Resend {
        /// Which verification.
        v: usize,
        /// Requested channel.
        channel: Option<Channel>,
        /// The new code.
        code: u8,
    },
    /// A provider answers for one delivery of verification `v`.
    Deliver {
        /// Which verification.
        v: usize,
        /// Which delivery (index modulo the deliveries), or the latest.
        delivery: Option<usize>,
        /// Failed (or delivered).
        failed: bool,
    },
    /// The user types code `code` for verification `v`.
    Check {
        /// Which verification.
        v: usize,
        /// Which code.
        code: u8,
    },
    /// The expiry timer of verification `v` fires.
    Expire {
        /// Which verification.
        v: usize,
    },
}

/// One command of the clock-driven scenario: the clock moves `advance` seconds forward, and
/// the command is stamped `jitter` seconds before the clock (a replica whose clock lags).
#[derive(Debug, Clone)]
pub struct OtpStep {
    /// Seconds the clock moves.
    pub advance: i64,
    /// Seconds the command's time lags behind the clock (0..=60).
    pub jitter: i64,
    /// The command.
    pub act: OtpAct,
}

fn channel() -> impl Strategy<Value = Option<Channel>> {
    prop_oneof![2 => Just(None), 1 => Just(Some(Channel::Voice)), 1 => Just(Some(Channel::Sms))]
}

/// Any verification act; codes 0..3, so about a third of checks are right.
pub fn otp_act() -> impl Strategy<Value = OtpAct> {
    let v = 0usize..4;
    prop_oneof![
        3 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        3 => (v.clone(), channel(), 0u8..3).prop_map(|(v, channel, code)| OtpAct::Resend { v, channel, code }),
        4 => (v.clone(), prop_oneof![3 => Just(None), 1 => (0usize..4).prop_map(Some)], prop::bool::weighted(0.7))
            .prop_map(|(v, delivery, failed)| OtpAct::Deliver { v, delivery, failed }),
        4 => (v.clone(), 0u8..3).prop_map(|(v, code)| OtpAct::Check { v, code }),
        1 => v.prop_map(|v| OtpAct::Expire { v }),
    ]
}

/// Clock moves for the verification scenarios: mostly seconds to minutes, sometimes close to
/// the rolling hour, and the TTL and cooldown boundaries.
pub fn otp_advance() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..90,
        2 => prop::sample::select(vec![0i64, 1, 29, 30, 31, 299, 300]),
        2 => 0i64..900,
        1 => 3_500i64..3_700,
    ]
}

/// A scenario of `len` steps; `jitter` says whether command times may lag the clock.
pub fn otp_steps(len: std::ops::Range<usize>, jitter: bool) -> impl Strategy<Value = Vec<OtpStep>> {
    let lag = if jitter { 0i64..=60 } else { 0i64..=0 };
    prop::collection::vec(
        (otp_advance(), lag, otp_act()).prop_map(|(advance, jitter, act)| OtpStep {
            advance,
            jitter,
            act,
        }),
        len,
    )
}

/// A scenario that crowds sends around the edges of the rolling hour: the clock moves by a
/// few seconds or by about an hour, most commands send a code, and command times lag the clock
/// by up to a minute. This is where a quota that forgets sends too early lets a sixth through.
pub fn otp_steps_around_the_hour(
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<OtpStep>> {
    let advance = prop_oneof![4 => 0i64..20, 1 => 3_560i64..3_660];
    let act = prop_oneof![
        4 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        1 => otp_act(),
    ];
    prop::collection::vec(
        (advance, 0i64..=60, act).prop_map(|(advance, jitter, act)| OtpStep {
            advance,
            jitter,
            act,
        }),
        len,
    )
}

/// A scenario of checks, mostly on one verification, at exact clock times: wrong codes pile up
/// towards the lock, and checks land on the TTL boundary (300 s after a send).
pub fn otp_steps_check_heavy(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<OtpStep>> {
    let advance = prop_oneof![
        6 => 0i64..20,
        1 => prop::sample::select(vec![299i64, 300, 301]),
    ];
    let act = prop_oneof![
        1 => (channel(), 0u8..3).prop_map(|(channel, code)| OtpAct::Start { channel, code }),
        8 => (0usize..2, 0u8..3).prop_map(|(v, code)| OtpAct::Check { v, code }),
        1 => (0usize..2, channel(), 0u8..3).prop_map(|(v, channel, code)| OtpAct::Resend { v, channel, code }),
        1 => (0usize..2).prop_map(|v| OtpAct::Expire { v }),
    ];
    prop::collection::vec(
        (advance, act).prop_map(|(advance, act)| OtpStep {
            advance,
            jitter: 0,
            act,
        }),
        len,
    )
}

/// One verification as the model sees it: the decider's state, its events, and what the model
/// knows independently of the decider (the code last sent, when it stops being valid, the wrong
/// checks the decider accepted).
#[derive(Debug, Clone, Default)]
pub struct ModelVerification {
    /// Folded state.
    pub state: VerificationState,
    /// Recorded events.
    pub events: Vec<VerificationEvent>,
    /// The code number of the latest new code sent.
    pub code: Option<u8>,
    /// When that code was sent plus the spec's 300 s.
    pub code_expires_at: Option<OffsetDateTime>,
    /// Checks with a code other than `code` that the decider recorded.
    pub wrong_checks: u32,
}

/// One decision taken in the model.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Index of the verification (for a start: the one it created, if it succeeded).
    pub target: Option<usize>,
    /// The verification before the decision (default for a start).
    pub before: ModelVerification,
    /// The allowance handed to the decider.
    pub allowance: SendAllowance,
    /// The command decided.
    pub command: VerificationCommand,
    /// What the decider answered.
    pub decided: Result<Vec<VerificationEvent>, VerificationError>,
    /// What was recorded (the decision, unless a quota reservation refused it).
    pub recorded: Result<Vec<VerificationEvent>, VerificationError>,
}

/// Several verifications of one phone sharing one per-phone send quota, driven as
/// `app/verifications.rs` drives them.
#[derive(Debug, Clone, Default)]
pub struct OtpWorld {
    /// The verification decider (default policy).
    pub decider: VerificationDecider,
    /// The quota decider (default policy).
    pub quota_decider: QuotaDecider,
    /// The phone's quota.
    pub quota: QuotaState,
    /// Verifications started, in order.
    pub verifications: Vec<ModelVerification>,
    /// The time of every `CodeSent` recorded, for any verification.
    pub sends: Vec<OffsetDateTime>,
    /// The base clock (commands may lag it).
    pub clock_seconds: i64,
}

impl OtpWorld {
    /// What the quota says about one more send at `at`.
    pub fn allowance(&self, at: OffsetDateTime) -> SendAllowance {
        match self
            .quota_decider
            .decide(&self.quota, &QuotaCommand::Reserve { at })
        {
            Ok(_) => SendAllowance::Allowed,
            Err(e) => SendAllowance::Exhausted {
                retry_after_seconds: e.retry_after_seconds,
            },
        }
    }

    /// Plays one step; `None` when it targets a verification and none exists yet.
    pub fn step(&mut self, step: &OtpStep) -> Option<Decision> {
        self.clock_seconds += step.advance;
        let at = self::at(self.clock_seconds - step.jitter);
        let allowance = self.allowance(at);
        let n = self.verifications.len();
        let pick = |v: usize| (n > 0).then(|| v % n);
        let (target, command, new_code) = match &step.act {
            OtpAct::Start { channel, code: c } => {
                let id = VerificationId::new(uuid::Uuid::from_u128(0xbeef_0000 + n as u128));
                let command = VerificationCommand::Start {
                    id,
                    phone: phone(),
                    session_id: None,
                    channel: *channel,
                    code_hash: code(*c),
                    quota: allowance,
                    at,
                };
                (None, command, Some(*c))
            }
            OtpAct::Resend {
                v,
                channel,
                code: c,
            } => {
                let t = pick(*v)?;
                (
                    Some(t),
                    VerificationCommand::Resend {
                        channel: *channel,
                        code_hash: code(*c),
                        quota: allowance,
                        at,
                    },
                    Some(*c),
                )
            }
            OtpAct::Deliver {
                v,
                delivery,
                failed,
            } => {
                let t = pick(*v)?;
                let deliveries = &self.verifications[t].state.deliveries;
                let seq = match delivery {
                    None => deliveries.last().map_or(1, |d| d.seq),
                    Some(i) => deliveries
                        .get(i % deliveries.len().max(1))
                        .map_or(1, |d| d.seq),
                };
                let outcome = if *failed {
                    DeliveryOutcome::Failed {
                        provider: "telnyx".into(),
                        reason: "call_not_answered".into(),
                    }
                } else {
                    DeliveryOutcome::Delivered {
                        provider: "telnyx".into(),
                    }
                };
                (
                    Some(t),
                    VerificationCommand::RecordDelivery {
                        seq,
                        outcome,
                        quota: allowance,
                        at,
                    },
                    None,
                )
            }
            OtpAct::Check { v, code: c } => {
                let t = pick(*v)?;
                (
                    Some(t),
                    VerificationCommand::Check {
                        code_hash: code(*c),
                        at,
                    },
                    Some(*c),
                )
            }
            OtpAct::Expire { v } => (Some(pick(*v)?), VerificationCommand::Expire { at }, None),
        };
        let before = target
            .map(|t| self.verifications[t].clone())
            .unwrap_or_default();
        let decided = self.decider.decide(&before.state, &command);
        let recorded = decided
            .clone()
            .and_then(|events| self.reserve_sends(&events).map(|()| events));
        let mut decision = Decision {
            target,
            before,
            allowance,
            command,
            decided,
            recorded,
        };
        if let Ok(events) = &decision.recorded {
            let t = match target {
                Some(t) => t,
                None => {
                    self.verifications.push(ModelVerification::default());
                    decision.target = Some(n);
                    n
                }
            };
            let v = &mut self.verifications[t];
            for e in events {
                v.state = self.decider.evolve(std::mem::take(&mut v.state), e);
                match e {
                    VerificationEvent::CodeSent {
                        code_hash: Some(_),
                        at,
                        ..
                    } => {
                        v.code = new_code;
                        v.code_expires_at = Some(*at + Duration::seconds(TTL_SECONDS));
                    }
                    VerificationEvent::CheckFailed { .. } => v.wrong_checks += 1,
                    _ => {}
                }
            }
            v.events.extend(events.iter().cloned());
        }
        Some(decision)
    }

    /// Reserves one quota send per `CodeSent`, as the application service does in the same
    /// commit; a refused reservation refuses the whole decision.
    fn reserve_sends(&mut self, events: &[VerificationEvent]) -> Result<(), VerificationError> {
        let mut quota = self.quota.clone();
        let mut sends = Vec::new();
        for e in events {
            let VerificationEvent::CodeSent { at, .. } = e else {
                continue;
            };
            let reserved = self
                .quota_decider
                .decide(&quota, &QuotaCommand::Reserve { at: *at })
                .map_err(|e| VerificationError::RateLimited {
                    retry_after_seconds: e.retry_after_seconds,
                })?;
            quota = reserved
                .iter()
                .fold(quota, |q, r| self.quota_decider.evolve(q, r));
            sends.push(*at);
        }
        self.quota = quota;
        self.sends.extend(sends);
        Ok(())
    }
}

/// The most sends in any window (t - 1 h, t] over `sends`, and the window's end.
pub fn busiest_hour(sends: &[OffsetDateTime]) -> (usize, Option<OffsetDateTime>) {
    sends
        .iter()
        .map(|t| {
            (
                sends
                    .iter()
                    .filter(|s| **s > *t - Duration::hours(1) && **s <= *t)
                    .count(),
                Some(*t),
            )
        })
        .max_by_key(|(n, _)| *n)
        .unwrap_or((0, None))
}
