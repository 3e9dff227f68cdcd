//! The phone verification's events: its audit trail.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::failover::SkippedProvider;
use crate::ids::{SessionId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{CodeOwner, ProviderId};
use crate::verification::code::{Channel, CodeHash};

/// What happened to a verification. Stored as the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VerificationEvent {
    /// It started.
    Started {
        /// Id.
        id: VerificationId,
        /// Destination.
        phone: PhoneNumber,
        /// Session, if any.
        session_id: Option<SessionId>,
        /// Channel plan.
        plan: Vec<Channel>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A send was decided (and handed to the outbox).
    CodeSent {
        /// Attempt number.
        seq: u32,
        /// Which code.
        generation: u32,
        /// Channel.
        channel: Channel,
        /// The new code's hash; None when the same code is sent again (a fallback).
        code_hash: Option<CodeHash>,
        /// True for an automatic fallback.
        fallback: bool,
        /// The code's expiry.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A provider accepted attempt `seq`.
    DeliverySucceeded {
        /// Attempt.
        seq: u32,
        /// Provider.
        provider: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A provider accepted delivery `seq`.
    ProviderAccepted {
        /// Delivery.
        seq: u32,
        /// Provider.
        provider: ProviderId,
        /// Its reference.
        provider_ref: String,
        /// Whose code it delivers.
        code_owner: CodeOwner,
        /// Encrypted code (see
        /// [`VerificationState::sealed_codes`](super::VerificationState::sealed_codes)).
        sealed_code: String,
        /// Providers passed over before it, and why.
        #[serde(default)]
        skipped: Vec<SkippedProvider>,
        /// True when the call was a breaker probe.
        #[serde(default)]
        probe: bool,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A provider failed delivery `seq` and the next provider of the chain will be tried.
    ProviderFailed {
        /// Delivery.
        seq: u32,
        /// Provider.
        provider: ProviderId,
        /// Why (`unavailable: http 503`, `unavailable: timeout`, `reported: undelivered`).
        reason: String,
        /// Set when this failure opened the provider's circuit breaker: until when it refuses
        /// calls.
        #[serde(default, with = "time::serde::rfc3339::option")]
        circuit_opened_until: Option<OffsetDateTime>,
        /// Providers passed over before it, and why.
        #[serde(default)]
        skipped: Vec<SkippedProvider>,
        /// True when the call was a breaker probe.
        #[serde(default)]
        probe: bool,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Attempt `seq` was not delivered.
    DeliveryFailed {
        /// Attempt.
        seq: u32,
        /// Provider.
        provider: String,
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A fallback was due but the send quota forbade it.
    FallbackBlocked {
        /// The channel that would have been used.
        channel: Channel,
        /// Seconds until the quota allows a send.
        retry_after_seconds: u64,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A wrong code was checked.
    CheckFailed {
        /// Wrong checks so far, this one included.
        failed_checks: u32,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Too many wrong checks: no code is accepted any more.
    Locked {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The right code was checked in time.
    Approved {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The code's time to live ran out.
    Expired {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl VerificationEvent {
    /// Dotted type name for the store, e.g. `verification.code_sent`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Started { .. } => "verification.started",
            Self::CodeSent { .. } => "verification.code_sent",
            Self::DeliverySucceeded { .. } => "verification.delivery_succeeded",
            Self::DeliveryFailed { .. } => "verification.delivery_failed",
            Self::ProviderAccepted { .. } => "verification.provider_accepted",
            Self::ProviderFailed { .. } => "verification.provider_failed",
            Self::FallbackBlocked { .. } => "verification.fallback_blocked",
            Self::CheckFailed { .. } => "verification.check_failed",
            Self::Locked { .. } => "verification.locked",
            Self::Approved { .. } => "verification.approved",
            Self::Expired { .. } => "verification.expired",
        }
    }
}
