//! A tenant's outbound webhook endpoint (issue 12, item 2): its configuration, its signing
//! secrets (sealed), and whether it is failing; every change an event (the configuration's
//! audit trail).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// How long the previous secret keeps signing after a rotation: 24 hours.
pub const ROTATION_OVERLAP: time::Duration = time::Duration::hours(24);

/// How long an endpoint may fail every delivery before it is disabled: 5 days.
pub const DISABLE_AFTER_FAILING: time::Duration = time::Duration::days(5);

/// An endpoint's settings, as the tenant sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointConfig {
    /// Where deliveries are POSTed.
    pub url: String,
    /// The tenant's own words.
    pub description: Option<String>,
    /// The catalogue types it receives; empty: every type.
    pub event_types: Vec<String>,
    /// Whether it receives events.
    pub enabled: bool,
    /// Whether deliveries carry phone numbers and e-mail addresses unmasked.
    pub include_pii: bool,
    /// Whether a session's next event waits until its previous one is delivered or given up.
    pub ordered: bool,
    /// The most deliveries a second it is sent (none: no limit).
    pub rate_limit_per_second: Option<u32>,
    /// Who is mailed when the server disables it (the tenant's contact for this endpoint).
    #[serde(default)]
    pub contact_email: Option<String>,
}

/// A signing secret, AES-256-GCM sealed (hex), and until when it signs (`None`: the current).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    /// The sealed `whsec_` secret, hex.
    pub sealed: String,
    /// When a rotated-out secret stops signing.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub expires_at: Option<OffsetDateTime>,
}

