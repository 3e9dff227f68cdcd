//! Idempotency records: written inside the commit of the request's effects, read back by the
//! edge before it runs a request, deleted once expired.
//!
//! The write is one conditional upsert whose affected-row count is checked: it changes a row
//! only when the key is new, is held by the same attempt, expired, or is an unfinished record of
//! the same request whose lease ran out. Of two concurrent attempts exactly one changes the row
//! (on PostgreSQL the other waits for the winner's commit and then sees its row); the loser's
//! whole commit is rolled back with [`StoreError::IdempotencyKeyTaken`].
//!
//! Answers of [`DEFLATE_FROM`](super::answer_codec::DEFLATE_FROM) bytes or more are stored
//! deflated with a preset dictionary ([`super::answer_codec`]): most are a session's whole view,
//! about 1.4 KB of JSON, and they were half of the bytes a journey stores (`bench/storage.sh`).

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{IdempotencyEntry, IdempotencyRecord, StoreError, StoredResponse};
use time::OffsetDateTime;

use crate::codec::{IdempotencyRow, to_micros};
use crate::db::Conn;

use super::answer_codec::{decode, encode};

const UPSERT: &str = "\
INSERT INTO idempotency_keys (tenant_id, request_key, fingerprint, holder, response_status, response_body, response_encoding, secret_withheld, lease_until, expires_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, request_key) DO UPDATE SET
    fingerprint = excluded.fingerprint, holder = excluded.holder,
    response_status = excluded.response_status, response_body = excluded.response_body,
    response_encoding = excluded.response_encoding,
    secret_withheld = excluded.secret_withheld, lease_until = excluded.lease_until,
    expires_at = excluded.expires_at, created_at = excluded.created_at
WHERE idempotency_keys.holder = excluded.holder
   OR idempotency_keys.expires_at <= excluded.created_at
   OR (idempotency_keys.response_status IS NULL
       AND idempotency_keys.lease_until <= excluded.created_at
       AND idempotency_keys.fingerprint = excluded.fingerprint)";

const SELECT: &str = "\
SELECT fingerprint, holder, response_status, response_body, response_encoding, secret_withheld, lease_until, expires_at
FROM idempotency_keys WHERE tenant_id = $1 AND request_key = $2 AND expires_at > $3";

const DELETE_EXPIRED: &str = "\
DELETE FROM idempotency_keys WHERE (tenant_id, request_key) IN (
    SELECT tenant_id, request_key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)";

/// A record ready to write: its answer already in stored form, so that deflating it happens
/// in the request's task and not in the SQLite writer, which runs one commit at a time.
#[derive(Debug)]
pub(crate) struct EncodedRecord {
    record: IdempotencyRecord,
    status: Option<i64>,
    body: Option<Vec<u8>>,
    encoding: Option<&'static str>,
}

impl EncodedRecord {
    /// `record` with its answer in stored form ([`super::answer_codec`]).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when deflating fails (it does not on a `Vec`).
    pub(crate) fn new(mut record: IdempotencyRecord) -> Result<Self, StoreError> {
        let (status, (body, encoding)) = match record.answer.take() {
            Some(a) => {
                let (body, encoding) = encode(a.body)?;
                (Some(i64::from(a.status)), (Some(body), encoding))
            }
            None => (None, (None, None)),
        };
        Ok(Self {
            record,
            status,
            body,
            encoding,
        })
    }

    /// The record as the PostgreSQL commit function reads it (migration
    /// `0013_commit_function.sql`): times in unix microseconds, the answer in hex.
    pub(crate) fn document(self) -> serde_json::Value {
        serde_json::json!({
            "key": self.record.key,
            "fingerprint": self.record.fingerprint,
            "holder": self.record.holder,
            "status": self.status,
            "body": self.body.map(hex::encode),
            "encoding": self.encoding,
            "withheld": i64::from(self.record.secret_withheld),
            "lease_until": to_micros(self.record.lease_until),
            "expires_at": to_micros(self.record.expires_at),
            "now": to_micros(self.record.now),
        })
    }
}

/// Writes `encoded` for `tenant` inside the caller's transaction.
///
/// # Errors
/// [`StoreError::IdempotencyKeyTaken`] when another attempt holds the key (the caller rolls the
/// whole commit back).
pub(crate) async fn write(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    encoded: EncodedRecord,
) -> Result<(), StoreError> {
    let EncodedRecord {
        record,
        status,
        body,
        encoding,
    } = encoded;
    let args = vec![
        tenant.into(),
        record.key.into(),
        record.fingerprint.into(),
        record.holder.into(),
        status.into(),
        body.into(),
        encoding.map(str::to_string).into(),
        i64::from(record.secret_withheld).into(),
        record.lease_until.into(),
        record.expires_at.into(),
        record.now.into(),
    ];
    match conn.execute(UPSERT, args).await? {
        1 => Ok(()),
        _ => Err(StoreError::IdempotencyKeyTaken),
    }
}

/// The unexpired record of `key`.
///
/// # Errors
/// [`StoreError::Corrupt`] for a stored status that is not an HTTP status.
pub(crate) async fn entry(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    key: &str,
    now: OffsetDateTime,
) -> Result<Option<IdempotencyEntry>, StoreError> {
    let row: Option<IdempotencyRow> = conn
        .fetch_optional(SELECT, vec![tenant.into(), key.into(), now.into()])
        .await?;
    row.map(|row| {
        let answer = match row.response_status {
            None => None,
            Some(status) => Some(StoredResponse {
                status: u16::try_from(status).map_err(|_| {
                    StoreError::Corrupt(format!("idempotency response status {status}"))
                })?,
                body: decode(row.response_body, row.response_encoding.as_deref())?,
            }),
        };
        Ok(IdempotencyEntry {
            fingerprint: row.fingerprint,
            holder: row.holder,
            answer,
            secret_withheld: row.secret_withheld != 0,
            lease_until: row.lease_until.0,
            expires_at: row.expires_at.0,
        })
    })
    .transpose()
}

/// Deletes at most `limit` records expired at `now`.
pub(crate) async fn delete_expired(
    conn: &mut Conn<'_>,
    now: OffsetDateTime,
    limit: u32,
) -> Result<u64, StoreError> {
    conn.execute(DELETE_EXPIRED, vec![now.into(), i64::from(limit).into()])
        .await
}
