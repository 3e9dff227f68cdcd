//! Trial test support (issue 4): trial command generators, and a trial driven command by command
//! that keeps every recorded event (P-TRI-1, P-TRI-2, P-TRI-4 in spec/properties.md). The data
//! they use (ids, terms, cards, a started trial) is in `trial_data`.

use onramp_domain::ids::CustomerId;
use onramp_domain::ports::SubscriptionStatus;
use onramp_domain::trial::{
    SECONDS_PER_DAY, TrialCommand, TrialDecider, TrialError, TrialEvent, TrialState, TrialTerms,
};

use super::*;

/// A trial command before it is tied to the trial's state and the clock, or a clock step.
#[derive(Debug, Clone)]
pub enum TrialAct {
    /// The clock moves on by this many seconds.
    Wait(i64),
    /// The clock jumps to the trial's end plus this many seconds (when started and later).
    ToEnd(i64),
    /// Card `pm_{n}` is submitted.
    SubmitCard(u8),
    /// The provider created customer `cus_{n}`.
    RecordCustomer(u8),
    /// Card `pm_{n}` was declined.
    Decline(u8),
    /// Card `n` was authorized by `pi_{auth}`.
    Authorize {
        /// The card.
        card: u8,
        /// The authorization.
        auth: u8,
    },
    /// `pi_{n}` was voided; `None` voids the one still held (or `pi_0`).
    Void(Option<u8>),
    /// The subscription started with this status.
    Start(SubscriptionStatus),
    /// The reminder timer.
    Remind,
    /// A provider report `evt_{event}`, created `created` seconds from now.
    Report {
        /// Event id number (a small pool: duplicates happen).
        event: u8,
        /// The status it implies.
        status: Option<SubscriptionStatus>,
        /// `trial_will_end`.
        trial_will_end: bool,
        /// Its `created`, relative to the clock.
        created: i64,
    },
    /// The end timer, with the provider's outcome; `early` fires it that many seconds before
    /// `ends_at` (a lagging replica) instead of now.
    ReachEnd {
        /// The outcome.
        outcome: Option<SubscriptionStatus>,
        /// Seconds before the end.
        early: Option<i64>,
    },
    /// The user cancels.
    Cancel,
}

/// Any act but `Cancel`.
fn trial_act() -> impl Strategy<Value = TrialAct> + Clone {
    let day = SECONDS_PER_DAY;
    let start_status =
        prop_oneof![8 => Just(SubscriptionStatus::Trialing), 1 => subscription_status()];
    prop_oneof![
        4 => pause_seconds().prop_map(TrialAct::Wait),
        2 => (1i64..=5).prop_map(move |d| TrialAct::Wait(d * day)),
        3 => (-3i64..=3).prop_map(TrialAct::ToEnd),
        3 => (0u8..3).prop_map(TrialAct::SubmitCard),
        3 => (0u8..2).prop_map(TrialAct::RecordCustomer),
        2 => (0u8..3).prop_map(TrialAct::Decline),
        4 => (0u8..3, 0u8..3).prop_map(|(card, auth)| TrialAct::Authorize { card, auth }),
        4 => prop::option::of(0u8..3).prop_map(TrialAct::Void),
        4 => start_status.prop_map(TrialAct::Start),
        1 => Just(TrialAct::Remind),
        4 => (0u8..6, prop::option::of(subscription_status()), prop::bool::weighted(0.2), -3 * day..120)
            .prop_map(|(event, status, trial_will_end, created)| TrialAct::Report { event, status, trial_will_end, created }),
        4 => (prop::option::of(subscription_status()), prop::option::weighted(0.25, 1i64..3 * day))
            .prop_map(|(outcome, early)| TrialAct::ReachEnd { outcome, early }),
    ]
}

/// Any act, canceling rarely (a canceled trial accepts little).
fn trial_act_or_cancel() -> impl Strategy<Value = TrialAct> {
    prop_oneof![60 => trial_act(), 1 => Just(TrialAct::Cancel)]
}

