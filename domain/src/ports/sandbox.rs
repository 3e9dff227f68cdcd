//! The sandbox's simulated provider objects (issue 11, item 8): PayPal orders, Stripe customers,
//! payment methods, authorizations and subscriptions, BSP senders, Embedded Signup codes. They
//! live where the orders, trials and accounts that name them live, so that a restart, or
//! another replica, finds them.

use serde_json::Value;

use super::StoreError;
use crate::ids::TenantId;

/// One simulated provider object as stored: its document and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxObject {
    /// Its id within its kind (`SBX-…` for a PayPal order, `cus_sbx_…`, ...).
    pub id: String,
    /// The document, in the simulator's own JSON shape.
    pub value: Value,
    /// 1 once inserted, one more at every [`SandboxObjects::replace`].
    pub version: u64,
}

/// What [`SandboxObjects::insert`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// The object did not exist: it is now stored, version 1.
    Created(SandboxObject),
    /// The object existed: it is answered unchanged and nothing was written.
    Existing(SandboxObject),
}

impl Inserted {
    /// The object stored after the call, whichever it is.
    pub fn into_object(self) -> SandboxObject {
        match self {
            Inserted::Created(object) | Inserted::Existing(object) => object,
        }
    }
}

/// A tenant-scoped document store for the sandbox's simulated provider objects.
///
/// An object is named by (tenant, kind, id): `kind` is a namespace the simulator chooses
/// (`paypal.order`, `stripe.customer`, ...), `id` its id there. Invariants that must hold across
/// processes and replicas (a PayPal order captured once, one order per idempotency key) are
/// kept with [`SandboxObjects::insert`] (the first writer of an id wins) and
/// [`SandboxObjects::replace`] (compare-and-set on the version), never with a process lock.
///
/// Implementations MUST filter every read and write on the tenant (another tenant's object is
/// absent), MUST make [`SandboxObjects::insert`] and [`SandboxObjects::replace`] atomic against
/// concurrent callers in any process, and MUST NOT answer from a cache another process can make
/// stale.
///
/// # Errors
/// Every method: [`StoreError::Unavailable`] when the store cannot be reached,
/// [`StoreError::Corrupt`] for a stored row that does not read back, [`StoreError::Unexpected`]
/// otherwise; [`SandboxObjects::replace`] also [`StoreError::Conflict`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SandboxObjects: Send + Sync {
    /// The object `id` of `kind` of `tenant`, `None` when there is none.
    async fn get(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
    ) -> Result<Option<SandboxObject>, StoreError>;

    /// Stores `value` as version 1 of the object `id` of `kind` of `tenant` unless that object
    /// exists, and answers the object stored after the call. Of concurrent inserts of one id
    /// exactly one answers [`Inserted::Created`]; the others answer its object as
    /// [`Inserted::Existing`].
    async fn insert(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        value: Value,
    ) -> Result<Inserted, StoreError>;

    /// Replaces the document of the object `id` of `kind` of `tenant` with `value` when its
    /// version is still `expected`; answers the new version (`expected + 1`).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the object's version is no longer `expected` or it does
    /// not exist: nothing was written; read it again and decide again.
    async fn replace(
        &self,
        tenant: TenantId,
        kind: &str,
        id: &str,
        expected: u64,
        value: Value,
    ) -> Result<u64, StoreError>;

    /// At most `limit` objects of `kind` of `tenant`, in the order they were inserted: for
    /// inspection (tests, sandbox pages), not for a simulator's own decisions.
    async fn list(
        &self,
        tenant: TenantId,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<SandboxObject>, StoreError>;
}
