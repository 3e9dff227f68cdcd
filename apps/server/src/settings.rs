//! Configuration, layered (HOUSE-STYLE.md section 6): built-in defaults, then an optional
//! `onramp.toml` in the working directory (or the file named by `ONRAMP_CONFIG`), then
//! environment variables. Settings are checked at start-up, and bad settings fail fast.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `ONRAMP_BIND` | `127.0.0.1:8080` | address to listen on |
//! | `DATABASE_URL` | `sqlite://onramp.db` | `sqlite://FILE` or `postgres://...` |
//! | `ONRAMP_ADMIN_TOKEN` | unset (admin API off) | bearer token of `/admin/v1/...` |
//! | `ONRAMP_METRICS_TOKEN` | unset (open) | bearer token of `GET /metrics` (Prometheus text format) |
//! | `ONRAMP_ENCRYPTION_KEY` | unset | base64 of 32 bytes: the master key of secrets at rest, code hashes and API-key hashes |
//! | `ONRAMP_KEY_FILE` | `onramp.key` | where a generated master key is kept when `ONRAMP_ENCRYPTION_KEY` is unset |
//! | `ONRAMP_FLOWS_DIR` | unset (the templates built into the binary) | a folder of `*.toml` flow templates to load instead |
//! | `ONRAMP_SANDBOX_INBOX` | `onramp-sandbox.jsonl` | where the sandbox keeps delivered messages |
//! | `ONRAMP_ROLE` | `all` | `web` (HTTP only), `worker` (jobs; HTTP serves only health and metrics) or `all`; also `--role` |
//! | `ONRAMP_DECIDE_CACHE_BYTES` | `67108864` | the in-process cache of aggregate states decided on (about 64 MiB); `0` turns it off |
//! | `ONRAMP_JOB_LEASE_SECONDS` | `30` | how long a claimed job is leased: a worker that dies releases its jobs after this |
//! | `ONRAMP_LOG_FORMAT` | `pretty` | `pretty` or `json` |
//! | `ONRAMP_OTP_TTL_SECONDS` | `300` | code time to live |
//! | `ONRAMP_OTP_MAX_CHECKS` | `5` | wrong checks before a verification locks |
//! | `ONRAMP_OTP_RESEND_COOLDOWN_SECONDS` | `30` | minimum time between resends |
//! | `ONRAMP_OTP_SENDS_PER_HOUR` | `5` | sends per phone per rolling hour per tenant |
//! | `ONRAMP_DEMO_TENANT` | `true` | create a `demo` tenant (key printed once) when none exists |
//! | `ONRAMP_VOICE_PROVIDERS` | `telnyx,twilio` | voice provider chain, in order (providers without credentials are left out; none left: the sandbox) |
//! | `ONRAMP_SMS_PROVIDERS` | `telnyx,twilio,sinch` | SMS provider chain, in order |
//! | `ONRAMP_BREAKER_FAILURES` | `3` | consecutive provider failures that open its circuit breaker |
//! | `ONRAMP_BREAKER_COOLDOWN_SECONDS` | `60` | how long an open breaker refuses calls before a probe |
//! | `ONRAMP_ALLOW_TENANT_BASE_URLS` | `false` | accept a `base_url` in a tenant's integration credentials (off: a tenant could otherwise make the server call any host, an SSRF) |
//! | `ONRAMP_ALLOW_PRIVATE_WEBHOOK_URLS` | `false` | accept webhook endpoints on loopback, private and link-local addresses (off: an endpoint could otherwise make the server call its own network, an SSRF) |
//! | `ONRAMP_WEBHOOK_TIMEOUT_SECONDS` | `15` | how long a webhook delivery waits for the endpoint's answer |
//! | `ONRAMP_SIGNUP_CODE_TTL_SECONDS` | `30` | how long Embedded Signup's code may be exchanged after it was received (P-WABA-2) |
//! | `ONRAMP_WHATSAPP_CREDIT_CURRENCY` | `USD` | the currency of the credit line shared with clients' WABAs |
//! | `ONRAMP_WHATSAPP_INBOUND_FLOW` | `conversational-profile` | the flow a person who writes first on WhatsApp starts |
//! | `ONRAMP_RETENTION_JOBS_DAYS` | `7` | done jobs are deleted after this many days (dead ones are kept) |
//! | `ONRAMP_RETENTION_WEBHOOKS_DAYS` | `30` | stored provider webhooks are deleted after this many days |
//! | `ONRAMP_RETENTION_EVENTS_DAYS` | `30` | tenant-facing events (`GET /v1/events`) are deleted after this many days |
//! | `ONRAMP_IDEMPOTENCY_TTL_HOURS` | `24` | an idempotency key's record is kept this long (Stripe's rule) |
//! | `ONRAMP_RETENTION_INTERVAL_SECONDS` | `3600` | how often a worker deletes what is past its retention, in batches |
//! | `ONRAMP_PUBLIC_URL` | unset | the public base URL providers call (`https://onramp.example.com`); Twilio signs the URL it called, so behind a proxy set this |
//!
//! Server-wide provider credentials come from the providers' usual variables: `TELNYX_API_KEY`,
//! `TELNYX_VERIFY_PROFILE_ID`, `TELNYX_PUBLIC_KEY`; `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`,
//! `TWILIO_VERIFY_SERVICE_SID`; `SINCH_APPLICATION_KEY`, `SINCH_APPLICATION_SECRET`,
//! `SINCH_WEBHOOK_SECRET` (and `*_BASE_URL` to point one elsewhere).

