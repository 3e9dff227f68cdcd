//! One store suite, run against SQLite always and against PostgreSQL when
//! `ONRAMP_TEST_DATABASE_URL` names a server to create throwaway databases on (CI must set it):
//!
//! ```text
//! cargo test -p onramp-sql
//! ONRAMP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p onramp-sql
//! ```
//!
//! Every test takes [`store::support::backends`] and runs the same assertions on each store,
//! labelling failures with the engine.

mod store;
