//! Idempotency records of POST requests (DESIGN.md sections 4 and 5; issue 11, item 2): the
//! record a request's commit writes ([`super::Commit::idempotency`]) and the port that reads it
//! back.

use time::OffsetDateTime;

use super::StoreError;
use crate::ids::TenantId;

/// A response kept for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes, replayed as they were.
    pub body: Vec<u8>,
}

/// The idempotency record of one request (DESIGN.md sections 4 and 5), written by the commit of
/// the request's effects.
///
/// A record whose `answer` is `None` says that effects were committed and the request is still
/// running (or died): while `lease_until` is ahead another attempt is refused as in progress;
/// after it, an attempt with the same fingerprint takes the record over and runs again (the use
/// cases that commit more than once resume from what they committed). Records expire at
/// `expires_at` (24 hours, Stripe's rule) and are then treated as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The key as scoped by the edge (a tenant's key, or an end user's, prefixed).
    pub key: String,
    /// A hash of the request's method, path and body.
    pub fingerprint: String,
    /// The attempt that writes it (a random id per attempt): a record held by another live
    /// attempt is never overwritten ([`StoreError::IdempotencyKeyTaken`]).
    pub holder: String,
    /// The answer to replay; `None` while the request runs.
    pub answer: Option<StoredResponse>,
    /// True when the answer carried a secret that was left out of `answer` (shown once).
    pub secret_withheld: bool,
    /// When the record is written.
    pub now: OffsetDateTime,
    /// Until when a record without an answer holds the key against other attempts.
    pub lease_until: OffsetDateTime,
    /// When the record is forgotten.
    pub expires_at: OffsetDateTime,
}

/// An idempotency record read back (see [`IdempotencyRecord`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyEntry {
    /// The request's fingerprint.
    pub fingerprint: String,
    /// The attempt that last wrote it.
    pub holder: String,
    /// The answer, once the request finished.
    pub answer: Option<StoredResponse>,
    /// True when a secret was left out of the answer.
    pub secret_withheld: bool,
    /// Until when an unfinished record holds the key.
    pub lease_until: OffsetDateTime,
    /// When it is forgotten.
    pub expires_at: OffsetDateTime,
}

/// Idempotency records of POST requests (DESIGN.md section 5). They are written only by
/// [`EventStore::commit`](super::EventStore::commit), in the transaction of the request's
/// effects ([`Commit::idempotency`](super::Commit::idempotency)).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// The record of `key` of `tenant`, `None` when there is none or it expired at `now`.
    async fn idempotency_entry(
        &self,
        tenant: TenantId,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyEntry>, StoreError>;

    /// Deletes at most `limit` records that expired before `now` (retention); returns how many.
    async fn delete_expired_idempotency(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;
}
