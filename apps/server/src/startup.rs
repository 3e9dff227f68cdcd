//! Wiring: builds the adapters chosen by the settings, the services, the router and the worker.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use onramp_domain::app::{
    Core, FlowCatalog, IntegrationService, MailService, OutboundService, PaymentService, Services,
    Standalone, VerificationService,
};
use onramp_domain::ports::{
    Clock, EventStore, JobQueue, SandboxObjects, Secrets, TenantStore, WebhookQueue, WebhookSender,
};
use onramp_domain::verification::{Channel, QuotaPolicy, VerificationPolicy};
use onramp_sandbox::{
    DEFAULT_APPROVE_BASE, SandboxCards, SandboxInbox, SandboxMailbox, SandboxOrders,
    SandboxVerificationSender,
};
use onramp_secrets::{AesGcmSecrets, MasterKey};
use onramp_sql::SqlStore;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::auth::{TenantCache, hash_admin_token, hash_bearer_token};
use crate::edge_store::EdgeStore;
use crate::runtime::{RandomCodes, SystemClock, UuidV7};
use crate::settings::{Role, Settings};
use crate::state::AppState;

/// Replacements for tests (a controllable clock).
#[derive(Default, Clone)]
pub struct Overrides {
    /// The clock; the system clock when None.
    pub clock: Option<Arc<dyn Clock>>,
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    role: Role,
    queue: Arc<dyn JobQueue>,
    wake: Arc<Notify>,
    sweeper: crate::retention::Sweeper,
    lease_seconds: u32,
    dispatcher: crate::dispatcher::Dispatcher,
}

fn master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(key) = &settings.encryption_key {
        return MasterKey::from_base64(key.expose_secret())
            .map_err(|e| anyhow::anyhow!("ONRAMP_ENCRYPTION_KEY: {e}"));
    }
    let (key, created) = MasterKey::load_or_create_file(Path::new(&settings.key_file))
        .context("the master key file")?;
    if created {
        tracing::warn!(file = %settings.key_file, "ONRAMP_ENCRYPTION_KEY is not set: generated a master key into the key file; set ONRAMP_ENCRYPTION_KEY in production");
    }
    Ok(key)
}

