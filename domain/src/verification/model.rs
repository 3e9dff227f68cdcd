//! The phone verification's state, commands, events and errors.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::code::{Channel, CodeHash};
use crate::failover::SkippedProvider;
use crate::ids::{SessionId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{CodeOwner, ProviderId, ReportedStatus};

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

/// Whether the per-phone send quota allows one more send now (decided by the
/// [`QuotaDecider`](super::QuotaDecider) and passed in, so this decider stays self-contained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAllowance {
    /// One more send is allowed.
    Allowed,
    /// The quota is used up for this long.
    Exhausted {
        /// Seconds until a send is allowed again.
        retry_after_seconds: u64,
    },
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Accepted by `provider`.
    Delivered {
        /// Provider name.
        provider: String,
    },
    /// Not delivered.
    Failed {
        /// Provider name.
        provider: String,
        /// Machine-readable reason (`call_not_answered`, ...).
        reason: String,
    },
}

/// What can be asked of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationCommand {
    /// Start: send the first code.
    Start {
        /// The new verification's id.
        id: VerificationId,
        /// Destination.
        phone: PhoneNumber,
        /// The session whose phone step this verifies.
        session_id: Option<SessionId>,
        /// First channel; the plan's first when None.
        channel: Option<Channel>,
        /// Keyed hash of the freshly generated code.
        code_hash: CodeHash,
        /// The per-phone quota's answer.
        quota: SendAllowance,
        /// Now.
        at: OffsetDateTime,
    },
    /// Send a new code (the user did not get it, or asks for SMS).
    Resend {
        /// Channel; the last one used when None.
        channel: Option<Channel>,
        /// Keyed hash of the new code.
        code_hash: CodeHash,
        /// The per-phone quota's answer.
        quota: SendAllowance,
        /// Now.
        at: OffsetDateTime,
    },
    /// Record a provider's answer for delivery `seq`; a failure may trigger the fallback.
    RecordDelivery {
        /// Which attempt.
        seq: u32,
        /// How it ended.
        outcome: DeliveryOutcome,
        /// The per-phone quota's answer, in case a fallback send is due.
        quota: SendAllowance,
        /// Now.
        at: OffsetDateTime,
    },
    /// Record one provider call made for delivery `seq` (issue 3's failover).
    RecordAttempt {
        /// Which delivery.
        seq: u32,
        /// The provider called.
        provider: ProviderId,
        /// Providers passed over before it.
        skipped: Vec<SkippedProvider>,
        /// True when the call was a breaker probe.
        probe: bool,
        /// What the provider answered.
        result: AttemptResult,
        /// When the provider's circuit breaker opened because of this failure, until when
        /// (recorded in the audit trail).
        circuit_opened_until: Option<OffsetDateTime>,
        /// The per-phone quota's answer, in case a channel fallback is due.
        quota: SendAllowance,
        /// Now.
        at: OffsetDateTime,
    },
    /// A provider's delivery report arrived (a verified webhook).
    ApplyReport {
        /// The provider that sent it.
        provider: ProviderId,
        /// Its reference of the delivery.
        provider_ref: String,
        /// What it reports.
        status: ReportedStatus,
        /// The per-phone quota's answer, in case a channel fallback is due.
        quota: SendAllowance,
        /// Now.
        at: OffsetDateTime,
    },
    /// The provider judged a provider-owned code ([`CodeOwner::Provider`]).
    RecordProviderCheck {
        /// True when the provider accepted the code.
        approved: bool,
        /// Now.
        at: OffsetDateTime,
    },
    /// Check a code typed by the user.
    Check {
        /// Keyed hash of the typed code.
        code_hash: CodeHash,
        /// Now.
        at: OffsetDateTime,
    },
    /// The expiry timer fired.
    Expire {
        /// Now.
        at: OffsetDateTime,
    },
}

/// What a provider answered to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// It accepted the delivery.
    Accepted {
        /// Its reference.
        provider_ref: String,
        /// Whose code it delivers.
        code_owner: CodeOwner,
        /// The encrypted code the call carried (kept for a report-driven next provider).
        sealed_code: String,
        /// True when acceptance is delivery (the in-process sandbox).
        delivered: bool,
    },
    /// It failed.
    Failed {
        /// Why.
        reason: String,
        /// True when the next provider should be tried (unavailable, unauthorized,
        /// unexpected); false for a rejection, which ends the delivery.
        moves_on: bool,
    },
}

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
        /// Encrypted code (see [`VerificationState::sealed_codes`]).
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

/// Why a verification command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    /// The verification does not exist yet.
    #[error("verification not started")]
    NotStarted,
    /// Start on an existing verification.
    #[error("verification already started")]
    AlreadyStarted,
    /// The per-phone send quota is used up (MISSION.md A: 5 per hour).
    #[error("too many codes sent to this number; retry in {retry_after_seconds} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// A resend came within the cooldown.
    #[error("a code was sent moments ago; retry in {retry_after_seconds} s")]
    ResendTooSoon {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// The channel is not in this verification's plan.
    #[error("channel {0:?} is not available for this verification")]
    ChannelUnavailable(Channel),
    /// The code's time to live ran out.
    #[error("the code expired; request a new verification")]
    Expired,
    /// Too many wrong checks.
    #[error("too many wrong codes; request a new verification")]
    Locked,
    /// Already approved.
    #[error("the verification is already approved")]
    AlreadyApproved,
    /// No delivery with that sequence number.
    #[error("no delivery attempt {0}")]
    UnknownDelivery(u32),
}
