//! Tenant-facing events (issue 12, item 1): what a tenant is told about its journeys, written by
//! the one commit path in the same commit as the change it reports, exactly once.
//!
//! An aggregate says which of its events a tenant hears about ([`Aggregate::notice`]: a
//! [`Notice`] with the type from the [`CATALOGUE`] and the change's details), and what the
//! object it reports on looks like ([`Aggregate::tenant_object`]); a use case may add a notice of
//! its own ([`Tx::notify`](super::execute::Tx::notify)) for a change no single event shows (an
//! integration's health moving). [`Tx`](super::execute::Tx) turns them into
//! [`NewTenantEvent`]s of its commit. Readers get them as [`EventView`]s, masked
//! ([`mask`]) unless they opt in to personal data.
//!
//! [`Aggregate::notice`]: super::execute::Aggregate::notice
//! [`Aggregate::tenant_object`]: super::execute::Aggregate::tenant_object

mod catalogue;
mod mask;

pub use catalogue::{CATALOGUE, CATALOGUE_VERSION, EventType, event_type};
pub use mask::{PII_KEYS, mask};

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::ids::TenantId;
use crate::ports::{AggregateKind, NewTenantEvent, TenantEvent};

use super::persist::Columns;

/// A tenant-facing event a change reports, before it has an id and its object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Notice {
    /// Its type, from the [`CATALOGUE`].
    pub event_type: &'static str,
    /// The session it belongs to, when any.
    pub session_id: Option<String>,
    /// The change's details, beside `object` in the event's `data`.
    pub details: Map<String, Value>,
}

impl Notice {
    /// A notice of type `event_type` with no details yet.
    pub(crate) fn new(event_type: &'static str, session_id: Option<String>) -> Self {
        debug_assert!(
            catalogue::event_type(event_type).is_some(),
            "{event_type} is not catalogued"
        );
        Self {
            event_type,
            session_id,
            details: Map::new(),
        }
    }

    /// Adds the detail `key` (skipped when it does not serialize or is `null`).
    pub(crate) fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value)
            && !value.is_null()
        {
            self.details.insert(key.to_owned(), value);
        }
        self
    }

    /// The event to write: `data` is the details with `object` beside them.
    pub(crate) fn into_event(
        self,
        id: uuid::Uuid,
        at: OffsetDateTime,
        object: Value,
    ) -> NewTenantEvent {
        let mut data = self.details;
        data.insert("object".to_owned(), object);
        NewTenantEvent {
            id,
            event_type: self.event_type,
            session_id: self.session_id,
            created_at: at,
            data: Value::Object(data),
        }
    }
}

/// The public name of the objects of `kind` (`whatsapp_account` for WhatsApp Business
/// Accounts; the stored kind otherwise).
pub(crate) fn object_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::WabaAccount => "whatsapp_account",
        other => other.as_str(),
    }
}

/// An object as its projection row's columns show it: `{object, id, status, flow_id?, phone?,
/// external_ref?, session_id?, created_at, updated_at}` (times in RFC 3339).
pub(crate) fn object_of_columns(kind: AggregateKind, key: &str, columns: Columns) -> Value {
    let mut object = Map::new();
    object.insert("object".into(), object_name(kind).into());
    object.insert("id".into(), key.into());
    object.insert("status".into(), columns.status.into());
    let optional = [
        ("flow_id", columns.flow_id),
        ("phone", columns.phone),
        ("external_ref", columns.external_ref),
        ("session_id", columns.session_id),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            object.insert(name.into(), value.into());
        }
    }
    for (name, at) in [
        ("created_at", columns.created_at),
        ("updated_at", columns.updated_at),
    ] {
        object.insert(name.into(), rfc3339(at).into());
    }
    Value::Object(object)
}

/// `at` in RFC 3339, to the microsecond as the store keeps times.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    let micros = at.nanosecond() / 1_000 * 1_000;
    at.replace_nanosecond(micros)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A tenant-facing event as the events API lists it and the outbound webhooks send it:
/// `{id, type, created_at, tenant_id, session_id?, sequence, catalogue_version, data}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventView {
    /// The event's id (a UUID): the `webhook-id` of its deliveries.
    pub id: String,
    /// Its type, from the catalogue.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// The tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub tenant_id: TenantId,
    /// The onboarding session it belongs to, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Its position in the tenant's log: strictly increasing in commit order, so it orders the
    /// events of one session.
    pub sequence: u64,
    /// The catalogue version its payload follows ([`CATALOGUE_VERSION`]).
    pub catalogue_version: &'static str,
    /// The change: `object` (the object it reports on, as of the change's commit) and the
    /// change's details. Phone numbers and e-mail addresses masked unless asked for.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
}

impl EventView {
    /// The view of `event` of `tenant`; personal data masked ([`mask`]) unless `include_pii`.
    pub fn of(tenant: TenantId, event: TenantEvent, include_pii: bool) -> Self {
        let data = if include_pii {
            event.data
        } else {
            mask(&event.data)
        };
        Self {
            id: event.id.to_string(),
            event_type: event.event_type,
            created_at: event.created_at,
            tenant_id: tenant,
            session_id: event.session_id,
            sequence: event.sequence,
            catalogue_version: CATALOGUE_VERSION,
            data,
        }
    }
}
