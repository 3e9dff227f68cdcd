//! Turning decider events and states into store writes, and projection rows back into states.

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::ids::TenantId;
use crate::ports::{Loaded, NewEvent, Snapshot, StoreError, StreamId, StreamWrite};

use super::{AppError, Services};

/// A state read back with the version it was read at.
pub(crate) struct Versioned<S> {
    pub state: S,
    pub version: u64,
}

impl<S: Default> Versioned<S> {
    pub fn empty() -> Self {
        Self {
            state: S::default(),
            version: 0,
        }
    }
}

pub(crate) fn state_of<S: DeserializeOwned>(loaded: &Loaded) -> Result<S, AppError> {
    serde_json::from_value(loaded.snapshot.state.clone()).map_err(|e| {
        AppError::Corrupt(format!(
            "{:?} {}: {e}",
            loaded.stream.kind, loaded.stream.id
        ))
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Corrupt(e.to_string()))
}

/// The projection row's queryable columns; the state is added by [`stream_write`].
pub(crate) struct Columns {
    pub status: String,
    pub flow_id: Option<String>,
    pub phone: Option<String>,
    pub external_ref: Option<String>,
    pub session_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub(crate) fn stream_write<E: Serialize, S: Serialize>(
    stream: StreamId,
    expected_version: u64,
    events: &[(&'static str, E, OffsetDateTime)],
    state: &S,
    columns: Columns,
) -> Result<StreamWrite, AppError> {
    let events = events
        .iter()
        .map(|(event_type, e, at)| {
            Ok(NewEvent {
                event_type: (*event_type).to_string(),
                payload: to_json(e)?,
                recorded_at: *at,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(StreamWrite {
        stream,
        expected_version,
        events,
        snapshot: Snapshot {
            status: columns.status,
            flow_id: columns.flow_id,
            phone: columns.phone,
            external_ref: columns.external_ref,
            session_id: columns.session_id,
            created_at: columns.created_at,
            updated_at: columns.updated_at,
            state: to_json(state)?,
        },
    })
}

impl Services {
    pub(crate) async fn load_versioned<S: DeserializeOwned>(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Versioned<S>>, AppError> {
        match self.store.load(tenant, stream).await? {
            None => Ok(None),
            Some(loaded) => Ok(Some(Versioned {
                state: state_of(&loaded)?,
                version: loaded.version,
            })),
        }
    }

    /// As [`Services::load_versioned`], from the store's decide cache (see
    /// [`EventStore::load_for_decide`](crate::ports::EventStore::load_for_decide)).
    pub(crate) async fn load_versioned_for_decide<S: DeserializeOwned>(
        &self,
        tenant: TenantId,
        stream: &StreamId,
    ) -> Result<Option<Versioned<S>>, AppError> {
        match self.store.load_for_decide(tenant, stream).await? {
            None => Ok(None),
            Some(loaded) => Ok(Some(Versioned {
                state: state_of(&loaded)?,
                version: loaded.version,
            })),
        }
    }

    /// Runs `attempt` until it commits without a conflict, at most
    /// [`MAX_CONFLICT_RETRIES`](super::MAX_CONFLICT_RETRIES) times. `attempt` re-reads and
    /// re-decides every time: a conflict means someone else changed what it read.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T, AppError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        for _ in 0..super::MAX_CONFLICT_RETRIES {
            match attempt().await {
                Err(AppError::Store(StoreError::Conflict(_))) => continue,
                other => return other,
            }
        }
        Err(AppError::Contention)
    }
}