use std::net::SocketAddr;

use secrecy::SecretString;
use serde::Deserialize;

/// Which parts of the server run in this process (DESIGN.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// HTTP API only.
    Web,
    /// Outbox and timer workers only; HTTP serves only `/healthz`, `/readyz` and `/metrics`.
    Worker,
    /// Both.
    All,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The server's settings.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Listen address.
    pub bind: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Admin bearer token; the admin API answers 401 when unset.
    pub admin_token: Option<SecretString>,
    /// Bearer token of `GET /metrics`; the metrics are open when unset.
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
    /// Master key, base64 of 32 bytes.
    pub encryption_key: Option<SecretString>,
    /// Generated-key file.
    pub key_file: String,
    /// Flow template folder; the built-in templates when unset.
    pub flows_dir: Option<String>,
    /// Sandbox inbox file.
    pub sandbox_inbox: String,
    /// Role of this process.
    pub role: Role,
    /// Log format.
    pub log_format: LogFormat,
    /// Code time to live, seconds.
    pub otp_ttl_seconds: u32,
    /// Wrong checks before lock.
    pub otp_max_checks: u32,
    /// Resend cooldown, seconds.
    pub otp_resend_cooldown_seconds: u32,
    /// Sends per phone per rolling hour.
    pub otp_sends_per_hour: u32,
    /// Create a demo tenant when none exists.
    pub demo_tenant: bool,
    /// Voice provider chain, comma-separated.
    pub voice_providers: String,
    /// SMS provider chain, comma-separated.
    pub sms_providers: String,
    /// Consecutive failures that open a breaker.
    pub breaker_failures: u32,
    /// Breaker cooldown, seconds.
    pub breaker_cooldown_seconds: u32,
    /// Embedded Signup's code time to live, seconds.
    pub signup_code_ttl_seconds: u32,
    /// The currency of the shared credit line (ISO 4217).
    pub whatsapp_credit_currency: String,
    /// The flow a person who writes first on WhatsApp starts.
    pub whatsapp_inbound_flow: String,
    /// Public base URL, for webhook signatures over URLs.
    pub public_url: Option<String>,
    /// Accept `base_url` in tenants' integration credentials.
    pub allow_tenant_base_urls: bool,
    /// Accept webhook endpoints on non-public addresses.
    pub allow_private_webhook_urls: bool,
    /// Seconds a webhook delivery waits for its answer.
    pub webhook_timeout_seconds: u32,
    /// Done jobs are kept this many days.
    pub retention_jobs_days: u32,
    /// Stored provider webhooks are kept this many days.
    pub retention_webhooks_days: u32,
    /// Days tenant-facing events are kept.
    pub retention_events_days: u32,
    /// Idempotency records are kept this many hours.
    pub idempotency_ttl_hours: u32,
    /// Seconds between retention sweeps.
    pub retention_interval_seconds: u32,
    /// Seconds a claimed job is leased.
    pub job_lease_seconds: u32,
    /// Byte budget of the decide cache; 0 turns it off.
    pub decide_cache_bytes: u64,
    /// Server-wide provider credentials (from the providers' environment variables).
    #[serde(skip)]
    pub provider_credentials: crate::providers::ServerCredentials,
}

