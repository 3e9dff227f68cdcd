//! The `Trial` decider (DESIGN.md section 2, issue 4): a card-gated free trial.
//!
//! awaiting payment method → card verified by an authorization that is voided (P-TRI-1,
//! P-TRI-2) → trialing until `ends_at` = start + the flow's days (P-TRI-4) → active, past due or
//! canceled as the provider reports, in any order of its reports (P-WH-1). One trial per card
//! and per phone of a tenant is the rule of [`claim`] over [`TrialClaim`]s (P-TRI-3).

mod decide;
mod model;
mod registry;

pub use decide::TrialDecider;
pub use model::*;
pub use registry::*;
