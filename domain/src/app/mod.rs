//! Application services: each use case reads its aggregates, lets their deciders decide, and
//! commits the events, the projection rows, outbox jobs and timers atomically through the one
//! commit path, `app::execute` (`domain/src/app/execute.rs`, whose docs have a worked
//! example), which decides again on optimistic-concurrency conflicts. Every aggregate is
//! declared once, in `app::aggregates`.
//!
//! One service per area holds only the ports it uses, as trait objects chosen by configuration
//! at start-up: [`SessionService`], [`VerificationService`], [`PaymentService`],
//! [`WhatsAppService`], [`EndUserService`], [`IntegrationService`], [`MailService`] and
//! [`WebhookService`], each over a [`Core`] (store, clock, ids, flows) that runs the commit
//! path. [`Services`] gathers them for the HTTP edge and the worker's job dispatcher
//! ([`Services::run_job`]).

mod aggregates;
mod audit;
mod catalog;
mod delivery;
pub mod end_users;
mod error;
pub mod events;
mod execute;
pub mod integrations;
pub mod jobs;
mod mail;
pub mod outbound;
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
pub use error::{
    CoreError, EndUserServiceError, IntegrationServiceError, JobError, OutboundServiceError,
    PaymentServiceError, SessionServiceError, VerificationServiceError, WebhookServiceError,
    WhatsAppServiceError,
};

use crate::failover::FailoverPolicy;
use crate::ports::{
    Clock, CodeGenerator, EventStore, IdGen, Mailer, PaymentDirectory, Secrets, SenderDirectory,
    TenantEventLog, WebhookSender, WhatsAppDirectory,
};
use crate::verification::{QuotaPolicy, VerificationPolicy};

/// Most attempts of one command under optimistic-concurrency conflicts before giving up with
/// [`CoreError::Contention`]. 50 concurrent sends to one phone resolve well within it.
pub const MAX_CONFLICT_RETRIES: u32 = 128;

/// What every area's use cases run on: the store behind the one commit path
/// (`Core::execute`, see the `execute` module), the clock, new ids and the flow templates.
/// Each area service holds one (cheap to clone: every port is shared).
#[derive(Clone)]
pub struct Core {
    /// Events, projections, jobs.
    pub store: Arc<dyn EventStore>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdGen>,
    /// Flow templates.
    pub flows: Arc<FlowCatalog>,
}

/// Onboarding sessions: start, read, list, answer, pause, resume, complete, abandon, expire,
/// the audit trail ([`sessions`]).
#[derive(Clone)]
pub struct SessionService {
    /// Store, clock, ids, flows.
    pub core: Core,
}

/// Phone verification: start, resend, check, expire, code delivery with provider failover
/// ([`verifications`]).
#[derive(Clone)]
pub struct VerificationService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// The senders of each provider per tenant (code delivery).
    pub senders: Arc<dyn SenderDirectory>,
    /// Provider chains per channel and circuit breaker settings.
    pub failover: FailoverPolicy,
    /// One-time codes.
    pub codes: Arc<dyn CodeGenerator>,
    /// Encryption and keyed hashes (codes at rest).
    pub secrets: Arc<dyn Secrets>,
    /// Verification limits.
    pub policy: VerificationPolicy,
    /// Per-phone send quota.
    pub quota: QuotaPolicy,
}

/// Card-gated trials, PayPal orders and the customer accounts they open ([`payments`]).
#[derive(Clone)]
pub struct PaymentService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// The card and order providers of each tenant.
    pub providers: Arc<dyn PaymentDirectory>,
}

/// WhatsApp: Embedded Signup, BSP senders, numbers, conversations and the chat channel of a
/// session ([`whatsapp`]). The chat answers session steps and phone verifications through
/// their services.
#[derive(Clone)]
pub struct WhatsAppService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// The WhatsApp providers of each tenant (messages, Embedded Signup, BSP).
    pub providers: Arc<dyn WhatsAppDirectory>,
    /// WhatsApp settings.
    pub policy: whatsapp::WhatsAppPolicy,
    /// Encryption (business tokens, registration PINs at rest).
    pub secrets: Arc<dyn Secrets>,
    /// The sessions the chat answers.
    pub sessions: SessionService,
    /// The verifications the chat checks and resends.
    pub verifications: VerificationService,
}

/// End users: session tokens, their exchange between platforms, and link codes that carry a
/// conversation from WhatsApp to the web ([`end_users`]).
#[derive(Clone)]
pub struct EndUserService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// Keyed hashes of tokens and link codes.
    pub secrets: Arc<dyn Secrets>,
    /// Link codes.
    pub codes: Arc<dyn CodeGenerator>,
    /// End-user tokens and link codes settings.
    pub policy: end_users::EndUserPolicy,
    /// The conversation a link code is sent in.
    pub whatsapp: WhatsAppService,
}

