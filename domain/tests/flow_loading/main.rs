//! Flow templates: the shipped templates load, every broken document is rejected with its
//! precise error, answer schemas and conditions behave as documented, capability levels follow
//! the documented rule, and the definition JSON round-trips.

mod support;

mod capability;
mod conditions;
mod definition;
mod payments;
mod rejected;
mod schemas;
mod templates;
