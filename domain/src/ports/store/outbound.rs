//! The outbound webhook queue port (issue 12, item 2): which endpoints receive which
//! tenant-facing events, one message per (endpoint, event), and every attempt to deliver it.
//!
//! The store routes each tenant-facing event to the tenant's enabled endpoints whose filter
//! takes it, in the same transaction that writes the event (a message per endpoint): no event
//! is lost between its commit and its delivery, whatever crashes. Endpoint routes, attempts and
//! requeues are written by the one commit path ([`super::Commit`]).

use time::OffsetDateTime;
use uuid::Uuid;

use super::{StoreError, TenantEvent};
use crate::ids::TenantId;

/// How the store routes events to one endpoint: written with each change of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRoute {
    /// The endpoint.
    pub endpoint: Uuid,
    /// The event types it takes; `None`: every type.
    pub event_types: Option<Vec<String>>,
    /// Whether it receives events (a disabled endpoint gets no new message).
    pub enabled: bool,
    /// Whether a session's next event waits until its previous one is delivered or given up.
    pub ordered: bool,
    /// The endpoint was deleted: its route and its pending messages go.
    pub deleted: bool,
}

/// A message's state after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// A 2xx answer: delivered.
    Delivered,
    /// Another attempt at this time.
    Retry(OffsetDateTime),
    /// Given up: the retry schedule is spent, or the endpoint is gone (a dead letter).
    Failed,
}

/// One delivery attempt, recorded with the message's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The endpoint.
    pub endpoint: Uuid,
    /// The event's sequence.
    pub sequence: u64,
    /// Its number for this message, from 1.
    pub attempt: u32,
    /// When it was sent.
    pub at: OffsetDateTime,
    /// The endpoint's HTTP status, when it answered.
    pub status: Option<u16>,
    /// From the request's start to the answer (or the failure), milliseconds.
    pub latency_ms: u64,
    /// The start of the answer's body (at most 1 KiB).
    pub response: String,
    /// Why no answer came (timeout, connection, a refused destination).
    pub error: Option<String>,
    /// The message afterwards.
    pub outcome: MessageOutcome,
}

/// Queues an event for an endpoint again, now: a redelivery of one event, or a replay of
/// every event since an instant that the endpoint's filter takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requeue {
    /// The event `sequence`, even one the endpoint's filter now refuses.
    Event {
        /// The endpoint.
        endpoint: Uuid,
        /// The event.
        sequence: u64,
        /// When it is due again (now, by the caller's clock).
        at: OffsetDateTime,
    },
    /// Every event created at or after `since` that the endpoint's route takes.
    Since {
        /// The endpoint.
        endpoint: Uuid,
        /// From when.
        since: OffsetDateTime,
        /// When they are due again (now, by the caller's clock).
        at: OffsetDateTime,
    },
}

/// A message claimed for delivery, leased to one worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    /// Whose it is.
    pub tenant: TenantId,
    /// The endpoint.
    pub endpoint: Uuid,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// The event to deliver.
    pub event: TenantEvent,
}

/// A message as listed: one event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookMessage {
    /// The endpoint.
    pub endpoint: Uuid,
    /// The event's sequence.
    pub sequence: u64,
    /// The event's id.
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// An attempt as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Its id: the listing's cursor.
    pub id: u64,
    /// The event's id, while the event is kept.
    pub event_id: Option<Uuid>,
    /// The attempt.
    pub attempt: WebhookAttempt,
}

/// The queue's reads and its claim; its writes go through the commit.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait WebhookQueue: Send + Sync {
    /// Leases up to `limit` messages due at `now` for `lease_seconds`, at most `per_endpoint` of
    /// one endpoint (one slow or dead endpoint never takes a whole batch), none of an ordered
    /// endpoint's session while an earlier message of that session is pending. System-wide:
    /// the workers serve every tenant.
    ///
    /// # Errors
    /// Store failures.
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_seconds: u32,
        limit: u32,
        per_endpoint: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;

    /// Messages of `endpoint` of `tenant` with `status` (all when `None`), newest first,
    /// before the sequence `before` when given, at most `limit`.
    ///
    /// # Errors
    /// Store failures.
    async fn webhook_messages(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
        status: Option<String>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<WebhookMessage>, StoreError>;

    /// Attempts to deliver to `endpoint` of `tenant`, newest first, before the attempt id
    /// `before` when given, at most `limit`.
    ///
    /// # Errors
    /// Store failures.
    async fn webhook_attempts(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AttemptRecord>, StoreError>;
}
