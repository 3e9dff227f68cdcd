//! The circuit breaker of one (tenant, provider, channel), as a pure decider: closed, open until
//! a cooldown, half-open with one probe (the pattern of Nygard's "Release It!", as in
//! resilience4j's CircuitBreaker).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::decider::Decider;

/// When a breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open a closed breaker (3).
    pub failure_threshold: u32,
    /// How long an open breaker refuses calls before letting one probe through (60 s).
    pub cooldown: Duration,
    /// How long a probe may stay unanswered before another call may probe (30 s: a worker that
    /// crashed mid-probe must not hold the breaker half-open for ever).
    pub probe_timeout: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failure_threshold: 3,
            cooldown: Duration::seconds(60),
            probe_timeout: Duration::seconds(30),
        }
    }
}

/// A breaker's position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BreakerStatus {
    /// Calls go through.
    #[default]
    Closed,
    /// Calls are refused until the cooldown ends.
    Open,
    /// One probe call is in flight; its outcome closes or re-opens the breaker.
    HalfOpen,
}

impl BreakerStatus {
    /// `closed`, `open`, `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// The folded state of one breaker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerState {
    /// Position.
    pub status: BreakerStatus,
    /// Failures in a row while closed.
    pub consecutive_failures: u32,
    /// When an open breaker lets a probe through.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub open_until: Option<OffsetDateTime>,
    /// When the current probe started.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub probe_started_at: Option<OffsetDateTime>,
    /// Why it last failed.
    pub last_failure: Option<String>,
    /// Times it opened.
    pub trips: u32,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
}

/// Whether a breaker lets a call through at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Closed: call.
    Available,
    /// Open and cooling down: do not call (P-FO-1).
    Open {
        /// When a probe becomes due.
        until: OffsetDateTime,
    },
    /// The cooldown is over: one call may go, as the probe.
    ProbeDue,
    /// Another call is the probe: do not call.
    ProbeInFlight,
}

impl BreakerState {
    /// Whether a call may go through at `at` under `policy`.
    pub fn availability(&self, policy: &BreakerPolicy, at: OffsetDateTime) -> Availability {
        match self.status {
            BreakerStatus::Closed => Availability::Available,
            BreakerStatus::Open => match self.open_until {
                Some(until) if at < until => Availability::Open { until },
                _ => Availability::ProbeDue,
            },
            BreakerStatus::HalfOpen => match self.probe_started_at {
                Some(started) if at < started + policy.probe_timeout => Availability::ProbeInFlight,
                _ => Availability::ProbeDue,
            },
        }
    }
}

/// What can be asked of a breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakerCommand {
    /// Take the probe slot of a breaker whose cooldown is over (committed before the call, so
    /// concurrent workers do not all probe).
    BeginProbe {
        /// Now.
        at: OffsetDateTime,
    },
    /// A call succeeded.
    RecordSuccess {
        /// Now.
        at: OffsetDateTime,
    },
    /// A call failed in a way that counts against the provider (unavailable, unexpected).
    RecordFailure {
        /// Why, for the audit trail.
        reason: String,
        /// Now.
        at: OffsetDateTime,
    },
}

/// What happened to a breaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BreakerEvent {
    /// A failure was counted while closed.
    FailureCounted {
        /// Failures in a row, this one included.
        consecutive_failures: u32,
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The breaker opened: threshold reached, or the probe failed.
    Tripped {
        /// Why.
        reason: String,
        /// When a probe becomes due.
        #[serde(with = "time::serde::rfc3339")]
        open_until: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A probe call started.
    ProbeStarted {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A success closed the breaker (or cleared the failure count).
    Closed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl BreakerEvent {
    /// Dotted type name for the store.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::FailureCounted { .. } => "breaker.failure_counted",
            Self::Tripped { .. } => "breaker.tripped",
            Self::ProbeStarted { .. } => "breaker.probe_started",
            Self::Closed { .. } => "breaker.closed",
        }
    }
}

/// Why a breaker command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakerError {
    /// `BeginProbe` when no probe is due (closed, cooling down, or another probe in flight).
    #[error("no probe is due")]
    ProbeNotDue,
}

/// The circuit breaker decider.
#[derive(Debug, Clone, Copy, Default)]
pub struct BreakerDecider {
    /// Threshold, cooldown and probe timeout.
    pub policy: BreakerPolicy,
}

impl Decider for BreakerDecider {
    type State = BreakerState;
    type Command = BreakerCommand;
    type Event = BreakerEvent;
    type Error = BreakerError;

    fn decide(
        &self,
        state: &BreakerState,
        command: &BreakerCommand,
    ) -> Result<Vec<BreakerEvent>, BreakerError> {
        match command {
            BreakerCommand::BeginProbe { at } => match state.availability(&self.policy, *at) {
                Availability::ProbeDue => Ok(vec![BreakerEvent::ProbeStarted { at: *at }]),
                _ => Err(BreakerError::ProbeNotDue),
            },
            BreakerCommand::RecordSuccess { at } => {
                Ok(match (state.status, state.consecutive_failures) {
                    (BreakerStatus::Closed, 0) => vec![],
                    _ => vec![BreakerEvent::Closed { at: *at }],
                })
            }
            BreakerCommand::RecordFailure { reason, at } => {
                let trip = BreakerEvent::Tripped {
                    reason: reason.clone(),
                    open_until: *at + self.policy.cooldown,
                    at: *at,
                };
                Ok(match state.status {
                    // A call that started before the breaker opened changes nothing.
                    BreakerStatus::Open => vec![],
                    BreakerStatus::HalfOpen => vec![trip],
                    BreakerStatus::Closed => {
                        let n = state.consecutive_failures.saturating_add(1);
                        if n >= self.policy.failure_threshold {
                            vec![trip]
                        } else {
                            vec![BreakerEvent::FailureCounted {
                                consecutive_failures: n,
                                reason: reason.clone(),
                                at: *at,
                            }]
                        }
                    }
                })
            }
        }
    }

    fn evolve(&self, mut s: BreakerState, event: &BreakerEvent) -> BreakerState {
        match event {
            BreakerEvent::FailureCounted {
                consecutive_failures,
                reason,
                at,
            } => {
                s.consecutive_failures = *consecutive_failures;
                s.last_failure = Some(reason.clone());
                s.updated_at = Some(*at);
            }
            BreakerEvent::Tripped {
                reason,
                open_until,
                at,
            } => {
                s.status = BreakerStatus::Open;
                s.open_until = Some(*open_until);
                s.probe_started_at = None;
                s.consecutive_failures = 0;
                s.last_failure = Some(reason.clone());
                s.trips = s.trips.saturating_add(1);
                s.updated_at = Some(*at);
            }
            BreakerEvent::ProbeStarted { at } => {
                s.status = BreakerStatus::HalfOpen;
                s.probe_started_at = Some(*at);
                s.updated_at = Some(*at);
            }
            BreakerEvent::Closed { at } => {
                s.status = BreakerStatus::Closed;
                s.consecutive_failures = 0;
                s.open_until = None;
                s.probe_started_at = None;
                s.updated_at = Some(*at);
            }
        }
        s
    }
}
