//! Where the simulators keep their provider objects: a [`SandboxObjects`] store (the server's
//! database, or [`InMemorySandboxObjects`] for tests and examples), scoped to one tenant, with
//! typed reads and compare-and-set updates (issue 11, item 8).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    Inserted, PaymentError, ProviderError, SandboxObject, SandboxObjects, StoreError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ids::lock;

/// The tenant under which a simulator that was not scoped with its `for_tenant` keeps its
/// objects: the nil UUID, which no tenant has.
pub(crate) const UNSCOPED: TenantId = TenantId::new(uuid::Uuid::nil());

/// How many times an update is decided again after losing a race before it gives up with the
/// conflict: each loss means another writer changed the object, so this bounds a livelock, not
/// normal contention.
const MAX_CONFLICTS: usize = 64;

/// The sandbox's object store failed, or holds an object its simulator cannot read.
#[derive(Debug, thiserror::Error)]
pub enum SandboxStoreError {
    /// The store failed: unreachable, corrupt, or a conflict that did not settle.
    #[error("the sandbox's object store failed")]
    Store(#[from] StoreError),
    /// A stored object is not of the JSON shape its simulator writes (or a value could not be
    /// written as JSON).
    #[error("sandbox object {kind} {id} does not match its simulator's shape")]
    Shape {
        /// The object's kind (`paypal.order`, ...).
        kind: String,
        /// The object's id.
        id: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

impl From<SandboxStoreError> for ProviderError {
    fn from(error: SandboxStoreError) -> Self {
        ProviderError::Unexpected(Box::new(error))
    }
}

impl From<SandboxStoreError> for PaymentError {
    fn from(error: SandboxStoreError) -> Self {
        PaymentError::Provider(error.into())
    }
}

/// One simulator's view of the store: its tenant's objects.
#[derive(Clone)]
pub(crate) struct Objects {
    store: Arc<dyn SandboxObjects>,
    tenant: TenantId,
}

impl Objects {
    /// The objects of `tenant` in `store`.
    pub(crate) fn new(store: Arc<dyn SandboxObjects>, tenant: TenantId) -> Self {
        Self { store, tenant }
    }

    /// A fresh in-memory store, unscoped.
    pub(crate) fn in_memory() -> Self {
        Self::new(Arc::new(InMemorySandboxObjects::default()), UNSCOPED)
    }

    /// The same store, `tenant`'s objects.
    pub(crate) fn scoped(&self, tenant: TenantId) -> Self {
        Self::new(self.store.clone(), tenant)
    }

    /// The tenant whose objects these are.
    pub(crate) fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The object `id` of `kind`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Option<T>, SandboxStoreError> {
        match self.store.get(self.tenant, kind, id).await? {
            Some(object) => decode(kind, object).map(Some),
            None => Ok(None),
        }
    }

    /// Stores `value` unless the object exists; answers the object stored after the call and
    /// whether it is `value` (this call created it).
    pub(crate) async fn insert<T: Serialize + DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
        value: &T,
    ) -> Result<(T, bool), SandboxStoreError> {
        let json = encode(kind, id, value)?;
        match self.store.insert(self.tenant, kind, id, json).await? {
            Inserted::Created(object) => decode(kind, object).map(|v| (v, true)),
            Inserted::Existing(object) => decode(kind, object).map(|v| (v, false)),
        }
    }

    /// Stores `value` as the object `id` of `kind`, whatever was there.
    pub(crate) async fn set<T: Serialize>(
        &self,
        kind: &str,
        id: &str,
        value: &T,
    ) -> Result<(), SandboxStoreError> {
        let json = encode(kind, id, value)?;
        let mut conflicts = 0;
        loop {
            let stored = match self
                .store
                .insert(self.tenant, kind, id, json.clone())
                .await?
            {
                Inserted::Created(_) => return Ok(()),
                Inserted::Existing(stored) if stored.value == json => return Ok(()),
                Inserted::Existing(stored) => stored,
            };
            let replaced = self
                .store
                .replace(self.tenant, kind, id, stored.version, json.clone())
                .await;
            if let Replaced::Done = settle(replaced, &mut conflicts)? {
                return Ok(());
            }
        }
    }

    /// Applies `change` to the object `id` of `kind` and stores the result if it differs,
    /// compare-and-set on the version read: when another writer changed the object in between,
    /// it is read again and `change` decided again on it (so `change` may run more than once and
    /// must only compute). Answers `None` for an object that does not exist (`change` did not
    /// run), else what `change` answered; when `change` fails, nothing is written.
    pub(crate) async fn update<T, R, E>(
        &self,
        kind: &str,
        id: &str,
        mut change: impl FnMut(&mut T) -> Result<R, E>,
    ) -> Result<Option<R>, E>
    where
        T: Serialize + DeserializeOwned,
        E: From<SandboxStoreError>,
    {
        let mut conflicts = 0;
        loop {
            let Some(object) = self
                .store
                .get(self.tenant, kind, id)
                .await
                .map_err(SandboxStoreError::from)?
            else {
                return Ok(None);
            };
            let version = object.version;
            let before = object.value.clone();
            let mut value: T = decode(kind, object)?;
            let answer = change(&mut value)?;
            let after = encode(kind, id, &value)?;
            if after == before {
                return Ok(Some(answer));
            }
            let replaced = self
                .store
                .replace(self.tenant, kind, id, version, after)
                .await;
            if let Replaced::Done = settle(replaced, &mut conflicts)? {
                return Ok(Some(answer));
            }
        }
    }

    /// At most `limit` objects of `kind`, oldest first.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<T>, SandboxStoreError> {
        let objects = self.store.list(self.tenant, kind, limit).await?;
        objects
            .into_iter()
            .map(|object| decode(kind, object))
            .collect()
    }
}

/// What a compare-and-set replace came to.
enum Replaced {
    /// It applied.
    Done,
    /// Another writer changed the object first: read it again and decide again.
    Lost,
}

/// Classifies a replace's outcome, counting lost races in `conflicts`: past [`MAX_CONFLICTS`]
/// the conflict is answered as the error it is, as is any other failure.
fn settle(
    replaced: Result<u64, StoreError>,
    conflicts: &mut usize,
) -> Result<Replaced, SandboxStoreError> {
    match replaced {
        Ok(_) => Ok(Replaced::Done),
        Err(StoreError::Conflict(_)) if *conflicts < MAX_CONFLICTS => {
            *conflicts += 1;
            Ok(Replaced::Lost)
        }
        Err(e) => Err(e.into()),
    }
}

fn encode<T: Serialize>(kind: &str, id: &str, value: &T) -> Result<Value, SandboxStoreError> {
    serde_json::to_value(value).map_err(|source| SandboxStoreError::Shape {
        kind: kind.to_owned(),
        id: id.to_owned(),
        source,
    })
}

fn decode<T: DeserializeOwned>(kind: &str, object: SandboxObject) -> Result<T, SandboxStoreError> {
    serde_json::from_value(object.value).map_err(|source| SandboxStoreError::Shape {
        kind: kind.to_owned(),
        id: object.id,
        source,
    })
}

/// [`SandboxObjects`] in this process's memory, for tests and examples (the server keeps the
/// objects in its database). Objects last as long as the value; clones of an `Arc` of it share
/// them, which is how a test simulates a restart: two simulators built on one store.
#[derive(Default)]
pub struct InMemorySandboxObjects {
    // A std `Mutex` (see `SandboxInbox`): held for map work only, never across an `.await`.
    state: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    /// (tenant, kind, id) -> (insertion number, object).
    objects: HashMap<(TenantId, String, String), (u64, SandboxObject)>,
    inserted: u64,
}

impl std::fmt::Debug for InMemorySandboxObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemorySandboxObjects")
            .field("objects", &lock(&self.state).objects.len())
            .finish()
    }
}

