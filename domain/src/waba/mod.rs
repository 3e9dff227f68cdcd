//! The `WabaOnboarding` decider (DESIGN.md section 2, issue 5): one WhatsApp Business Account of
//! a customer account, onboarded along one of two paths.
//!
//! - **Embedded Signup** (Meta, MISSION.md D, PROVIDERS.md section 6): the code received from
//!   the browser is exchanged for a business token within its time to live (P-WABA-2), then the
//!   app's webhooks are subscribed, the partner's credit line shared and the phone number
//!   registered, in that order, each step taking effect once whatever the retries (P-WABA-1);
//!   the account is then active.
//! - **BSP** (Sinch, MISSION.md A, PROVIDERS.md section 5): submitted, in review, approved or
//!   rejected; a rejected sender is corrected and resubmitted, and approval is reached only
//!   from review (P-WABA-4).
//!
//! Secrets never appear in clear here: the business token and the registration PIN arrive
//! already sealed (ciphertext made outside by the secrets port) and the state keeps only those
//! sealed values (P-WABA-3 is checked end to end).

mod decide;
mod events;
mod model;
mod saga;

pub use decide::WabaDecider;
pub use events::*;
pub use model::*;
pub use saga::*;