/// Trial acts: fully random ones, rarely canceling; or a card check and a start among random
/// ones, perhaps followed by the end timer at (or just around) the trial's end, so that most
/// runs reach the trial and many its end.
pub fn trial_acts() -> impl Strategy<Value = Vec<TrialAct>> {
    let check_and_start = [
        TrialAct::RecordCustomer(0),
        TrialAct::Authorize { card: 0, auth: 0 },
        TrialAct::Void(None),
        TrialAct::Start(SubscriptionStatus::Trialing),
    ];
    let end = (
        -3i64..=3,
        prop::option::weighted(0.8, subscription_status()),
    )
        .prop_map(|(offset, outcome)| {
            vec![
                TrialAct::ToEnd(offset),
                TrialAct::ReachEnd {
                    outcome,
                    early: None,
                },
            ]
        });
    prop_oneof![
        prop::collection::vec(trial_act_or_cancel(), 1..80),
        (
            prop::collection::vec(trial_act(), 0..8),
            prop::collection::vec(trial_act_or_cancel(), 0..40),
            prop::option::of(end),
            prop::collection::vec(trial_act_or_cancel(), 0..30),
        )
            .prop_map(move |(before, during, end, after)| {
                let mut acts = before;
                acts.extend(check_and_start.iter().cloned());
                acts.extend(during);
                acts.extend(end.into_iter().flatten());
                acts.extend(after);
                acts
            }),
    ]
}

/// One decision of a [`TrialRun`].
#[derive(Debug)]
pub struct TrialStep {
    /// The command decided.
    pub command: TrialCommand,
    /// The state it was decided in.
    pub before: TrialState,
    /// The events recorded before it.
    pub history: Vec<TrialEvent>,
    /// The decision (recorded when `Ok`).
    pub result: Result<Vec<TrialEvent>, TrialError>,
}

/// One trial driven command by command, keeping every recorded event.
pub struct TrialRun {
    /// The state after every event so far.
    pub state: TrialState,
    /// Every event so far.
    pub events: Vec<TrialEvent>,
    /// The clock.
    pub now: OffsetDateTime,
}

impl TrialRun {
    /// Trial 1 begun at `t0()` with `terms`.
    pub fn begun(terms: &TrialTerms) -> Self {
        let events = TrialDecider
            .decide(&TrialState::default(), &begin(terms, t0()))
            .expect("a new trial begins");
        Self {
            state: TrialDecider.fold(&events),
            events,
            now: t0(),
        }
    }

    /// Decides `command` and records its events.
    pub fn apply(&mut self, command: TrialCommand) -> TrialStep {
        let before = self.state.clone();
        let history = self.events.clone();
        let result = TrialDecider.decide(&before, &command);
        if let Ok(events) = &result {
            for e in events {
                self.state = TrialDecider.evolve(std::mem::take(&mut self.state), e);
            }
            self.events.extend(events.iter().cloned());
        }
        TrialStep {
            command,
            before,
            history,
            result,
        }
    }

    /// Plays `act` with `account` as the account a conversion opens: `None` for a clock step.
    pub fn act(&mut self, act: &TrialAct, account: CustomerId) -> Option<TrialStep> {
        let now = self.now;
        let command = match act {
            TrialAct::Wait(seconds) => {
                self.now += Duration::seconds(*seconds);
                return None;
            }
            TrialAct::ToEnd(offset) => {
                if let Some(end) = self.state.ends_at {
                    self.now = self.now.max(end + Duration::seconds(*offset));
                }
                return None;
            }
            TrialAct::SubmitCard(n) => TrialCommand::SubmitCard {
                payment_method: format!("pm_{n}"),
                at: now,
            },
            TrialAct::RecordCustomer(n) => TrialCommand::RecordCustomer {
                customer: format!("cus_{n}"),
                at: now,
            },
            TrialAct::Decline(n) => TrialCommand::RecordDecline {
                decline: decline(&format!("pm_{n}")),
                at: now,
            },
            TrialAct::Authorize { card: n, auth } => TrialCommand::RecordAuthorization {
                card: card(*n),
                authorization: format!("pi_{auth}"),
                at: now,
            },
            TrialAct::Void(auth) => TrialCommand::RecordVoid {
                authorization: match auth {
                    Some(n) => format!("pi_{n}"),
                    None => self
                        .state
                        .unvoided()
                        .map_or_else(|| "pi_0".into(), |a| a.id.clone()),
                },
                at: now,
            },
            TrialAct::Start(status) => TrialCommand::Start {
                subscription: subscription(*status, None),
                at: now,
            },
            TrialAct::Remind => TrialCommand::SendReminder { at: now },
            TrialAct::Report {
                event,
                status,
                trial_will_end,
                created,
            } => TrialCommand::ApplyReport {
                event_id: format!("evt_{event}"),
                status: *status,
                trial_will_end: *trial_will_end,
                created: now.unix_timestamp() + created,
                account,
                at: now,
            },
            TrialAct::ReachEnd { outcome, early } => TrialCommand::ReachEnd {
                outcome: *outcome,
                account,
                at: match (early, self.state.ends_at) {
                    (Some(seconds), Some(end)) => end - Duration::seconds(*seconds),
                    _ => now,
                },
            },
            TrialAct::Cancel => TrialCommand::Cancel { at: now },
        };
        Some(self.apply(command))
    }
}