impl Settings {
    /// Reads defaults, `onramp.toml` (or `$ONRAMP_CONFIG`) and the environment.
    ///
    /// # Errors
    /// A setting of the wrong type or an unreadable config file.
    pub fn load() -> Result<Self, config::ConfigError> {
        let file = std::env::var("ONRAMP_CONFIG").unwrap_or_else(|_| "onramp.toml".into());
        let database_url = std::env::var("DATABASE_URL").ok();
        let built = config::Config::builder()
            .set_default("bind", "127.0.0.1:8080")?
            .set_default("database_url", "sqlite://onramp.db")?
            .set_default("key_file", "onramp.key")?
            .set_default("sandbox_inbox", "onramp-sandbox.jsonl")?
            .set_default("role", "all")?
            .set_default("log_format", "pretty")?
            .set_default("otp_ttl_seconds", 300)?
            .set_default("otp_max_checks", 5)?
            .set_default("otp_resend_cooldown_seconds", 30)?
            .set_default("otp_sends_per_hour", 5)?
            .set_default("demo_tenant", true)?
            .set_default("voice_providers", "telnyx,twilio")?
            .set_default("sms_providers", "telnyx,twilio,sinch")?
            .set_default("breaker_failures", 3)?
            .set_default("breaker_cooldown_seconds", 60)?
            .set_default("allow_tenant_base_urls", false)?
            .set_default("allow_private_webhook_urls", false)?
            .set_default("webhook_timeout_seconds", 15)?
            .set_default("signup_code_ttl_seconds", 30)?
            .set_default("whatsapp_credit_currency", "USD")?
            .set_default("whatsapp_inbound_flow", "conversational-profile")?
            .set_default("retention_jobs_days", 7)?
            .set_default("retention_webhooks_days", 30)?
            .set_default("retention_events_days", 30)?
            .set_default("idempotency_ttl_hours", 24)?
            .set_default("retention_interval_seconds", 3600)?
            .set_default("job_lease_seconds", 30)?
            .set_default("decide_cache_bytes", 64 * 1024 * 1024)?
            .add_source(config::File::with_name(&file).required(false))
            .add_source(config::Environment::with_prefix("ONRAMP").try_parsing(true))
            // DATABASE_URL is the conventional name, without our prefix.
            .set_override_option("database_url", database_url)?
            .build()?;
        let mut settings: Settings = built.try_deserialize()?;
        settings.provider_credentials = crate::providers::ServerCredentials::from_env()
            .map_err(config::ConfigError::Message)?;
        settings.check().map_err(config::ConfigError::Message)?;
        Ok(settings)
    }

