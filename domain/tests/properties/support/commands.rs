//! Session command generators.

use super::*;

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
