//! Test support shared by every provider adapter (feature `testing`, dev-dependencies only):
//!
//! - [`snapshot`]: an outbound request as DESIGN.md section 7's JSON (`provider`, `method`,
//!   `path`, `query`, `headers` with secrets redacted, `content_type`, `body`);
//! - [`conformance`]: checks such a request against the provider's own OpenAPI description in
//!   `../shared/provider-specs/` (path, method, content type, required and known fields, enums);
//! - [`sender_suite`]: the one contract suite of the
//!   [`VerificationSender`](onramp_domain::ports::VerificationSender) port, run by every adapter
//!   through its [`SenderFixture`];
//! - [`env_vars`]: a variable lookup standing in for the environment in the adapters'
//!   `…Credentials::from_vars` tests.

pub mod conformance;
mod env;
mod form;
mod routes;
mod schema;
pub mod sender_suite;
pub mod snapshot;

pub use env::env_vars;
pub use sender_suite::{SenderFixture, run_sender_suite};
pub use snapshot::request_snapshot;
