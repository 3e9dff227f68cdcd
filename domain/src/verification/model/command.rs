//! The phone verification's commands, the inputs passed in with them (the send quota's answer,
//! a delivery's or a provider call's outcome), and the errors that refuse them.

use time::OffsetDateTime;

use crate::failover::SkippedProvider;
use crate::ids::{SessionId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{CodeOwner, ProviderId, ReportedStatus};
use crate::verification::code::{Channel, CodeHash};

/// Whether the per-phone send quota allows one more send now (decided by the
/// [`QuotaDecider`](crate::verification::QuotaDecider) and passed in, so this decider stays self-contained).
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