/// A tenant's provider integrations: credentials sealed at rest, tests, health
/// ([`integrations`]).
#[derive(Clone)]
pub struct IntegrationService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// Encryption of the credentials.
    pub secrets: Arc<dyn Secrets>,
}

/// E-mail: the outbox's mail jobs (the `mail` module).
#[derive(Clone)]
pub struct MailService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// E-mail.
    pub mailer: Arc<dyn Mailer>,
}

/// Outbound webhooks: a tenant's endpoints and the delivery of its events to them
/// ([`outbound`]).
#[derive(Clone)]
pub struct OutboundService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// Encryption of the endpoints' signing secrets.
    pub secrets: Arc<dyn Secrets>,
    /// The HTTP sender (its URL check).
    pub sender: Arc<dyn WebhookSender>,
    /// The tenant-facing events (redelivery).
    pub events: Arc<dyn TenantEventLog>,
}

/// Provider webhooks: stored once, routed to their tenant, processed by the area they report
/// on, parked until their object is known ([`webhooks`]).
#[derive(Clone)]
pub struct WebhookService {
    /// Store, clock, ids, flows.
    pub core: Core,
    /// Delivery reports.
    pub verifications: VerificationService,
    /// Trial and order reports.
    pub payments: PaymentService,
    /// WhatsApp reports and messages.
    pub whatsapp: WhatsAppService,
}

/// The area services, as the HTTP edge and the worker use them; [`Services::run_job`] runs a
/// claimed job on the area it belongs to.
#[derive(Clone)]
pub struct Services {
    /// Store, clock, ids, flows (the edge's idempotency records, the sandbox clock).
    pub core: Core,
    /// Encryption and keyed hashes (the edge's API keys and admin token).
    pub secrets: Arc<dyn Secrets>,
    /// Sessions.
    pub sessions: SessionService,
    /// Phone verification.
    pub verifications: VerificationService,
    /// Trials, orders, customer accounts.
    pub payments: PaymentService,
    /// WhatsApp.
    pub whatsapp: WhatsAppService,
    /// End users.
    pub end_users: EndUserService,
    /// Integrations.
    pub integrations: IntegrationService,
    /// E-mail.
    pub mail: MailService,
    /// Provider webhooks.
    pub webhooks: WebhookService,
    /// Outbound webhooks.
    pub outbound: OutboundService,
}

execute::commit_path!(SessionService, SessionServiceError);
execute::commit_path!(VerificationService, VerificationServiceError);
execute::commit_path!(PaymentService, PaymentServiceError);
execute::commit_path!(WhatsAppService, WhatsAppServiceError);
execute::commit_path!(EndUserService, EndUserServiceError);
execute::commit_path!(IntegrationService, IntegrationServiceError);
execute::commit_path!(WebhookService, WebhookServiceError, once);
execute::commit_path!(OutboundService, OutboundServiceError);

impl Services {
    /// The services of every area, composed from the ones that stand alone and the settings of
    /// the ones built on others: WhatsApp (its providers and policy) on sessions and
    /// verifications, end users (their policy) on WhatsApp's conversations, webhooks on
    /// verifications, payments and WhatsApp. Every area shares `verifications.core`.
    #[must_use]
    pub fn compose(
        verifications: VerificationService,
        standalone: Standalone,
        whatsapp_providers: Arc<dyn WhatsAppDirectory>,
        whatsapp_policy: whatsapp::WhatsAppPolicy,
        end_user_policy: end_users::EndUserPolicy,
    ) -> Self {
        let Standalone {
            payments,
            mail,
            integrations,
            outbound,
        } = standalone;
        let core = verifications.core.clone();
        let sessions = SessionService { core: core.clone() };
        let whatsapp = WhatsAppService {
            core: core.clone(),
            providers: whatsapp_providers,
            policy: whatsapp_policy,
            secrets: Arc::clone(&verifications.secrets),
            sessions: sessions.clone(),
            verifications: verifications.clone(),
        };
        let end_users = EndUserService {
            core: core.clone(),
            secrets: Arc::clone(&verifications.secrets),
            codes: Arc::clone(&verifications.codes),
            policy: end_user_policy,
            whatsapp: whatsapp.clone(),
        };
        let webhooks = WebhookService {
            core: core.clone(),
            verifications: verifications.clone(),
            payments: payments.clone(),
            whatsapp: whatsapp.clone(),
        };
        Self {
            core,
            secrets: Arc::clone(&verifications.secrets),
            sessions,
            verifications,
            payments,
            whatsapp,
            end_users,
            integrations,
            mail,
            webhooks,
            outbound,
        }
    }
}

/// The area services that stand alone (on the core and their own ports), for
/// [`Services::compose`].
pub struct Standalone {
    /// Trials, orders, customer accounts.
    pub payments: PaymentService,
    /// E-mail.
    pub mail: MailService,
    /// Integrations.
    pub integrations: IntegrationService,
    /// Outbound webhooks.
    pub outbound: OutboundService,
}

#[cfg(test)]
mod tests;