/// What happened to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EndpointEvent {
    /// Registered.
    Created {
        /// Its id.
        id: Uuid,
        /// Its settings.
        config: EndpointConfig,
        /// Its first secret, sealed.
        sealed_secret: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The tenant changed its settings.
    Updated {
        /// The settings after the change.
        config: EndpointConfig,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A new secret signs; the previous one too until `previous_until`.
    SecretRotated {
        /// The new secret, sealed.
        sealed_secret: String,
        /// When the previous one stops signing.
        #[serde(with = "time::serde::rfc3339")]
        previous_until: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A delivery failed for good after the last success (or since it was registered).
    FailingSince {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A delivery succeeded while it was failing.
    Recovered {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Disabled by the server: it answered `410 Gone`, or failed for 5 days straight.
    Disabled {
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The tenant deleted it.
    Deleted {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl EndpointEvent {
    /// The stored type name, `webhook_endpoint.<snake_case>`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "webhook_endpoint.created",
            Self::Updated { .. } => "webhook_endpoint.updated",
            Self::SecretRotated { .. } => "webhook_endpoint.secret_rotated",
            Self::FailingSince { .. } => "webhook_endpoint.failing",
            Self::Recovered { .. } => "webhook_endpoint.recovered",
            Self::Disabled { .. } => "webhook_endpoint.disabled",
            Self::Deleted { .. } => "webhook_endpoint.deleted",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Created { at, .. }
            | Self::Updated { at, .. }
            | Self::SecretRotated { at, .. }
            | Self::FailingSince { at }
            | Self::Recovered { at }
            | Self::Disabled { at, .. }
            | Self::Deleted { at } => *at,
        }
    }
}

/// The folded state of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointState {
    /// Its id.
    pub id: Option<Uuid>,
    /// Its settings.
    pub config: EndpointConfig,
    /// Its secrets, the current one first, then the rotated-out ones still signing.
    pub secrets: Vec<SealedSecret>,
    /// Why the server disabled it, when it did (cleared when the tenant enables it again).
    pub disabled_reason: Option<String>,
    /// Since when every delivery fails, while it does.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub failing_since: Option<OffsetDateTime>,
    /// Deleted by the tenant.
    pub deleted: bool,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
}

impl EndpointState {
    /// `active`, `disabled` or `deleted`.
    pub fn status(&self) -> &'static str {
        if self.deleted {
            "deleted"
        } else if self.config.enabled {
            "active"
        } else {
            "disabled"
        }
    }

    /// The sealed secrets that sign at `now`: the current one, and a rotated-out one until its
    /// overlap ends.
    pub fn signing_secrets(&self, now: OffsetDateTime) -> impl Iterator<Item = &SealedSecret> {
        self.secrets
            .iter()
            .filter(move |s| s.expires_at.is_none_or(|until| now < until))
    }
}

/// Folds one endpoint event (total: cannot panic).
pub fn evolve(mut s: EndpointState, event: &EndpointEvent) -> EndpointState {
    match event {
        EndpointEvent::Created {
            id,
            config,
            sealed_secret,
            at,
        } => {
            s.id = Some(*id);
            s.config = config.clone();
            s.secrets = vec![SealedSecret {
                sealed: sealed_secret.clone(),
                expires_at: None,
            }];
            s.created_at = Some(*at);
        }
        EndpointEvent::Updated { config, .. } => {
            if config.enabled {
                s.disabled_reason = None;
                s.failing_since = None;
            }
            s.config = config.clone();
        }
        EndpointEvent::SecretRotated {
            sealed_secret,
            previous_until,
            at,
        } => {
            // Only the newest rotated-out secret overlaps; older ones stop now.
            s.secrets.retain(|x| x.expires_at.is_none());
            for old in &mut s.secrets {
                old.expires_at = Some(*previous_until);
            }
            s.secrets.insert(
                0,
                SealedSecret {
                    sealed: sealed_secret.clone(),
                    expires_at: None,
                },
            );
            let _ = at;
        }
        EndpointEvent::FailingSince { at } => s.failing_since = Some(*at),
        EndpointEvent::Recovered { .. } => s.failing_since = None,
        EndpointEvent::Disabled { reason, .. } => {
            s.config.enabled = false;
            s.disabled_reason = Some(reason.clone());
        }
        EndpointEvent::Deleted { .. } => {
            s.deleted = true;
            s.config.enabled = false;
        }
    }
    s.updated_at = Some(event.at());
    s
}

/// The retry schedule of a message (Svix's): the attempt after attempt `n` (from 1) waits
/// `SCHEDULE[n]`; after the last, the message is given up. Immediately, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h: 8 attempts over about 27.6 hours.
pub const SCHEDULE: [time::Duration; 8] = [
    time::Duration::ZERO,
    time::Duration::seconds(5),
    time::Duration::minutes(5),
    time::Duration::minutes(30),
    time::Duration::hours(2),
    time::Duration::hours(5),
    time::Duration::hours(10),
    time::Duration::hours(10),
];

/// When attempt `attempt + 1` of the message of `event` is due after attempt `attempt` (from 1)
/// failed at `at`, with up to 10 % jitter drawn from the event id (so one endpoint's retries
/// spread out, and the same message always gets the same jitter); `None` once the schedule is
/// spent.
pub fn next_attempt(attempt: u32, at: OffsetDateTime, event: Uuid) -> Option<OffsetDateTime> {
    let wait = *SCHEDULE.get(usize::try_from(attempt).ok()?)?;
    let bytes = event.as_bytes();
    let draw = u64::from(bytes[15]) ^ (u64::from(bytes[14]) << 8) ^ u64::from(attempt);
    let jitter_millis = (wait.whole_milliseconds() as u64 / 10) * (draw % 1000) / 1000;
    Some(at + wait + time::Duration::milliseconds(jitter_millis as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_schedule_waits_as_svix_does_with_at_most_a_tenth_more_and_then_gives_up() {
        let at = datetime!(2026-01-01 00:00 UTC);
        let id = Uuid::from_u128(0xfeed_beef);
        let waits: Vec<i64> = (1..=7)
            .map(|n| next_attempt(n, at, id).map_or(0, |t| (t - at).whole_seconds()))
            .collect();
        let expected = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
        for (wait, base) in waits.iter().zip(expected) {
            assert!((base..=base + base / 10).contains(wait), "{waits:?}");
        }
        assert_eq!(next_attempt(8, at, id), None);
    }

    #[test]
    fn a_rotation_keeps_the_previous_secret_signing_for_its_overlap_only() {
        let at = datetime!(2026-01-01 00:00 UTC);
        let created = EndpointEvent::Created {
            id: Uuid::nil(),
            config: EndpointConfig::default(),
            sealed_secret: "one".into(),
            at,
        };
        let rotate = |sealed: &str, at: OffsetDateTime| EndpointEvent::SecretRotated {
            sealed_secret: sealed.into(),
            previous_until: at + ROTATION_OVERLAP,
            at,
        };
        let s = evolve(EndpointState::default(), &created);
        let s = evolve(s, &rotate("two", at));
        let signing = |s: &EndpointState, now| {
            s.signing_secrets(now)
                .map(|x| x.sealed.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(signing(&s, at + time::Duration::hours(23)), ["two", "one"]);
        assert_eq!(signing(&s, at + time::Duration::hours(24)), ["two"]);
        // A second rotation inside the overlap retires the first secret at once.
        let s = evolve(s, &rotate("three", at + time::Duration::hours(1)));
        assert_eq!(signing(&s, at + time::Duration::hours(2)), ["three", "two"]);
    }
}
