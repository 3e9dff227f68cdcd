//! Projection rows read back into states (for answers and listings), and the queryable columns
//! an [`Aggregate`](super::execute::Aggregate) declares.

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::ids::TenantId;
use crate::ports::{Loaded, StoredEvent, StreamId};

use super::catalog::FlowCatalog;
use super::execute::Aggregate;
use super::{Core, CoreError};

/// A state read back for an answer (decisions read through a [`Tx`](super::execute::Tx)).
pub(crate) struct Versioned<S> {
    pub state: S,
}

/// The state of a row read back: its stored state (or the initial one, when none was stored)
/// with the events since folded in ([`Aggregate::replay`], with the flows a session's
/// evolution needs).
///
/// # Errors
/// [`CoreError::Corrupt`] when the stored state or an event does not read back.
pub(crate) fn state_of<S: Aggregate>(loaded: &Loaded, flows: &FlowCatalog) -> Result<S, CoreError> {
    let stored = &loaded.snapshot.state;
    let state: Option<S> = if stored.is_null() {
        None
    } else {
        Some(serde_json::from_value(stored.clone()).map_err(|e| {
            CoreError::Corrupt(format!(
                "{:?} {}: {e}",
                loaded.stream.kind, loaded.stream.id
            ))
        })?)
    };
    match state {
        Some(state) if loaded.pending.is_empty() => Ok(state),
        state => S::replay(state, &loaded.pending, flows),
    }
}

/// A stored event read back as the aggregate's event type.
///
/// # Errors
/// [`CoreError::Corrupt`] when it does not deserialize.
pub(crate) fn event_of<E: DeserializeOwned>(stored: &StoredEvent) -> Result<E, CoreError> {
    serde_json::from_value(stored.payload.clone()).map_err(|e| {
        CoreError::Corrupt(format!(
            "{:?} {} event {}: {e}",
            stored.stream.kind, stored.stream.id, stored.version
        ))
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, CoreError> {
    serde_json::to_value(value).map_err(|e| CoreError::Corrupt(e.to_string()))
}

/// The projection row's queryable columns (the state is stored beside them).
pub(crate) struct Columns {
    pub status: String,
    pub flow_id: Option<String>,
    pub phone: Option<String>,
    pub external_ref: Option<String>,
    pub session_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Core {
    pub(crate) async fn load_versioned<S: Aggregate>(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Versioned<S>>, CoreError> {
        match self.store.load(tenant, stream).await? {
            None => Ok(None),
            Some(loaded) => Ok(Some(Versioned {
                state: state_of(&loaded, &self.flows)?,
            })),
        }
    }
}
