//! Idempotency keys: start, finish, release.
//!
//! `begin` is race-free without locks held across statements: the insert and the lease
//! takeover are each one conditional statement, so of two concurrent starts exactly one changes
//! a row (on PostgreSQL the other waits for the winner's commit and then sees its row).

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{IdempotencyBegin, StoreError, StoredResponse};
use time::OffsetDateTime;

use crate::codec::IdempotencyRow;
use crate::db::Conn;

const INSERT: &str = "\
INSERT INTO idempotency_keys (tenant_id, request_key, fingerprint, status, locked_until, created_at)
VALUES ($1, $2, $3, 'in_progress', $4, $5)
ON CONFLICT (tenant_id, request_key) DO NOTHING";

/// Takes over an abandoned start of the same request: in progress, lease run out at `now` ($5).
const TAKE_OVER: &str = "\
UPDATE idempotency_keys SET locked_until = $4
WHERE tenant_id = $1 AND request_key = $2 AND fingerprint = $3 AND status = 'in_progress'
  AND (locked_until IS NULL OR locked_until <= $5)";

const SELECT: &str = "\
SELECT fingerprint, status, response_status, response_body FROM idempotency_keys
WHERE tenant_id = $1 AND request_key = $2";

const FINISH: &str = "\
UPDATE idempotency_keys SET status = 'done', response_status = $3, response_body = $4, locked_until = NULL
WHERE tenant_id = $1 AND request_key = $2 AND status = 'in_progress'";

const RELEASE: &str = "\
DELETE FROM idempotency_keys WHERE tenant_id = $1 AND request_key = $2 AND status = 'in_progress'";

/// A key released between our statements lets us try again; more churn than this is a conflict.
const ATTEMPTS: usize = 3;

/// Starts a request under `key` (see `IdempotencyStore::begin_request`).
///
/// # Errors
/// [`StoreError::Conflict`] when the key keeps changing under us; [`StoreError::Corrupt`] for a
/// stored response that cannot be replayed.
pub(crate) async fn begin(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    key: &str,
    fingerprint: &str,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
) -> Result<IdempotencyBegin, StoreError> {
    let tenant = tenant.to_string();
    for _ in 0..ATTEMPTS {
        let args = vec![
            tenant.as_str().into(),
            key.into(),
            fingerprint.into(),
            lease_until.into(),
            now.into(),
        ];
        if conn.execute(INSERT, args).await? == 1 {
            return Ok(IdempotencyBegin::Started);
        }
        let args = vec![
            tenant.as_str().into(),
            key.into(),
            fingerprint.into(),
            lease_until.into(),
            now.into(),
        ];
        if conn.execute(TAKE_OVER, args).await? == 1 {
            return Ok(IdempotencyBegin::Started);
        }
        let row: Option<IdempotencyRow> = conn
            .fetch_optional(SELECT, vec![tenant.as_str().into(), key.into()])
            .await?;
        if let Some(row) = row {
            return outcome(row, fingerprint);
        }
    }
    Err(StoreError::Conflict(format!(
        "idempotency key {key:?} changed concurrently"
    )))
}

/// What an existing key means for a request with `fingerprint` (whose takeover did not apply).
fn outcome(row: IdempotencyRow, fingerprint: &str) -> Result<IdempotencyBegin, StoreError> {
    if row.fingerprint != fingerprint {
        return Ok(IdempotencyBegin::Mismatch);
    }
    match row.status.as_str() {
        "in_progress" => Ok(IdempotencyBegin::InProgress),
        "done" => {
            let status = row
                .response_status
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| {
                    StoreError::Corrupt(
                        "idempotency record without a valid response status".to_string(),
                    )
                })?;
            Ok(IdempotencyBegin::Replay(StoredResponse {
                status,
                body: row.response_body.unwrap_or_default(),
            }))
        }
        other => Err(StoreError::Corrupt(format!("idempotency status {other:?}"))),
    }
}

/// Stores the response of a started request; a key no longer in progress is left as it is.
pub(crate) async fn finish(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    key: &str,
    response: StoredResponse,
) -> Result<(), StoreError> {
    let args = vec![
        tenant.to_string().into(),
        key.into(),
        i64::from(response.status).into(),
        response.body.into(),
    ];
    conn.execute(FINISH, args).await?;
    Ok(())
}

/// Forgets a started request; a finished one is kept.
pub(crate) async fn release(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    key: &str,
) -> Result<(), StoreError> {
    conn.execute(RELEASE, vec![tenant.to_string().into(), key.into()])
        .await?;
    Ok(())
}
