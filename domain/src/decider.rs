//! The decider pattern: `decide` turns a command into events, `evolve` folds an event into state.

/// A lifecycle as three pure functions over plain types (DESIGN.md section 2).
///
/// A decider value carries its configuration (a session decider holds its flow, a verification
/// decider its policy), so `decide` and `evolve` take `&self`. Both are deterministic: time and
/// randomness arrive inside commands.
pub trait Decider {
    /// The folded state of one aggregate; `Default` is the state before any event.
    type State: Default;
    /// An intention, in the imperative (`Submit`, `Check`).
    type Command;
    /// A fact, in the past tense (`Submitted`, `Checked`).
    type Event;
    /// Why a command is refused.
    type Error;

    /// Decides which events a command produces in a state.
    ///
    /// # Errors
    /// Returns the decider's error when the command is not allowed in `state`; no event is
    /// produced then.
    fn decide(
        &self,
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Folds one event into the state. Total: it never panics and ignores events that do not
    /// apply.
    fn evolve(&self, state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds a sequence of events from the initial state.
    fn fold<'a>(&self, events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |s, e| self.evolve(s, e))
    }
}
