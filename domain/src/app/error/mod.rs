//! The application's errors: one enum per area ([`SessionServiceError`],
//! [`VerificationServiceError`], [`PaymentServiceError`], [`WhatsAppServiceError`],
//! [`EndUserServiceError`], [`IntegrationServiceError`], [`WebhookServiceError`], and
//! [`JobError`] for the worker), each holding what the area can refuse plus a [`CoreError`]:
//! what any use case can meet on the commit path (a missing session or template, contention, the
//! store, a corrupt state). The HTTP edge maps each enum to problem codes in one `match`.

mod areas;
mod payments;
mod whatsapp;

pub use areas::{
    EndUserServiceError, IntegrationServiceError, JobError, OutboundServiceError,
    SessionServiceError, VerificationServiceError, WebhookServiceError,
};
pub use payments::PaymentServiceError;
pub use whatsapp::WhatsAppServiceError;

use crate::ports::StoreError;

/// What any use case can meet on the commit path, whatever its area.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No such session for this tenant (also for another tenant's id: existence does not leak).
    #[error("onboarding session not found")]
    SessionNotFound,
    /// No flow template with that id.
    #[error("flow template {0} not found")]
    TemplateNotFound(String),
    /// The session's pinned flow version is no longer loaded.
    #[error("flow {flow_id} version {version} is not loaded")]
    FlowVersionUnavailable {
        /// Flow id.
        flow_id: String,
        /// Pinned version.
        version: u32,
    },
    /// The command kept conflicting with concurrent writers
    /// ([`MAX_CONFLICT_RETRIES`](super::MAX_CONFLICT_RETRIES) attempts).
    #[error("too much contention on this resource; retry")]
    Contention,
    /// The store failed.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// Stored data could not be read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// An area's error, as the commit path sees it: made from a [`CoreError`], and showing the
/// one it holds, so that [`Core::execute`](super::Core::execute) tells a version conflict
/// (decide again) and a store failure (stop) from the area's own refusals.
pub(crate) trait AreaError: From<CoreError> + Send {
    /// The [`CoreError`] this error holds, if it is one.
    fn core(&self) -> Option<&CoreError>;
}

impl AreaError for CoreError {
    fn core(&self) -> Option<&CoreError> {
        Some(self)
    }
}

/// Implements [`AreaError`] and `From<StoreError>` for an area enum with a `Core` variant;
/// the variants named after `;` hold another area's error, whose [`CoreError`] they show.
macro_rules! area_error {
    ($area:ty $(; $($nested:ident),+)?) => {
        impl $crate::app::error::AreaError for $area {
            fn core(&self) -> Option<&$crate::app::error::CoreError> {
                match self {
                    Self::Core(e) => Some(e),
                    $($(Self::$nested(e) => $crate::app::error::AreaError::core(e),)+)?
                    // Unreachable for an enum made only of `Core` and nested errors.
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }

        impl From<$crate::ports::StoreError> for $area {
            fn from(e: $crate::ports::StoreError) -> Self {
                Self::Core(e.into())
            }
        }
    };
}
pub(crate) use area_error;
