//! [`Receiver`]: a webhook receiver outside Onramp (`tests/receivers/standard_webhooks_receiver.py`)
//! that verifies deliveries with the Standard Webhooks project's own Python library, for the
//! outbound webhook suite (issue 12, item 2).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The receiver process, killed on drop.
pub struct Receiver {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    http: reqwest::Client,
}

/// The `standardwebhooks` release the receiver verifies with.
const LIBRARY: &str = "standardwebhooks==1.3.0";

fn library_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Receiver {
    /// Starts the receiver, installing the Python library first when it is missing.
    pub fn start() -> Self {
        if !library_installed() {
            let installed = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", LIBRARY])
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                installed && library_installed(),
                "the outbound webhook suite needs python3 with `{LIBRARY}` (pip install {LIBRARY})"
            );
        }
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/receivers/standard_webhooks_receiver.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the receiver");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the receiver prints its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("unexpected receiver output {line:?}"));
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    /// The URL of the endpoint `name` (its prefix says how it answers: `healthy`, `flaky`,
    /// `gone`, `dead`).
    pub fn url(&self, name: &str) -> String {
        format!("{}/hooks/{name}", self.base)
    }

    /// Makes `secret` the one `name`'s deliveries are verified with.
    pub async fn set_secret(&self, name: &str, secret: &str) {
        let r = self
            .http
            .post(format!("{}/_secrets/{name}", self.base))
            .body(secret.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }

    /// The deliveries `name` answered 2xx: `[{id, verified, signatures, event}]`, in arrival
    /// order.
    pub async fn received(&self, name: &str) -> Vec<Value> {
        self.list("_received", name).await
    }

    /// Every delivery `name` got: `[{id, status}]` (`status` null for one left hanging).
    pub async fn attempts(&self, name: &str) -> Vec<Value> {
        self.list("_attempts", name).await
    }

    async fn list(&self, kind: &str, name: &str) -> Vec<Value> {
        let r = self
            .http
            .get(format!("{}/{kind}/{name}", self.base))
            .send()
            .await
            .unwrap();
        r.json::<Vec<Value>>().await.unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
