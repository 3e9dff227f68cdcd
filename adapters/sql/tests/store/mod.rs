//! The store suite's modules: one generic suite, run on every configured backend.

mod commits;
mod events;
mod groups;
mod idempotency;
mod jobs;
mod list;
mod retention;
mod sandbox;
mod snapshots;
mod support;
mod tenancy;
mod tenants;
mod timers;
