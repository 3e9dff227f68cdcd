//! Outbound webhooks (issue 12, item 2): a tenant's endpoints, and the delivery of its
//! tenant-facing events to them by the Standard Webhooks specification.
//!
//! An endpoint is an aggregate ([`EndpointState`]): registering, changing, rotating its secret,
//! disabling and deleting it are events, committed with its route (which events reach it) by
//! the one commit path. The store queues one message per (endpoint, event) in the commit that
//! writes the event; workers claim due messages ([`WebhookQueue`](crate::ports::WebhookQueue)),
//! [`OutboundService::prepare`] says where and what to send, the worker signs and sends it, and
//! [`OutboundService::record_attempt`] commits the attempt with the message's next state
//! ([`next_attempt`]'s schedule), disabling an endpoint that answers `410 Gone` or has failed
//! for [`DISABLE_AFTER_FAILING`].

mod delivery;
mod endpoints;
mod model;

pub use delivery::{AttemptResult, Prepared};
pub use endpoints::{EndpointInput, EndpointPatch, EndpointView};
pub use model::{
    DISABLE_AFTER_FAILING, EndpointConfig, EndpointEvent, EndpointState, ROTATION_OVERLAP,
    SCHEDULE, SealedSecret, evolve, next_attempt,
};

use uuid::Uuid;

/// The AEAD context an endpoint's secrets are sealed under: bound to the tenant and endpoint.
pub fn secret_context(tenant: crate::ids::TenantId, endpoint: Uuid) -> String {
    format!("webhook-endpoint-secret:{tenant}:{endpoint}")
}

/// The prefix of a signing secret (Standard Webhooks: `whsec_` and base64 of the key).
pub const SECRET_PREFIX: &str = "whsec_";
