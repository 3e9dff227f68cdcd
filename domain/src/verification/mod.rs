//! The `PhoneVerification` decider and the per-phone send quota.
//!
//! A verification sends a 6-digit code (generated outside from a CSPRNG, stored only as a keyed
//! hash) by voice call first and SMS as fallback, accepts it for 300 s, locks after 5 wrong
//! checks, and refuses resends within 30 s. The per-phone limit of 5 sends per rolling hour is the
//! [`QuotaDecider`]'s, across all verifications of a phone.

mod code;
mod decide;
mod model;
mod quota;

pub use code::*;
pub use decide::{VerificationDecider, evolve};
pub use model::*;
pub use quota::*;