    /// Settings for tests: an ephemeral port, the given database, no demo tenant.
    pub fn for_tests(database_url: &str, scratch_dir: &std::path::Path) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_string(),
            admin_token: Some(SecretString::from("test-admin-token")),
            metrics_token: None,
            encryption_key: None,
            key_file: scratch_dir.join("onramp.key").display().to_string(),
            flows_dir: None,
            sandbox_inbox: scratch_dir.join("sandbox.jsonl").display().to_string(),
            role: Role::All,
            log_format: LogFormat::Pretty,
            otp_ttl_seconds: 300,
            otp_max_checks: 5,
            otp_resend_cooldown_seconds: 30,
            otp_sends_per_hour: 5,
            demo_tenant: false,
            voice_providers: "telnyx,twilio".into(),
            sms_providers: "telnyx,twilio,sinch".into(),
            breaker_failures: 3,
            breaker_cooldown_seconds: 60,
            signup_code_ttl_seconds: 30,
            whatsapp_credit_currency: "USD".into(),
            whatsapp_inbound_flow: "conversational-profile".into(),
            public_url: None,
            allow_tenant_base_urls: true,
            allow_private_webhook_urls: true,
            webhook_timeout_seconds: 15,
            retention_jobs_days: 7,
            retention_webhooks_days: 30,
            retention_events_days: 30,
            idempotency_ttl_hours: 24,
            retention_interval_seconds: 3600,
            job_lease_seconds: 30,
            decide_cache_bytes: 64 * 1024 * 1024,
            provider_credentials: crate::providers::ServerCredentials::default(),
        }
    }

    /// The WhatsApp settings.
    pub fn whatsapp_policy(&self) -> onramp_domain::app::whatsapp::WhatsAppPolicy {
        onramp_domain::app::whatsapp::WhatsAppPolicy {
            code_ttl: time::Duration::seconds(i64::from(self.signup_code_ttl_seconds)),
            credit_currency: self.whatsapp_credit_currency.clone(),
            inbound_flow: self.whatsapp_inbound_flow.clone(),
            ..onramp_domain::app::whatsapp::WhatsAppPolicy::default()
        }
    }

    /// How long what is kept for a while is kept.
    pub fn retention(&self) -> crate::retention::RetentionPolicy {
        crate::retention::RetentionPolicy {
            done_jobs: time::Duration::days(i64::from(self.retention_jobs_days)),
            webhooks: time::Duration::days(i64::from(self.retention_webhooks_days)),
            tenant_events: time::Duration::days(i64::from(self.retention_events_days)),
            idempotency: time::Duration::hours(i64::from(self.idempotency_ttl_hours)),
            interval: std::time::Duration::from_secs(u64::from(self.retention_interval_seconds)),
        }
    }

    /// The provider chains and breaker settings.
    ///
    /// # Errors
    /// An unknown provider name in a chain.
    pub fn failover(&self) -> Result<onramp_domain::failover::FailoverPolicy, String> {
        fn chain(text: &str, var: &str) -> Result<Vec<onramp_domain::ports::ProviderId>, String> {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    onramp_domain::ports::ProviderId::parse(s)
                        .ok_or_else(|| format!("{var}: unknown provider {s:?}"))
                })
                .collect()
        }
        Ok(onramp_domain::failover::FailoverPolicy {
            voice: chain(&self.voice_providers, "ONRAMP_VOICE_PROVIDERS")?,
            sms: chain(&self.sms_providers, "ONRAMP_SMS_PROVIDERS")?,
            breaker: onramp_domain::failover::BreakerPolicy {
                failure_threshold: self.breaker_failures.max(1),
                cooldown: time::Duration::seconds(i64::from(self.breaker_cooldown_seconds)),
                probe_timeout: time::Duration::seconds(30),
            },
        })
    }

    fn check(&self) -> Result<(), String> {
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(format!(
                "DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                self.database_url
            ));
        }
        self.failover()?;
        if self.signup_code_ttl_seconds == 0 || self.signup_code_ttl_seconds > 3600 {
            return Err("ONRAMP_SIGNUP_CODE_TTL_SECONDS must be 1 to 3600".into());
        }
        if onramp_domain::money::Money::new(1, &self.whatsapp_credit_currency).is_err() {
            return Err("ONRAMP_WHATSAPP_CREDIT_CURRENCY must be an ISO 4217 code".into());
        }
        if self.retention_jobs_days == 0
            || self.retention_webhooks_days == 0
            || self.retention_events_days == 0
            || self.idempotency_ttl_hours == 0
            || self.retention_interval_seconds == 0
            || self.job_lease_seconds == 0
            || self.webhook_timeout_seconds == 0
        {
            return Err("ONRAMP_RETENTION_JOBS_DAYS, ONRAMP_RETENTION_WEBHOOKS_DAYS, ONRAMP_RETENTION_EVENTS_DAYS, ONRAMP_IDEMPOTENCY_TTL_HOURS, ONRAMP_RETENTION_INTERVAL_SECONDS, ONRAMP_JOB_LEASE_SECONDS and ONRAMP_WEBHOOK_TIMEOUT_SECONDS must be > 0".into());
        }
        if self.otp_ttl_seconds == 0 || self.otp_max_checks == 0 || self.otp_sends_per_hour == 0 {
            return Err("ONRAMP_OTP_TTL_SECONDS, ONRAMP_OTP_MAX_CHECKS and ONRAMP_OTP_SENDS_PER_HOUR must be > 0".into());
        }
        Ok(())
    }
}
