//! Ports: the capabilities the domain needs from the outside world, one async trait per
//! capability, never per vendor (DESIGN.md section 3). Adapters implement them; application
//! services in [`crate::app`] use them as `Arc<dyn Port>`.
//!
//! With the `mocks` feature (and in this crate's tests) every port has a mockall mock:
//! `MockEventStore`, `MockJobQueue`, `MockVerificationSender`, ...

mod delivery;
mod idempotency;
mod mail;
mod payments;
mod retention;
mod runtime;
mod sandbox;
mod secrets;
mod store;
mod webhook_sender;
mod whatsapp;

pub use delivery::*;
pub use idempotency::*;
pub use mail::*;
pub use payments::*;
pub use retention::*;
pub use runtime::*;
pub use sandbox::*;
pub use secrets::*;
pub use store::*;
pub use webhook_sender::*;
pub use whatsapp::*;
