//! The sandbox's simulated provider objects (`SandboxObjects`; issue 11, item 8): one document
//! per (tenant, kind, id) in `sandbox_objects`, every statement filtered on the tenant.
//!
//! An insert is `INSERT .. ON CONFLICT DO NOTHING` followed, in the same transaction, by a read
//! of the row that won; a replace is `UPDATE .. WHERE version = $expected` whose affected-row
//! count is checked. Both are safe under PostgreSQL's READ COMMITTED with writers in other
//! processes: the loser of a race waits for the winner's row lock, then sees its row.

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Inserted, SandboxObject, StoreError};
use serde_json::Value;

use crate::codec::SandboxObjectRow;
use crate::db::Conn;

const INSERT: &str = "\
INSERT INTO sandbox_objects (tenant_id, kind, id, version, value) VALUES ($1, $2, $3, 1, $4)
ON CONFLICT (tenant_id, kind, id) DO NOTHING";

const SELECT: &str = "\
SELECT id, value, version FROM sandbox_objects WHERE tenant_id = $1 AND kind = $2 AND id = $3";

const REPLACE: &str = "\
UPDATE sandbox_objects SET value = $5, version = version + 1
WHERE tenant_id = $1 AND kind = $2 AND id = $3 AND version = $4";

const LIST: &str = "\
SELECT id, value, version FROM sandbox_objects WHERE tenant_id = $1 AND kind = $2
ORDER BY seq LIMIT $3";

/// The object `id` of `kind` of `tenant`.
///
/// # Errors
/// [`StoreError::Corrupt`] for a stored version below 1.
pub(crate) async fn get(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: &str,
    id: &str,
) -> Result<Option<SandboxObject>, StoreError> {
    let row: Option<SandboxObjectRow> = conn
        .fetch_optional(
            SELECT,
            vec![tenant.to_string().into(), kind.into(), id.into()],
        )
        .await?;
    row.map(|row| row.into_object(kind)).transpose()
}

/// Inserts `value` as version 1 unless the object exists; answers the object that is stored.
///
/// # Errors
/// [`StoreError::Corrupt`] when the row that won cannot be read back.
pub(crate) async fn insert(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: &str,
    id: &str,
    value: Value,
) -> Result<Inserted, StoreError> {
    let args = vec![
        tenant.to_string().into(),
        kind.into(),
        id.into(),
        value.into(),
    ];
    let created = conn.execute(INSERT, args).await? == 1;
    let stored = get(conn, tenant, kind, id).await?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "sandbox object {kind} {id} is missing right after its insert"
        ))
    })?;
    Ok(if created {
        Inserted::Created(stored)
    } else {
        Inserted::Existing(stored)
    })
}

/// Replaces the document when the version is still `expected`.
///
/// # Errors
/// [`StoreError::Conflict`] when it is not, or the object does not exist.
pub(crate) async fn replace(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: &str,
    id: &str,
    expected: u64,
    value: Value,
) -> Result<(), StoreError> {
    let expected_arg = i64::try_from(expected)
        .map_err(|_| StoreError::Conflict(format!("sandbox object {kind} {id}")))?;
    let args = vec![
        tenant.to_string().into(),
        kind.into(),
        id.into(),
        expected_arg.into(),
        value.into(),
    ];
    match conn.execute(REPLACE, args).await? {
        1 => Ok(()),
        _ => Err(StoreError::Conflict(format!(
            "sandbox object {kind} {id} is no longer at version {expected}"
        ))),
    }
}

/// At most `limit` objects of `kind` of `tenant`, oldest first.
///
/// # Errors
/// [`StoreError::Corrupt`] for a stored version below 1.
pub(crate) async fn list(
    conn: &mut Conn<'_>,
    tenant: TenantId,
    kind: &str,
    limit: u32,
) -> Result<Vec<SandboxObject>, StoreError> {
    let rows: Vec<SandboxObjectRow> = conn
        .fetch_all(
            LIST,
            vec![
                tenant.to_string().into(),
                kind.into(),
                i64::from(limit).into(),
            ],
        )
        .await?;
    rows.into_iter().map(|row| row.into_object(kind)).collect()
}
