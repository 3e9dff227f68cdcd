//! The per-phone send quota: at most N code sends per phone number per rolling window per tenant,
//! counted across all verifications of that phone (MISSION.md A: 5 per hour; P-OTP-1).
//!
//! It is its own aggregate (one stream per tenant and E.164 number), so the store's optimistic
//! concurrency makes the limit exact under concurrent requests and across replicas: two requests
//! that both see 4 sends cannot both append the fifth.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::decider::Decider;

/// The quota's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaPolicy {
    /// Sends allowed in any rolling window (5).
    pub max_sends: u32,
    /// The rolling window (1 hour).
    pub window: Duration,
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        Self {
            max_sends: 5,
            window: Duration::hours(1),
        }
    }
}

/// The sends of one phone inside the current window, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaState {
    /// Times of the recent sends (older ones are pruned on each event).
    #[serde(with = "timestamps")]
    pub sends: Vec<OffsetDateTime>,
}

/// Asks for one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaCommand {
    /// Reserve one send at `at`.
    Reserve {
        /// When the send happens.
        at: OffsetDateTime,
    },
}

/// A send was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuotaEvent {
    /// One send was reserved at `at`.
    SendReserved {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// The quota is used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("send limit reached; retry in {retry_after_seconds} s")]
pub struct QuotaExhausted {
    /// Seconds until the oldest counted send leaves the window (at least 1).
    pub retry_after_seconds: u64,
}

/// Decides sends against a [`QuotaPolicy`].
#[derive(Debug, Clone, Copy, Default)]
pub struct QuotaDecider {
    /// The limits.
    pub policy: QuotaPolicy,
}

impl QuotaDecider {
    /// Sends counted in the window ending at `at`.
    pub fn sends_in_window(&self, state: &QuotaState, at: OffsetDateTime) -> u32 {
        let from = at - self.policy.window;
        let n = state
            .sends
            .iter()
            .filter(|t| **t > from && **t <= at)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Sends still allowed at `at`.
    pub fn remaining(&self, state: &QuotaState, at: OffsetDateTime) -> u32 {
        self.policy
            .max_sends
            .saturating_sub(self.sends_in_window(state, at))
    }
}

impl Decider for QuotaDecider {
    type State = QuotaState;
    type Command = QuotaCommand;
    type Event = QuotaEvent;
    type Error = QuotaExhausted;

    fn decide(
        &self,
        state: &QuotaState,
        command: &QuotaCommand,
    ) -> Result<Vec<QuotaEvent>, QuotaExhausted> {
        let QuotaCommand::Reserve { at } = *command;
        let from = at - self.policy.window;
        let mut in_window: Vec<OffsetDateTime> = state
            .sends
            .iter()
            .copied()
            .filter(|t| *t > from && *t <= at)
            .collect();
        // A send recorded "in the future" of this command (clock skew between replicas) still
        // counts: the limit must hold whatever the clock does.
        in_window.extend(state.sends.iter().copied().filter(|t| *t > at));
        if u32::try_from(in_window.len()).unwrap_or(u32::MAX) >= self.policy.max_sends {
            let oldest = in_window.iter().min().copied().unwrap_or(at);
            let free_at = oldest + self.policy.window;
            let wait = (free_at - at).whole_seconds().max(1);
            return Err(QuotaExhausted {
                retry_after_seconds: u64::try_from(wait).unwrap_or(1),
            });
        }
        Ok(vec![QuotaEvent::SendReserved { at }])
    }

    fn evolve(&self, mut state: QuotaState, event: &QuotaEvent) -> QuotaState {
        let QuotaEvent::SendReserved { at } = *event;
        // Keep only what can still matter: sends within two windows of the newest send, so that a
        // command stamped up to a window earlier (a replica whose clock lags) still counts every
        // send of its own window (P-OTP-1).
        let newest = state.sends.iter().copied().chain([at]).max().unwrap_or(at);
        let from = newest - self.policy.window - self.policy.window;
        state.sends.push(at);
        state.sends.retain(|t| *t > from);
        state.sends.sort();
        state
    }
}

mod timestamps {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(v: &[OffsetDateTime], s: S) -> Result<S::Ok, S::Error> {
        let micros: Vec<i128> = v.iter().map(|t| t.unix_timestamp_nanos() / 1000).collect();
        micros.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<OffsetDateTime>, D::Error> {
        let micros = Vec::<i128>::deserialize(d)?;
        micros
            .into_iter()
            .map(|m| {
                OffsetDateTime::from_unix_timestamp_nanos(m * 1000)
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn reserve(
        d: &QuotaDecider,
        s: QuotaState,
        at: OffsetDateTime,
    ) -> Result<QuotaState, QuotaExhausted> {
        let events = d.decide(&s, &QuotaCommand::Reserve { at })?;
        Ok(events.iter().fold(s, |s, e| d.evolve(s, e)))
    }

    #[test]
    fn the_sixth_send_within_an_hour_is_refused_with_the_wait() {
        let d = QuotaDecider::default();
        let t0 = datetime!(2026-01-01 10:00 UTC);
        let mut s = QuotaState::default();
        for i in 0..5 {
            s = reserve(&d, s, t0 + Duration::minutes(i)).unwrap();
        }
        let err = reserve(&d, s.clone(), t0 + Duration::minutes(10)).unwrap_err();
        assert_eq!(err.retry_after_seconds, 50 * 60);
        assert!(reserve(&d, s, t0 + Duration::minutes(60) + Duration::seconds(1)).is_ok());
    }

    #[test]
    fn state_round_trips_through_json() {
        let d = QuotaDecider::default();
        let s = reserve(
            &d,
            QuotaState::default(),
            datetime!(2026-01-01 10:00:00.123456 UTC),
        )
        .unwrap();
        let back: QuotaState = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
