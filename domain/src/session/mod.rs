//! The `OnboardingSession` decider (DESIGN.md section 2).
//!
//! A session walks one flow version, pinned at start: steps are answered in order (a completed
//! step may be answered again to change it), optional steps may be skipped, steps whose `when`
//! condition is false do not apply. Progress is the share of required applicable steps done,
//! kept as a high-water mark (P-SES-1). Completion is idempotent (P-SES-2), and a completed,
//! abandoned or expired session accepts nothing else (P-SES-3).

mod decide;
mod model;
mod progress;

pub use decide::SessionDecider;
pub use model::*;
pub use progress::*;
