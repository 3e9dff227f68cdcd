//! Helpers shared by this adapter's integration tests (each test crate uses a part of them).

#![allow(dead_code, clippy::unwrap_used)]

pub mod api;
pub mod hooks;
pub mod messages;
