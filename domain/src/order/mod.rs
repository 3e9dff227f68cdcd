//! The `PaymentOrder` decider (DESIGN.md section 2, issue 4): a one-off PayPal purchase.
//!
//! created → approved → captured → exactly one customer account with the order's plan
//! (P-PAY-1, MISSION.md E.1), only when the captured amount equals the order's (P-PAY-2);
//! the provider's events fold to the same state in any order, with duplicates (P-WH-1).

mod decide;
mod model;

pub use decide::OrderDecider;
pub use model::*;
