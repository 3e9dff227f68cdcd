//! Column types whose storage differs between the engines, bound and decoded alike so that the
//! statements are written once (issue 11 item 4: bytes stored per journey).
//!
//! - [`DbUuid`]: the `tenant_id` of the tables a journey writes (`aggregates`, `snapshots`,
//!   `events`, `jobs`, `idempotency_keys`) and `jobs.id`: UUID on PostgreSQL (migrations 0011
//!   and 0012: 16 bytes where its text took 37, in every row and every index entry), TEXT on
//!   SQLite, where a UUID stored as a BLOB would save as much but leave the file unreadable by
//!   hand.
//! - [`DbJson`]: a JSON value, bound as PostgreSQL `json` (the text as serialized, compact;
//!   `events.payload` and `snapshots.state` are `json` since migration 0012, where `jsonb` took
//!   about a tenth more for these small documents and nothing queries inside them; `jsonb`
//!   columns take it through PostgreSQL's assignment cast), and as TEXT on SQLite.
//!
//! The impls here are PostgreSQL's (sqlx); SQLite's representation is bound and decoded by
//! [`crate::native`].

use onramp_domain::ids::TenantId;
use serde_json::Value;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Postgres, Type};
use uuid::Uuid;

/// A UUID column: a tenant id ([`DbTenant`]'s columns) or a job id (`jobs.id`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbUuid(pub Uuid);

/// A tenant id as its column stores it.
pub(crate) type DbTenant = DbUuid;

impl DbUuid {
    /// The tenant id it holds.
    pub(crate) fn tenant(self) -> TenantId {
        TenantId::new(self.0)
    }
}

impl Type<Postgres> for DbUuid {
    fn type_info() -> PgTypeInfo {
        <Uuid as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <Uuid as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for DbUuid {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<Uuid as Decode<'r, Postgres>>::decode(value)?))
    }
}

impl Encode<'_, Postgres> for DbUuid {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Uuid as Encode<'_, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

/// A JSON value to bind (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct DbJson(pub Value);

impl Type<Postgres> for DbJson {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("json")
    }
}

impl Encode<'_, Postgres> for DbJson {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // The binary form of `json` is its text.
        serde_json::to_writer(&mut **buf, &self.0)?;
        Ok(IsNull::No)
    }
}
