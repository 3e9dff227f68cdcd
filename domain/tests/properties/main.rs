//! The domain's spec properties (spec/properties.md), one proptest per property, plus
//! example-based decider tests written with `support::given(..).when(..).then(..)`.
//!
//! Run: `cargo test -p onramp-domain --test properties`.

mod failover;
mod order;
mod session;
mod support;
mod trial;
mod verification;
mod whatsapp;
