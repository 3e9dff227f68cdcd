//! # onramp-domain
//!
//! The pure centre of Onramp's hexagon: the onboarding model as data and deciders, the ports the
//! adapters implement, and the application services that drive deciders through ports.
//!
//! Nothing here performs I/O. Time and randomness are inputs: commands carry `at`, and codes are
//! generated outside and passed in, so every decider is deterministic and property-testable
//! (see `spec/properties.md`).
//!
//! # Layout
//! - [`flow`]: flow templates as data (TOML), validated on load.
//! - [`session`]: the `OnboardingSession` decider.
//! - [`verification`]: the `PhoneVerification` decider and the per-phone send quota decider.
//! - [`ports`]: the async traits adapters implement (store, outbox, code delivery, secrets, clock).
//! - [`trial`], [`order`], [`customer`]: card-gated trials, one-off orders and the customer
//!   accounts they open.
//! - [`waba`]: the `WabaOnboarding` decider (Meta Embedded Signup saga, Sinch BSP review).
//! - [`link`]: the `ChannelLink` decider (a code sent on one channel links a session on another).
//! - [`token`]: end-user session tokens (idle timeout, refresh, one tenant, platform and session).
//! - [`app`]: application services (sessions, verifications, payments, delivery worker).
//!
//! # Example
//! ```
//! use onramp_domain::phone::PhoneNumber;
//! let phone = PhoneNumber::parse("020 7946 0018", Some("GB")).unwrap();
//! assert_eq!(phone.as_str(), "+442079460018");
//! ```
#![deny(missing_docs)]

pub mod app;
pub mod customer;
pub mod decider;
pub mod failover;
pub mod flow;
pub mod ids;
pub mod integration;
pub mod link;
pub mod money;
pub mod order;
pub mod phone;
pub mod ports;
pub mod session;
pub mod token;
pub mod trial;
pub mod verification;
pub mod waba;
