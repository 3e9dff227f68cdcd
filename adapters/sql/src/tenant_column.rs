//! The `tenant_id` column of the tables a journey writes (`aggregates`, `snapshots`, `events`,
//! `jobs`, `idempotency_keys`): UUID on PostgreSQL (migration 0011: 16 bytes where its text took
//! 37, in every row and every index entry, issue 11 item 4), TEXT on SQLite, where a UUID
//! stored as a BLOB would save as much but leave the file unreadable by hand. [`DbTenant`]
//! binds and decodes either, so the statements are written once.

use onramp_domain::ids::TenantId;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Postgres, Sqlite, Type};
use uuid::Uuid;

/// A tenant id as its column stores it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbTenant(pub TenantId);

impl Type<Postgres> for DbTenant {
    fn type_info() -> PgTypeInfo {
        <Uuid as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <Uuid as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for DbTenant {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(TenantId::new(<Uuid as Decode<'r, Postgres>>::decode(
            value,
        )?)))
    }
}

impl Encode<'_, Postgres> for DbTenant {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Uuid as Encode<'_, Postgres>>::encode_by_ref(&self.0.uuid(), buf)
    }
}

impl Type<Sqlite> for DbTenant {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for DbTenant {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        TenantId::parse(text)
            .map(Self)
            .map_err(|_| format!("tenant id {text:?} is not a UUID").into())
    }
}

impl Encode<'_, Sqlite> for DbTenant {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<'_, Sqlite>>::encode(self.0.to_string(), buf)
    }
}
