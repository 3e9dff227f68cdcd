//! Time, identifiers and randomness as ports, so deciders and services stay deterministic in tests.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::verification::OtpCode;

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// New identifiers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGen: Send + Sync {
    /// A fresh, unique, time-ordered id (implementations MUST return UUIDv7, DESIGN.md section 4).
    fn new_id(&self) -> Uuid;
}

/// One-time codes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait CodeGenerator: Send + Sync {
    /// A uniformly random 6-digit code. Implementations MUST draw it from a CSPRNG
    /// (SEED-SYSTEMS.md defect 6: `random.randint` codes were guessable).
    fn otp(&self) -> OtpCode;
}
