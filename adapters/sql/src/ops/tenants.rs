//! Tenants and their API key hashes.

use onramp_domain::ports::{StoreError, Tenant};

use crate::codec::{Scalar, TenantRow};
use crate::db::Conn;

const INSERT: &str =
    "INSERT INTO tenants (id, name, api_key_hash, created_at) VALUES ($1, $2, $3, $4)";

/// The authentication lookup: the one tenant query that cannot filter on a tenant, since it is
/// how the tenant is found.
const BY_KEY_HASH: &str = "SELECT id, name, created_at FROM tenants WHERE api_key_hash = $1";

const COUNT: &str = "SELECT COUNT(*) AS value FROM tenants";

/// Creates a tenant.
///
/// # Errors
/// [`StoreError::Conflict`] when its id or key hash exists.
pub(crate) async fn create_tenant(
    conn: &mut Conn<'_>,
    tenant: Tenant,
    api_key_hash: String,
) -> Result<(), StoreError> {
    let args = vec![
        tenant.id.to_string().into(),
        tenant.name.into(),
        api_key_hash.into(),
        tenant.created_at.into(),
    ];
    conn.execute(INSERT, args).await?;
    Ok(())
}

/// The tenant whose API key hashes to `api_key_hash`.
pub(crate) async fn tenant_by_key_hash(
    conn: &mut Conn<'_>,
    api_key_hash: &str,
) -> Result<Option<Tenant>, StoreError> {
    let row: Option<TenantRow> = conn
        .fetch_optional(BY_KEY_HASH, vec![api_key_hash.into()])
        .await?;
    row.map(TenantRow::into_tenant).transpose()
}

/// How many tenants exist.
pub(crate) async fn tenant_count(conn: &mut Conn<'_>) -> Result<u64, StoreError> {
    let row: Option<Scalar<i64>> = conn.fetch_optional(COUNT, Vec::new()).await?;
    let count = row.map_or(0, |r| r.value);
    u64::try_from(count).map_err(|_| StoreError::Corrupt(format!("tenant count {count}")))
}
