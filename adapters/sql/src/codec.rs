//! Conversions between rows and domain types, shared by both engines.
//!
//! Timestamps are kept at microsecond precision on both engines: TIMESTAMPTZ on PostgreSQL,
//! INTEGER unix microseconds on SQLite ([`DbTime`]; sqlx decodes it on PostgreSQL,
//! [`crate::native`] on SQLite). Nanoseconds are truncated
//! (floored) before binding, so what is read back is what a cursor encodes.

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::ports::{
    AggregateKind, ClaimedJob, Loaded, SandboxObject, Snapshot, StoreError, StoredEvent, StreamId,
    Tenant,
};
use serde_json::Value;

use crate::columns::{DbTenant, DbUuid};
use sqlx::encode::Encode;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Type};
use time::OffsetDateTime;

/// Microseconds since the unix epoch, floored; saturates far outside the supported years.
pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    let micros = t.unix_timestamp_nanos().div_euclid(1_000);
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

/// The instant `micros` microseconds after the unix epoch.
///
/// # Errors
/// [`StoreError::Corrupt`] when it is outside the range `time` supports.
pub(crate) fn from_micros(micros: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {micros}: {e}")))
}

/// `t` truncated to whole microseconds, as both engines store it.
pub(crate) fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t)).unwrap_or(t)
}

/// A UTC timestamp column: TIMESTAMPTZ on PostgreSQL, INTEGER unix microseconds on SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbTime(pub OffsetDateTime);

impl Type<Postgres> for DbTime {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for DbTime {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<OffsetDateTime as Decode<'r, Postgres>>::decode(
            value,
        )?))
    }
}

// Binding: the engine-specific representation lives here, so `db::arguments` binds alike.
impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, BoxDynError> {
        <OffsetDateTime as Encode<'_, Postgres>>::encode_by_ref(&truncate(self.0), buf)
    }
}

/// A stored count or version (`u64`) as the signed 64-bit integer both engines store.
///
/// # Errors
/// [`StoreError::Conflict`] when it does not fit: no stream can be at such a version.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Conflict(format!("{what} {value} is out of range")))
}

pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what} {value}")))
}

fn to_u32(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} is out of range")))
}

fn kind(text: &str) -> Result<AggregateKind, StoreError> {
    AggregateKind::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown aggregate kind {text:?}")))
}

pub(crate) fn tenant_id(text: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(text)
        .map_err(|_| StoreError::Corrupt(format!("tenant id {text:?} is not a UUID")))
}

/// Human-readable name of a stream, for conflict messages.
pub(crate) fn describe(stream: &StreamId) -> String {
    format!("{} {}", stream.kind.as_str(), stream.id)
}

/// An `aggregates` row joined with its stored state (`snapshots`).
#[derive(sqlx::FromRow)]
pub(crate) struct AggregateRow {
    kind: String,
    id: String,
    version: i64,
    status: String,
    flow_id: Option<String>,
    phone: Option<String>,
    external_ref: Option<String>,
    session_id: Option<String>,
    created_at: DbTime,
    updated_at: DbTime,
    /// The version the stored state is at (0 when none is stored).
    state_version: i64,
    /// The stored state; `None` when none is.
    state: Option<Json<Value>>,
}

crate::native::native_row!(AggregateRow {
    kind,
    id,
    version,
    status,
    flow_id,
    phone,
    external_ref,
    session_id,
    created_at,
    updated_at,
    state_version,
    state
});

impl AggregateRow {
    /// The events to fold onto the stored state: `(after, count)`, the versions
    /// `after + 1 ..= after + count`; `None` when the state is as of the row's version.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the stored state is ahead of the row or negative.
    pub(crate) fn pending(&self) -> Result<Option<(u64, u32)>, StoreError> {
        let at = to_u64(self.state_version, "state version")?;
        let version = to_u64(self.version, "version")?;
        match version.checked_sub(at) {
            Some(0) => Ok(None),
            Some(count) => Ok(Some((
                at,
                u32::try_from(count).map_err(|_| corrupt_state(&self.id))?,
            ))),
            None => Err(corrupt_state(&self.id)),
        }
    }

    /// The listing cursor pointing after this row.
    pub(crate) fn cursor(&self) -> String {
        encode_cursor(self.created_at.0, &self.id)
    }

    /// The domain's view of the row.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for an unknown kind or a negative version.
    pub(crate) fn into_loaded(self) -> Result<Loaded, StoreError> {
        Ok(Loaded {
            stream: StreamId {
                kind: kind(&self.kind)?,
                id: self.id,
            },
            version: to_u64(self.version, "version")?,
            snapshot: Snapshot {
                status: self.status,
                flow_id: self.flow_id,
                phone: self.phone,
                external_ref: self.external_ref,
                session_id: self.session_id,
                created_at: self.created_at.0,
                updated_at: self.updated_at.0,
                state: self.state.map_or(Value::Null, |s| s.0),
            },
            pending: Vec::new(),
        })
    }
}

fn corrupt_state(id: &str) -> StoreError {
    StoreError::Corrupt(format!("the stored state of {id} is not behind its row"))
}

/// An `events` row.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    stream_kind: String,
    stream_id: String,
    version: i64,
    event_type: String,
    payload: Json<Value>,
    recorded_at: DbTime,
}

crate::native::native_row!(EventRow {
    stream_kind,
    stream_id,
    version,
    event_type,
    payload,
    recorded_at
});

