//! End-user session tokens (MISSION.md A, issue 5): cross-platform sessions between two of a
//! tenant's platforms, token-based, with a 1-hour idle timeout and refresh.
//!
//! One aggregate per token: a token belongs to one tenant, one platform and one session, and
//! several devices of one session hold separate tokens (separate aggregates). Only the token's
//! keyed hash is kept, never the token (P-TOK-1).

mod decide;
mod model;

pub use decide::{TokenDecider, authorize};
pub use model::*;
