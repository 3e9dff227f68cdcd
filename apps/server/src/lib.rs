//! # onramp-server
//!
//! The HTTP app of Onramp's hexagon: it wires the adapters chosen by configuration (the SQL
//! store, the sandbox or live providers, AES-256-GCM secrets) to the domain's application
//! services, and serves them as a JSON API with problem+json errors, idempotency keys, an
//! OpenAPI document (`/openapi.json`, `/docs`), and a worker for outbox jobs and timers.
//!
//! # Layout
//! - [`settings`]: layered configuration; [`telemetry`]: tracing set-up; [`metrics`]: the
//!   Prometheus metrics of `GET /metrics`.
//! - [`startup`]: [`Application`], the wiring; [`worker`]: the job loop; [`retention`]: the
//!   retention sweep.
//! - [`routes`]: handlers and the router; [`auth`], [`idempotency`]: middleware;
//!   [`edge_store`]: the store decorator that writes idempotency records and wakes the worker;
//!   [`problem`]: errors; [`extract`]: extractors with precise rejections.
//!
//! # Example
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let settings = onramp_server::settings::Settings::load()?;
//! onramp_server::Application::build(settings).await?.run_until_stopped().await
//! # }
//! ```

pub mod auth;
pub mod dispatcher;
pub mod edge_store;
pub mod extract;
pub mod flows;
pub mod idempotency;
pub mod metrics;
pub mod problem;
pub mod providers;
pub mod retention;
pub mod routes;
pub mod runtime;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod worker;

pub use startup::{Application, Overrides};