impl Application {
    /// Builds from settings with the system clock.
    ///
    /// # Errors
    /// Bad settings, an unreachable database, a failed migration, an invalid flow template, a
    /// port in use.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Overrides::default()).await
    }

    /// Builds with `overrides`.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with(settings: Settings, overrides: Overrides) -> anyhow::Result<Self> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        // Before anything is counted: the `metrics` macros record nothing without a recorder.
        crate::metrics::handle();
        let store = SqlStore::connect(&settings.database_url)
            .await
            .with_context(|| "connecting to the database")?
            .with_decide_cache(settings.decide_cache_bytes);
        let secrets: Arc<dyn Secrets> = Arc::new(AesGcmSecrets::new(&master_key(&settings)?));
        let flows = crate::flows::load(settings.flows_dir.as_deref().map(Path::new))?;
        tracing::info!(flows = ?flows.iter().map(|f| format!("{}@{}", f.id(), f.version())).collect::<Vec<_>>(), "flow templates loaded");
        let clock = overrides.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let inbox = SandboxInbox::open_file(Path::new(&settings.sandbox_inbox))
            .with_context(|| format!("opening the sandbox inbox {}", settings.sandbox_inbox))?;
        // The sandbox's provider objects live in the database, like the orders, trials and
        // accounts that name them: they survive a restart and are shared by replicas.
        let objects: Arc<dyn SandboxObjects> = Arc::new(store.clone());
        let sandbox = crate::providers::Sandboxes {
            sender: Arc::new(SandboxVerificationSender::new(inbox.clone(), clock.clone())),
            cards: SandboxCards::stored_in(clock.clone(), objects.clone()),
            orders: SandboxOrders::stored_in(
                settings
                    .public_url
                    .clone()
                    .unwrap_or_else(|| DEFAULT_APPROVE_BASE.to_string()),
                objects.clone(),
            ),
            whatsapp: onramp_sandbox::SandboxConversations::new(clock.clone()),
            signup: Arc::new(onramp_sandbox::SandboxSignup::stored_in(
                clock.clone(),
                objects.clone(),
            )),
            bsp: onramp_sandbox::SandboxBsp::stored_in(
                objects.clone(),
                inbox.clone(),
                clock.clone(),
            ),
            mailbox: Arc::new(SandboxMailbox::new(clock.clone())),
            inbox,
        };
        let mailer = sandbox.mailbox.clone();
        let live = settings.provider_credentials.live();
        if live.is_empty() {
            tracing::info!(
                live_providers = "none",
                "phone verification and payments run on the sandbox (no server-wide provider credentials; tenants may set their own with PUT /v1/integrations/{{provider}})"
            );
        } else {
            tracing::info!(live_providers = ?live, "server-wide provider credentials found");
        }
        let failover = settings.failover().map_err(|e| anyhow::anyhow!(e))?;
        let wake = Arc::new(Notify::new());
        // Commits made for a request under an Idempotency-Key carry its record, and commits
        // that enqueue jobs wake the worker (issue 11).
        let deliveries = Arc::new(Notify::new());
        let event_store: Arc<dyn EventStore> = Arc::new(EdgeStore::new(
            Arc::new(store.clone()),
            clock.clone(),
            wake.clone(),
            deliveries.clone(),
        ));
        let directory = Arc::new(
            crate::providers::ProviderDirectory::new(
                event_store.clone(),
                secrets.clone(),
                settings.provider_credentials.clone(),
                sandbox,
            )
            .map_err(|e| anyhow::anyhow!("provider credentials: {e}"))?,
        );
        let core = Core {
            store: event_store,
            clock,
            ids: Arc::new(UuidV7),
            flows: Arc::new(FlowCatalog::new(flows)),
        };
        let verifications = VerificationService {
            core: core.clone(),
            senders: directory.clone(),
            failover,
            codes: Arc::new(RandomCodes),
            secrets: secrets.clone(),
            policy: VerificationPolicy {
                ttl: time::Duration::seconds(i64::from(settings.otp_ttl_seconds)),
                max_failed_checks: settings.otp_max_checks,
                resend_cooldown: time::Duration::seconds(i64::from(
                    settings.otp_resend_cooldown_seconds,
                )),
                plan: vec![Channel::Voice, Channel::Sms],
            },
            quota: QuotaPolicy {
                max_sends: settings.otp_sends_per_hour,
                window: time::Duration::hours(1),
            },
        };
        let sender: Arc<dyn WebhookSender> = Arc::new(
            onramp_webhook_sender::HttpWebhookSender::new(onramp_webhook_sender::SenderSettings {
                timeout: std::time::Duration::from_secs(u64::from(
                    settings.webhook_timeout_seconds,
                )),
                allow_private: settings.allow_private_webhook_urls,
                ..onramp_webhook_sender::SenderSettings::default()
            })
            .context("the webhook sender")?,
        );
        let services = Services::compose(
            verifications,
            Standalone {
                payments: PaymentService {
                    core: core.clone(),
                    providers: directory.clone(),
                },
                mail: MailService {
                    core: core.clone(),
                    mailer,
                },
                outbound: OutboundService {
                    core: core.clone(),
                    secrets: secrets.clone(),
                    sender: sender.clone(),
                    events: Arc::new(store.clone()),
                },
                integrations: IntegrationService {
                    core,
                    secrets: secrets.clone(),
                },
            },
            directory.clone(),
            settings.whatsapp_policy(),
            onramp_domain::app::end_users::EndUserPolicy::default(),
        );
        let state = AppState {
            services: Arc::new(services),
            store: store.clone(),
            in_flight: Arc::default(),
            idempotency_ttl: settings.retention().idempotency,
            admin_token_hash: settings
                .admin_token
                .as_ref()
                .map(|t| hash_admin_token(secrets.as_ref(), t.expose_secret())),
            metrics_token_hash: settings
                .metrics_token
                .as_ref()
                .map(|t| hash_bearer_token(secrets.as_ref(), "metrics", t.expose_secret())),
            wake: wake.clone(),
            providers: directory,
            public_url: settings.public_url.clone(),
            allow_tenant_base_urls: settings.allow_tenant_base_urls,
            tenant_cache: Arc::new(TenantCache::default()),
        };
        if settings.demo_tenant && state.store.tenant_count().await? == 0 {
            let created = crate::routes::admin::create_tenant_with_key(&state, "demo")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Created the demo tenant {}. Its API key, shown only this once:\n\n    {}\n",
                created.id, created.api_key
            );
        }
        let sweeper = crate::retention::Sweeper {
            retention: Arc::new(store.clone()),
            idempotency: Arc::new(store.clone()),
            clock: state.services.core.clock.clone(),
            policy: settings.retention(),
        };
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let dispatcher = crate::dispatcher::Dispatcher {
            services: state.services.clone(),
            queue: Arc::new(store.clone()) as Arc<dyn WebhookQueue>,
            sender,
            // Longer than a delivery may take, so no other worker takes a message in flight.
            lease_seconds: settings.webhook_timeout_seconds.saturating_mul(2).max(10),
            wake: deliveries,
            limits: crate::dispatcher::Limits::default(),
        };
        Ok(Self {
            listener,
            state,
            role: settings.role,
            dispatcher,
            queue: Arc::new(store),
            wake,
            sweeper,
            lease_seconds: settings.job_lease_seconds,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The retention sweeper (tests run a sweep at once).
    pub fn sweeper(&self) -> &crate::retention::Sweeper {
        &self.sweeper
    }

    /// The handlers' state (tests reach the services through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT or SIGTERM, running the worker too unless the role is `web`.
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes.
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (tx, rx) = watch::channel(false);
        let worker = (self.role != Role::Web).then(|| {
            tokio::spawn(self.sweeper.clone().run(rx.clone()));
            tokio::spawn(self.dispatcher.clone().run(rx.clone()));
            tokio::spawn(crate::worker::run(
                self.state.services.clone(),
                self.queue.clone(),
                self.wake.clone(),
                self.lease_seconds,
                rx.clone(),
            ))
        });
        tracing::info!(addr = %self.listener.local_addr()?, role = ?self.role, "serving");
        let app = match self.role {
            Role::Worker => crate::routes::health_router(self.state.clone()),
            Role::Web | Role::All => crate::routes::router(self.state.clone()),
        };
        axum::serve(self.listener, app)
            .with_graceful_shutdown(stop)
            .await?;
        let _ = tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
