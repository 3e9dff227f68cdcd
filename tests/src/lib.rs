//! # onramp-tests
//!
//! The end-to-end harness: [`spawn_app`] starts a whole Onramp server (router, worker, SQL
//! store, sandbox) on a random port, on SQLite or PostgreSQL, and returns a [`TestApp`] with a
//! fresh tenant and helpers named after requests. The journeys live in the `api` test binary.
//!
//! PostgreSQL runs when `ONRAMP_TEST_DATABASE_URL` is set (a fresh database per app); without
//! it the PostgreSQL half is skipped with a printed notice, except under `CI`, where it fails.
//! Logs are silent unless `TEST_LOG=1`.
//!
//! # Layout
//! - `lib.rs` (this file): backends, logs, [`TestApp`] and the `spawn_app` family;
//! - `requests.rs`: [`Reply`], [`read`] and the generic requests (`post`, `get`, ... as the
//!   tenant, another key, the public or an end user);
//! - `helpers.rs`: the helpers named after requests (sessions, verifications, tenants) and the
//!   sandbox's outboxes;
//! - `receiver.rs`: [`Receiver`], a webhook receiver verifying with the Standard Webhooks
//!   project's own library.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod clock;
mod helpers;
mod receiver;
mod requests;
mod stored;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use clock::TestClock;
use onramp_server::settings::Settings;
use onramp_server::{Application, Overrides};
pub use receiver::Receiver;
pub use requests::{Reply, read};
use sqlx::Connection;

/// The store backends a suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh database on `ONRAMP_TEST_DATABASE_URL`.
    Postgres,
}

/// The PostgreSQL server the suites create their databases on: `ONRAMP_TEST_DATABASE_URL`, or
/// (with the `docker-tests` feature) a container started once per test binary when a container
/// engine answers.
pub fn postgres_base_url() -> Option<String> {
    if let Ok(url) = std::env::var("ONRAMP_TEST_DATABASE_URL") {
        return Some(url);
    }
    container::postgres_url()
}

#[cfg(feature = "docker-tests")]
mod container {
    use std::sync::OnceLock;

    /// Starts `postgres:16-alpine` on a thread of its own that keeps the container alive until
    /// the test process exits; None when no container engine answers.
    pub fn postgres_url() -> Option<String> {
        static URL: OnceLock<Option<String>> = OnceLock::new();
        URL.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = tx.send(None);
                    return;
                };
                rt.block_on(async move {
                    use testcontainers::ImageExt;
                    use testcontainers::runners::AsyncRunner;
                    let image =
                        testcontainers_modules::postgres::Postgres::default().with_tag("16-alpine");
                    let Ok(node) = image.start().await else {
                        let _ = tx.send(None);
                        return;
                    };
                    let (Ok(host), Ok(port)) =
                        (node.get_host().await, node.get_host_port_ipv4(5432).await)
                    else {
                        let _ = tx.send(None);
                        return;
                    };
                    let _ = tx.send(Some(format!(
                        "postgres://postgres:postgres@{host}:{port}/postgres"
                    )));
                    std::future::pending::<()>().await;
                });
            });
            rx.recv().ok().flatten()
        })
        .clone()
    }
}

#[cfg(not(feature = "docker-tests"))]
mod container {
    /// Without the `docker-tests` feature no container is tried.
    pub fn postgres_url() -> Option<String> {
        None
    }
}

/// SQLite always; PostgreSQL when [`postgres_base_url`] finds one. Without it, CI fails (`CI`
/// set) and a local run prints that PostgreSQL was skipped.
pub fn backends() -> Vec<Backend> {
    if postgres_base_url().is_some() {
        return vec![Backend::Sqlite, Backend::Postgres];
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must set ONRAMP_TEST_DATABASE_URL: the PostgreSQL half of the suite cannot be skipped in CI"
    );
    eprintln!(
        "PostgreSQL end-to-end suite skipped: set ONRAMP_TEST_DATABASE_URL (no container engine here for testcontainers)"
    );
    vec![Backend::Sqlite]
}

