//! Application services: each use case reads its aggregates, lets their deciders decide, and
//! commits the events, the projection rows, outbox jobs and timers atomically through the one
//! commit path, `app::execute` (`domain/src/app/execute.rs`, whose docs have a worked
//! example), which decides again on optimistic-concurrency conflicts. Every aggregate is
//! declared once, in `app::aggregates`.
//!
//! [`Services`] holds the ports as trait objects (chosen by configuration at start-up); its
//! methods are grouped by aggregate in [`sessions`], [`verifications`] and [`jobs`].

mod aggregates;
mod audit;
mod catalog;
mod delivery;
pub mod end_users;
mod error;
mod execute;
pub mod integrations;
pub mod jobs;
pub mod payments;
mod persist;
mod proofs;
pub mod seed;
pub mod sessions;
mod verification_view;
pub mod verifications;
pub mod webhooks;
pub mod whatsapp;

use std::sync::Arc;

pub use catalog::FlowCatalog;
pub use error::AppError;

use crate::failover::FailoverPolicy;
use crate::ports::{
    Clock, CodeGenerator, EventStore, IdGen, Mailer, PaymentDirectory, Secrets, SenderDirectory,
    WhatsAppDirectory,
};
use crate::verification::{QuotaPolicy, VerificationPolicy};

/// Most attempts of one command under optimistic-concurrency conflicts before giving up with
/// [`AppError::Contention`]. 50 concurrent sends to one phone resolve well within it.
pub const MAX_CONFLICT_RETRIES: u32 = 128;

/// The ports and policies the use cases run on.
#[derive(Clone)]
pub struct Services {
    /// Events, projections, jobs.
    pub store: Arc<dyn EventStore>,
    /// The senders of each provider per tenant (code delivery).
    pub senders: Arc<dyn SenderDirectory>,
    /// Provider chains per channel and circuit breaker settings.
    pub failover: FailoverPolicy,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdGen>,
    /// One-time codes.
    pub codes: Arc<dyn CodeGenerator>,
    /// Encryption and keyed hashes.
    pub secrets: Arc<dyn Secrets>,
    /// Flow templates.
    pub flows: Arc<FlowCatalog>,
    /// Verification limits.
    pub verification_policy: VerificationPolicy,
    /// Per-phone send quota.
    pub quota_policy: QuotaPolicy,
    /// The card and order providers of each tenant.
    pub payments: Arc<dyn PaymentDirectory>,
    /// E-mail.
    pub mailer: Arc<dyn Mailer>,
    /// The WhatsApp providers of each tenant (messages, Embedded Signup, BSP).
    pub whatsapp: Arc<dyn WhatsAppDirectory>,
    /// WhatsApp settings.
    pub whatsapp_policy: whatsapp::WhatsAppPolicy,
    /// End-user tokens and link codes settings.
    pub end_user_policy: end_users::EndUserPolicy,
}

#[cfg(test)]
mod tests;
