//! Cross-provider failover (issue 3): an ordered provider chain per channel, a circuit breaker
//! per tenant, provider and channel, and the pure choice of the next provider.
//!
//! Properties (spec/properties.md): P-FO-1 no call goes to a provider whose breaker is open
//! before its cooldown; P-FO-2 providers are tried in the configured order, open ones skipped;
//! P-FO-3 a send fails only when every provider of the chain failed or is open. P-FO-4 (one code
//! across all deliveries of a verification) is kept by the verification and its jobs.

mod breaker;
mod chain;

pub use breaker::*;
pub use chain::*;