/// Every log line the servers of this test binary wrote (JSON lines, `info` and up unless
/// `RUST_LOG` says otherwise), for tests that check what is never logged (P-WABA-3).
static CAPTURED_LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// The log sink: the capture buffer, and stdout too with `TEST_LOG`.
struct CaptureWriter;

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = CAPTURED_LOGS.lock() {
            logs.extend_from_slice(buf);
        }
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stdout().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The logs captured so far (see [`CAPTURED_LOGS`]).
pub fn captured_logs() -> String {
    CAPTURED_LOGS
        .lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let sub = onramp_server::telemetry::get_subscriber(
            onramp_server::settings::LogFormat::Json,
            || CaptureWriter,
        );
        onramp_server::telemetry::init_subscriber(sub);
    });
}

/// A fresh scratch folder under the system temp dir.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onramp-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A database URL for `backend`: a new SQLite file in `dir`, or a new PostgreSQL database.
pub async fn database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("onramp.db").display()),
        Backend::Postgres => {
            let base = postgres_base_url().expect("a PostgreSQL server (ONRAMP_TEST_DATABASE_URL)");
            let name = format!("onramp_t_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("ONRAMP_TEST_DATABASE_URL unreachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .unwrap();
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&name);
            url.to_string()
        }
    }
}

/// A running server with one tenant.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// Which store it runs on.
    pub backend: Backend,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The tenant's API key.
    pub api_key: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// `ONRAMP_ADMIN_TOKEN`.
    pub admin_token: String,
    /// The server's clock, which tests may move forward.
    pub clock: Arc<TestClock>,
    /// The database URL (to start a second server on the same data).
    pub database_url: String,
    /// The scratch folder (key file, sandbox inbox).
    pub dir: PathBuf,
    /// The server's retention sweeper, to run a sweep now.
    pub sweeper: onramp_server::retention::Sweeper,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a server on `backend` with a fresh database and creates a tenant.
pub async fn spawn_app(backend: Backend) -> TestApp {
    let dir = scratch_dir();
    let url = database_url(backend, &dir).await;
    spawn_app_on(backend, url, dir).await
}

/// Starts a server on `backend` with a fresh database, its settings changed by `configure`
/// (provider chains, provider credentials pointing at wiremock servers).
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = scratch_dir();
    let url = database_url(backend, &dir).await;
    let mut settings = Settings::for_tests(&url, &dir);
    configure(&mut settings);
    spawn_app_with_settings(backend, settings, url, dir).await
}

/// Starts a server on an existing database and scratch folder (a restart).
pub async fn spawn_app_on(backend: Backend, database_url: String, dir: PathBuf) -> TestApp {
    let settings = Settings::for_tests(&database_url, &dir);
    spawn_app_with_settings(backend, settings, database_url, dir).await
}

/// Stops `previous` (its server and worker, as a crash would: jobs it held stay claimed until
/// their lease runs out) and starts a new server on the same database and scratch folder, its
/// settings changed by `configure`, serving the same tenant (API key and id).
pub async fn restart_app_with(previous: TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (backend, url, dir) = (
        previous.backend,
        previous.database_url.clone(),
        previous.dir.clone(),
    );
    let (key, tenant) = (previous.api_key.clone(), previous.tenant_id.clone());
    drop(previous);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut settings = Settings::for_tests(&url, &dir);
    configure(&mut settings);
    let mut app = spawn_app_with_settings(backend, settings, url, dir).await;
    app.api_key = key;
    app.tenant_id = tenant;
    app
}

async fn spawn_app_with_settings(
    backend: Backend,
    settings: Settings,
    database_url: String,
    dir: PathBuf,
) -> TestApp {
    init_logs();
    let clock = Arc::new(TestClock::default());
    let app = Application::build_with(
        settings,
        Overrides {
            clock: Some(clock.clone()),
        },
    )
    .await
    .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let sweeper = app.sweeper().clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut test = TestApp {
        address,
        backend,
        client,
        api_key: String::new(),
        tenant_id: String::new(),
        admin_token: "test-admin-token".into(),
        clock,
        database_url,
        dir,
        sweeper,
        stop: Some(tx),
    };
    let (id, key) = test.create_tenant("acme").await;
    test.tenant_id = id;
    test.api_key = key;
    test
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}
