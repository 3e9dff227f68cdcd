//! The tenant-facing event log port (issue 12, item 1): what a tenant is told happened, written
//! by the one commit path in the same transaction as the change it reports, and read back by
//! the events API and the outbound webhooks.

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;
use crate::ids::TenantId;

/// A tenant-facing event to write with a commit ([`super::Commit::tenant_events`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTenantEvent {
    /// Its id (a UUIDv7 from the `IdGen` port): the `webhook-id` of its deliveries, the key a
    /// receiver deduplicates on.
    pub id: Uuid,
    /// Its type from the catalogue (`session.step_completed`; `app::events::CATALOGUE`).
    pub event_type: &'static str,
    /// The onboarding session it belongs to, when it belongs to one (a session id, as text).
    pub session_id: Option<String>,
    /// When the change happened.
    pub created_at: OffsetDateTime,
    /// The object the event is about, as the catalogue documents it: unmasked (phone numbers
    /// and e-mail addresses are masked on the way out unless the reader opts in).
    pub data: Value,
}

/// A tenant-facing event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantEvent {
    /// Its position in the log, assigned by the store at commit: strictly increasing in commit
    /// order, so it orders the events of one session (and of one tenant); never reused.
    pub sequence: u64,
    /// Its id.
    pub id: Uuid,
    /// Its type.
    pub event_type: String,
    /// The session it belongs to, when any.
    pub session_id: Option<String>,
    /// When the change happened.
    pub created_at: OffsetDateTime,
    /// The object, unmasked.
    pub data: Value,
}

/// A filtered page of a tenant's events.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TenantEventQuery {
    /// Only events of these types (none: all).
    pub types: Vec<String>,
    /// Only the events of this session.
    pub session_id: Option<String>,
    /// Only events created at or after this instant.
    pub created_after: Option<OffsetDateTime>,
    /// The last sequence of the previous page: this page continues past it, in the order
    /// asked (a cursor).
    pub cursor: Option<u64>,
    /// Oldest first (`true`, for a reader following the log) or newest first.
    pub ascending: bool,
    /// Page size, 1..=100.
    pub limit: u32,
}

/// The tenant-facing event log (P-TEN-1: every query filters on the tenant).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait TenantEventLog: Send + Sync {
    /// The events of `tenant` matching `query`, in the order it asks, at most `query.limit`.
    ///
    /// # Errors
    /// Store failures.
    async fn tenant_events(
        &self,
        tenant: TenantId,
        query: &TenantEventQuery,
    ) -> Result<Vec<TenantEvent>, StoreError>;

    /// The event `id` of `tenant`, `None` when it does not exist, belongs to another tenant or
    /// is past its retention.
    ///
    /// # Errors
    /// Store failures.
    async fn tenant_event(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<TenantEvent>, StoreError>;
}
