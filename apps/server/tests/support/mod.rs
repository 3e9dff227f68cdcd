//! The real `onramp-server` binary as a child process, configured only by environment variables,
//! on SQLite or on a fresh PostgreSQL database: shared by the tests that kill it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use sqlx::Connection;

/// The admin token the servers start with.
pub const ADMIN_TOKEN: &str = "restart-test-admin-token";

/// The real server binary, running; killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
}

impl Server {
    /// SIGKILL: no graceful shutdown, no flushing.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The sandbox inbox file of a server run in `dir`.
pub fn inbox_path(dir: &Path) -> PathBuf {
    dir.join("sandbox.jsonl")
}

fn output() -> Stdio {
    match std::env::var_os("TEST_LOG") {
        Some(_) => Stdio::inherit(),
        None => Stdio::null(),
    }
}

/// Starts the binary on `database_url` with its files in `dir`, and waits until it is ready.
pub async fn start_server(http: &reqwest::Client, database_url: &str, dir: &Path) -> Server {
    start_server_with(http, database_url, dir, &[]).await
}

/// As [`start_server`], with more environment variables (`FAILPOINTS`, ...).
pub async fn start_server_with(
    http: &reqwest::Client,
    database_url: &str,
    dir: &Path,
    env: &[(&str, &str)],
) -> Server {
    start_server_args(http, database_url, dir, env, &[]).await
}

/// As [`start_server_with`], with command-line arguments (`--role worker`).
pub async fn start_server_args(
    http: &reqwest::Client,
    database_url: &str,
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Server {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_onramp-server"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("ONRAMP_TEST_DATABASE_URL")
        .env_remove("ONRAMP_ENCRYPTION_KEY")
        .env_remove("ONRAMP_CONFIG")
        .env_remove("ONRAMP_FLOWS_DIR")
        .env_remove("FAILPOINTS")
        .env("DATABASE_URL", database_url)
        .env("ONRAMP_KEY_FILE", dir.join("onramp.key"))
        .env("ONRAMP_SANDBOX_INBOX", inbox_path(dir))
        .env("ONRAMP_BIND", format!("127.0.0.1:{port}"))
        .env("ONRAMP_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("ONRAMP_DEMO_TENANT", "false")
        .env("ONRAMP_ROLE", "all")
        .stdout(output())
        .stderr(output());
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = Server { child, address };
    for _ in 0..600 {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("onramp-server exited at start-up with {status} (TEST_LOG=1 shows its logs)");
        }
        if let Ok(r) = http.get(format!("{}/readyz", server.address)).send().await
            && r.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("onramp-server not ready within 30 s");
}

/// A fresh scratch folder.
pub fn scratch_dir() -> PathBuf {
    let name = format!("onramp-restart-{}", uuid::Uuid::new_v4().simple());
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh PostgreSQL database on `ONRAMP_TEST_DATABASE_URL`'s server, dropped with it; `None`
/// (with a note) when the variable is unset outside CI.
pub struct PgDatabase {
    admin: sqlx::PgConnection,
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates one; `None` when no server is configured (outside CI only).
    pub async fn create() -> Option<Self> {
        let Ok(base) = std::env::var("ONRAMP_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set ONRAMP_TEST_DATABASE_URL"
            );
            eprintln!("PostgreSQL test skipped: set ONRAMP_TEST_DATABASE_URL");
            return None;
        };
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let name = format!("onramp_r_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .expect("database unreachable");
        let create = format!("CREATE DATABASE {name}");
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
            .unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.set_path(&name);
        Some(Self {
            admin,
            name,
            url: url.to_string(),
        })
    }

    /// Drops it.
    pub async fn drop_database(mut self) {
        let drop_db = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop_db))
            .execute(&mut self.admin)
            .await;
    }
}

/// A client of one server with one bearer key (a tenant's API key, or the admin token).
pub struct Api {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bearer key.
    pub key: String,
}

impl Api {
    /// POSTs JSON and expects 200 or 201.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.address);
        let resp = self.http.post(url).bearer_auth(&self.key).json(body);
        let resp = resp.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            status == 200 || status == 201,
            "POST {path}: {status} {body:?}"
        );
        body
    }

    /// POSTs JSON and returns the `id` of the answer.
    pub async fn create(&self, path: &str, body: &Value) -> String {
        self.post(path, body).await["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// GETs JSON and expects 200.
    pub async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.address);
        let resp = self
            .http
            .get(url)
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.unwrap()
    }

    /// GETs `path` every 25 ms for up to 10 s until `done` holds of the answer; returns it.
    pub async fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..400 {
            last = self.get(path).await;
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("GET {path} never got there within 10 s: {last}");
    }
}