fn key(tenant: TenantId, kind: &str, id: &str) -> (TenantId, String, String) {
    (tenant, kind.to_owned(), id.to_owned())
}

#[async_trait]
impl SandboxObjects for InMemorySandboxObjects {
    async fn get(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
    ) -> Result<Option<SandboxObject>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .objects
            .get(&key(tenant, kind, id))
            .map(|(_, object)| object.clone()))
    }

    async fn insert(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        value: Value,
    ) -> Result<Inserted, StoreError> {
        let mut state = lock(&self.state);
        if let Some((_, existing)) = state.objects.get(&key(tenant, kind, id)) {
            return Ok(Inserted::Existing(existing.clone()));
        }
        state.inserted += 1;
        let object = SandboxObject {
            id: id.to_owned(),
            value,
            version: 1,
        };
        let at = state.inserted;
        state
            .objects
            .insert(key(tenant, kind, id), (at, object.clone()));
        Ok(Inserted::Created(object))
    }

    async fn replace(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        expected: u64,
        value: Value,
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        match state.objects.get_mut(&key(tenant, kind, id)) {
            Some((_, object)) if object.version == expected => {
                object.version = expected.saturating_add(1);
                object.value = value;
                Ok(object.version)
            }
            _ => Err(StoreError::Conflict(format!(
                "sandbox object {kind} {id} is no longer at version {expected}"
            ))),
        }
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<SandboxObject>, StoreError> {
        let state = lock(&self.state);
        let mut found: Vec<_> = state
            .objects
            .iter()
            .filter(|((t, k, _), _)| *t == tenant && k == kind)
            .map(|(_, (at, object))| (*at, object.clone()))
            .collect();
        found.sort_by_key(|(at, _)| *at);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(found.into_iter().take(limit).map(|(_, o)| o).collect())
    }
}