impl EventRow {
    /// The domain's view of the row.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for an unknown kind or a negative version.
    pub(crate) fn into_event(self) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            stream: StreamId {
                kind: kind(&self.stream_kind)?,
                id: self.stream_id,
            },
            version: to_u64(self.version, "version")?,
            event_type: self.event_type,
            payload: self.payload.0,
            recorded_at: self.recorded_at.0,
        })
    }
}

/// A `jobs` row returned by a claim.
#[derive(sqlx::FromRow)]
pub(crate) struct ClaimedRow {
    id: DbUuid,
    tenant_id: DbTenant,
    kind: String,
    payload: Json<Value>,
    run_at: DbTime,
    attempts: i64,
    max_attempts: i64,
}

crate::native::native_row!(ClaimedRow {
    id,
    tenant_id,
    kind,
    payload,
    run_at,
    attempts,
    max_attempts
});

impl ClaimedRow {
    /// The order claims are handed out in: oldest due first.
    pub(crate) fn order_key(&self) -> (i64, uuid::Uuid) {
        (to_micros(self.run_at.0), self.id.0)
    }

    /// The domain's view of the row.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for malformed ids or counters.
    pub(crate) fn into_job(self) -> Result<ClaimedJob, StoreError> {
        Ok(ClaimedJob {
            id: JobId::new(self.id.0),
            tenant: self.tenant_id.tenant(),
            kind: self.kind,
            payload: self.payload.0,
            attempts: to_u32(self.attempts, "attempts")?,
            max_attempts: to_u32(self.max_attempts, "max_attempts")?,
        })
    }
}

/// A `tenants` row.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: String,
    name: String,
    created_at: DbTime,
}

crate::native::native_row!(TenantRow {
    id,
    name,
    created_at
});

impl TenantRow {
    /// The domain's view of the row.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a malformed id.
    pub(crate) fn into_tenant(self) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: tenant_id(&self.id)?,
            name: self.name,
            created_at: self.created_at.0,
        })
    }
}

/// An `idempotency_keys` row.
#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyRow {
    pub fingerprint: String,
    pub holder: String,
    pub response_status: Option<i64>,
    pub response_body: Option<Vec<u8>>,
    pub response_encoding: Option<String>,
    pub secret_withheld: i64,
    pub lease_until: DbTime,
    pub expires_at: DbTime,
}

crate::native::native_row!(IdempotencyRow {
    fingerprint,
    holder,
    response_status,
    response_body,
    response_encoding,
    secret_withheld,
    lease_until,
    expires_at
});

/// A `sandbox_objects` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SandboxObjectRow {
    id: String,
    value: Json<Value>,
    version: i64,
}

crate::native::native_row!(SandboxObjectRow { id, value, version });

impl SandboxObjectRow {
    /// The port's view of the row, an object of `kind`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a negative version.
    pub(crate) fn into_object(self, kind: &str) -> Result<SandboxObject, StoreError> {
        let what = format!("version of sandbox object {kind} {}", self.id);
        Ok(SandboxObject {
            version: to_u64(self.version, &what)?,
            id: self.id,
            value: self.value.0,
        })
    }
}

/// A single counter or timestamp read back as `value`.
#[derive(sqlx::FromRow)]
pub(crate) struct Scalar<T> {
    pub value: T,
}

impl<T: crate::native::FromNative> crate::native::NativeRow for Scalar<T> {
    fn from_native(row: &rusqlite::Row<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            value: T::from_native(row, "value")?,
        })
    }
}

/// Encodes a listing position: opaque hex of `"<created_at µs>:<id>"`.
pub(crate) fn encode_cursor(created_at: OffsetDateTime, id: &str) -> String {
    hex::encode(format!("{}:{id}", to_micros(created_at)))
}

/// Decodes a cursor made by [`encode_cursor`].
///
/// # Errors
/// [`StoreError::Corrupt`] when the cursor was not made by this store.
pub(crate) fn decode_cursor(cursor: &str) -> Result<(OffsetDateTime, String), StoreError> {
    let invalid = || StoreError::InvalidCursor;
    let bytes = hex::decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (micros, id) = text.split_once(':').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    Ok((from_micros(micros).map_err(|_| invalid())?, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn micros_floor_nanoseconds_before_and_after_the_epoch() {
        let t = datetime!(2026-03-01 12:00:00.123_456_789 UTC);
        assert_eq!(truncate(t), datetime!(2026-03-01 12:00:00.123_456 UTC));
        let before = datetime!(1969-12-31 23:59:59.999_999_500 UTC);
        assert_eq!(to_micros(before), -1);
        assert_eq!(from_micros(to_micros(t)).ok(), Some(truncate(t)));
    }

    #[test]
    fn cursors_round_trip_ids_with_colons() {
        let t = datetime!(2026-03-01 12:00:00.5 UTC);
        let c = encode_cursor(t, "+44:7700");
        assert_eq!(decode_cursor(&c).ok(), Some((t, "+44:7700".to_string())));
    }

    #[test]
    fn foreign_cursors_are_rejected() {
        for bad in ["", "zz", "3a", &hex::encode("x:1"), &hex::encode("12")] {
            assert!(
                matches!(decode_cursor(bad), Err(StoreError::InvalidCursor)),
                "{bad}"
            );
        }
    }
}
