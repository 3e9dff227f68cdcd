//! The phone verification's state, commands, events and errors.
//!
//! This module holds the policy and the state (statuses, deliveries, provider attempts);
//! `command` the commands, their inputs and the errors that refuse them, `event` the events.

mod command;
mod event;

pub use command::*;
pub use event::*;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::failover::SkippedProvider;
use crate::ids::{SessionId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{CodeOwner, ProviderId};
use crate::verification::code::{Channel, CodeHash};

/// A verification's limits (MISSION.md A; defaults from the walking-skeleton issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationPolicy {
    /// How long a code is accepted after it was sent (300 s).
    pub ttl: Duration,
    /// Wrong checks allowed before the verification locks (5).
    pub max_failed_checks: u32,
    /// Minimum time between two sends the user asks for (30 s).
    pub resend_cooldown: Duration,
    /// Channels in order: the first is tried first, a failed delivery falls back to the next.
    pub plan: Vec<Channel>,
}

impl Default for VerificationPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::seconds(300),
            max_failed_checks: 5,
            resend_cooldown: Duration::seconds(30),
            plan: vec![Channel::Voice, Channel::Sms],
        }
    }
}

/// Where a verification stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Not started (no events yet).
    #[default]
    New,
    /// A code was sent and may be checked.
    Pending,
    /// The right code was checked in time.
    Approved,
    /// The code's time to live ran out.
    Expired,
    /// Too many wrong checks.
    Locked,
}

impl VerificationStatus {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Expired => "expired",
            Self::Locked => "locked",
        }
    }
}

/// Where one delivery attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Handed to the outbox, or waiting for the next provider of the chain.
    Queued,
    /// A provider accepted it; its delivery report has not come yet.
    Sent,
    /// It reached the phone (the provider reported it; the sandbox delivers on acceptance).
    Delivered,
    /// The provider could not deliver it.
    Failed,
}

/// One delivery attempt of a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// 1, 2, ... in the order sends were decided.
    pub seq: u32,
    /// Which code (1 for the first, +1 per resend) this attempt carries.
    pub generation: u32,
    /// Voice or SMS.
    pub channel: Channel,
    /// Queued, delivered or failed.
    pub status: DeliveryStatus,
    /// True when this attempt is an automatic fallback after a failed one.
    pub fallback: bool,
    /// The provider that answered.
    pub provider: Option<String>,
    /// Why it failed.
    pub reason: Option<String>,
    /// When it was decided.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Every provider call made for it, in order (the failover's audit trail).
    #[serde(default)]
    pub attempts: Vec<ProviderAttempt>,
}

impl Delivery {
    /// The providers already called for this delivery.
    pub fn tried(&self) -> Vec<ProviderId> {
        self.attempts.iter().map(|a| a.provider).collect()
    }

    /// The provider reference of the accepted attempt, if any.
    pub fn accepted(&self) -> Option<&ProviderAttempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.provider_ref.is_some() && a.failure.is_none())
    }
}

/// One call to a provider for a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderAttempt {
    /// The provider called.
    pub provider: ProviderId,
    /// Its id of the verification or message, when it accepted.
    pub provider_ref: Option<String>,
    /// Whose code it delivers, when it accepted.
    pub code_owner: Option<CodeOwner>,
    /// Why it failed (at the call, or later in its delivery report).
    pub failure: Option<String>,
    /// Providers of the chain passed over before this one (open breakers).
    #[serde(default)]
    pub skipped: Vec<SkippedProvider>,
    /// True when this call was a half-open breaker's probe.
    #[serde(default)]
    pub probe: bool,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A fallback send the per-phone quota refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockedFallback {
    /// The channel that would have been used.
    pub channel: Channel,
    /// Seconds the quota needed before a send was allowed again, counted from `at`.
    pub retry_after_seconds: u64,
    /// When it was refused.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// The folded state of one verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationState {
    /// Its id (None before start).
    pub id: Option<VerificationId>,
    /// The phone, E.164.
    pub phone: Option<PhoneNumber>,
    /// The onboarding session it verifies a phone for, if any.
    pub session_id: Option<SessionId>,
    /// Status.
    pub status: VerificationStatus,
    /// Keyed hash of the current code.
    pub code_hash: Option<CodeHash>,
    /// Which code is current (1 for the first).
    pub generation: u32,
    /// Channel plan of this verification.
    pub plan: Vec<Channel>,
    /// Sends decided so far (first send, resends and fallbacks).
    pub sends: u32,
    /// Wrong checks so far.
    pub failed_checks: u32,
    /// When the last send was decided.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_send_at: Option<OffsetDateTime>,
    /// When the current code stops being accepted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Every delivery attempt.
    pub deliveries: Vec<Delivery>,
    /// The latest fallback the send quota refused, until a later send.
    #[serde(default)]
    pub blocked_fallback: Option<BlockedFallback>,
    /// The encrypted code of each accepted delivery, by delivery `seq`, so a delivery report
    /// that moves a delivery to the next provider sends the same code (P-FO-4). AES-256-GCM
    /// ciphertext (hex), never the code in clear.
    #[serde(default)]
    pub sealed_codes: std::collections::BTreeMap<u32, String>,
    /// When it started.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// When it was approved.
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
}

impl VerificationState {
    /// The channel of the latest send.
    pub fn channel(&self) -> Option<Channel> {
        self.deliveries.last().map(|d| d.channel)
    }

    /// The status as seen at `at`: a pending verification past its expiry reads as expired even
    /// before the expiry timer has recorded it.
    pub fn status_at(&self, at: OffsetDateTime) -> VerificationStatus {
        match (self.status, self.expires_at) {
            (VerificationStatus::Pending, Some(exp)) if at >= exp => VerificationStatus::Expired,
            (s, _) => s,
        }
    }
}
