//! `onramp webhook listen`: follows the tenant's events live, as `stripe listen` does, and
//! optionally forwards each one, signed as Onramp signs its webhooks, to a local endpoint.
//!
//! It polls `GET /v1/events?order=asc&limit=100&cursor=...` (an oldest-first listing always
//! answers a `next_cursor`: the log's end), starting after the newest event at start-up
//! (`GET /v1/events?limit=1`), so the backlog is not replayed. Each event is printed as one
//! line, `created_at  type  id  session_id`; with `--forward-to`, its JSON, byte for byte as
//! the API served it, is POSTed with the Standard Webhooks headers
//! ([`onramp_provider_kit::standard_webhooks::headers`], `webhook-id` = the event's id) and
//! the answer's status is printed under it. Ctrl-C stops it.

use std::convert::Infallible;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use clap::Args;
use reqwest::StatusCode;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Failure, now_unix};
use crate::TenantAuth;

/// The page size of the oldest-first listing (the API's maximum).
const PAGE: u32 = 100;
/// The longest wait between two polls after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// `onramp webhook listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    #[command(flatten)]
    auth: TenantAuth,
    /// POST each event, signed (Standard Webhooks), to this URL, e.g.
    /// http://localhost:3000/webhooks.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// The whsec_ secret to sign forwarded events with; without it, a fresh one is made and
    /// printed at start.
    #[arg(long, value_name = "WHSEC", requires = "forward_to")]
    secret: Option<SecretString>,
    /// Only events of these types, comma-separated (e.g. session.completed,trial.converted).
    #[arg(long, value_name = "TYPE,...", value_delimiter = ',')]
    types: Vec<String>,
    /// Milliseconds between two polls when the log has nothing new.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    interval_ms: u64,
}

/// A page of `GET /v1/events`.
#[derive(Deserialize)]
struct Page {
    /// The events as the API serialised them, kept byte for byte to be forwarded.
    data: Vec<Box<RawValue>>,
    next_cursor: Option<String>,
}

/// What the listener prints of an event (it forwards the whole of it).
#[derive(Deserialize)]
struct Summary {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    created_at: String,
    session_id: Option<String>,
    /// A number (a string is taken as is): the cursor after this event.
    sequence: serde_json::Value,
}

/// Where and how events are forwarded.
struct Forward {
    url: String,
    secret: SecretString,
}

/// Why a poll failed.
enum PollError {
    /// The API refused the request (4xx other than 429): retrying cannot help.
    Refused(anyhow::Error),
    /// A transport error, 429 or 5xx: worth retrying.
    Transient(anyhow::Error),
}

/// Runs until Ctrl-C (`Ok(true)`), or until the API refuses a poll.
///
/// # Errors
/// [`Failure::Usage`] for a `--secret` that is not a Standard Webhooks secret;
/// [`Failure::Other`] when the first request fails or the API refuses a later one.
pub(super) async fn run(args: ListenArgs) -> Result<bool, Failure> {
    let forward = match args.forward_to.clone() {
        Some(url) => Some(forward(url, args.secret.clone())?),
        None => None,
    };
    let http = crate::client::http_client().context("cannot build the HTTP client")?;
    let listener = Listener {
        http,
        events_url: format!(
            "{}/v1/events",
            args.auth.server.server.trim_end_matches('/')
        ),
        api_key: args.auth.api_key.clone(),
        types: args.types.join(","),
        interval: Duration::from_millis(args.interval_ms),
        forward,
    };
    tokio::select! {
        refused = listener.listen() => match refused {
            Err(e) => Err(Failure::Other(e)),
        },
        stopped = tokio::signal::ctrl_c() => {
            stopped.context("cannot wait for Ctrl-C")?;
            Ok(true)
        }
    }
}

/// The forwarding target, with `secret` or a fresh one (printed once).
fn forward(url: String, secret: Option<SecretString>) -> Result<Forward, Failure> {
    let secret = match secret {
        Some(secret) => {
            onramp_provider_kit::standard_webhooks::sign("probe", 0, b"", secret.expose_secret())
                .map_err(|e| Failure::Usage(format!("invalid --secret: {e}")))?;
            secret
        }
        None => {
            let secret = fresh_secret();
            println!("Your forwarding secret is {secret}");
            SecretString::from(secret)
        }
    };
    Ok(Forward { url, secret })
}

/// A new `whsec_` secret: the 64 hex digits of two random UUIDs v4. Hex digits are base64
/// digits, so the key is the 48 bytes they decode to, carrying the UUIDs' 244 random bits.
fn fresh_secret() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("whsec_{}{}", a.simple(), b.simple())
}

struct Listener {
    http: reqwest::Client,
    events_url: String,
    api_key: String,
    /// `type=` of every poll, comma-separated; empty for all types.
    types: String,
    interval: Duration,
    forward: Option<Forward>,
}

impl Listener {
    /// Polls for ever; returns only when the API refuses a poll.
    async fn listen(&self) -> anyhow::Result<Infallible> {
        let newest = self
            .page(&[("limit", "1".to_string())])
            .await
            .map_err(|(PollError::Refused(e) | PollError::Transient(e))| e)
            .context("cannot read the newest event")?;
        let mut cursor = match newest.data.first() {
            Some(raw) => Some(summary(raw)?.cursor()),
            None => None,
        };
        eprintln!(
            "Listening for events at {} (Ctrl-C to stop)",
            self.events_url
        );
        let mut backoff = self.interval;
        loop {
            let mut query = vec![("order", "asc".to_string()), ("limit", PAGE.to_string())];
            if let Some(cursor) = &cursor {
                query.push(("cursor", cursor.clone()));
            }
            if !self.types.is_empty() {
                query.push(("type", self.types.clone()));
            }
            let page = match self.page(&query).await {
                Ok(page) => page,
                Err(PollError::Refused(e)) => return Err(e),
                Err(PollError::Transient(e)) => {
                    eprintln!("warning: {e:#}; retrying in {} ms", backoff.as_millis());
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).clamp(self.interval, MAX_BACKOFF);
                    continue;
                }
            };
            backoff = self.interval;
            let full = page.data.len() >= PAGE as usize;
            for raw in &page.data {
                let event = summary(raw)?;
                println!(
                    "{}  {}  {}  {}",
                    event.created_at,
                    event.event_type,
                    event.id,
                    event.session_id.as_deref().unwrap_or("-")
                );
                if let Some(forward) = &self.forward {
                    self.forward(forward, &event.id, raw.get().as_bytes()).await;
                }
                cursor = Some(event.cursor());
            }
            if let Some(next) = page.next_cursor {
                cursor = Some(next);
            }
            if !full {
                tokio::time::sleep(self.interval).await;
            }
        }
    }

    /// One `GET /v1/events` with `query`.
    async fn page(&self, query: &[(&str, String)]) -> Result<Page, PollError> {
        let what = || format!("GET {}", self.events_url);
        let answer = self
            .http
            .get(&self.events_url)
            .bearer_auth(&self.api_key)
            .query(query)
            .send()
            .await
            .map_err(|e| PollError::Transient(anyhow!(e).context(what())))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| PollError::Transient(anyhow!(e).context(what())))?;
        if !status.is_success() {
            let e = anyhow!("HTTP {status}: {}", detail(&body)).context(what());
            let transient = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
            return Err(if transient {
                PollError::Transient(e)
            } else {
                PollError::Refused(e)
            });
        }
        serde_json::from_slice(&body).map_err(|e| {
            PollError::Refused(anyhow!(e).context(format!("{}: not a page of events", what())))
        })
    }

    /// POSTs one event's `body`, signed now as message `id`; prints the answer's status or
    /// what went wrong (on stderr), and goes on either way.
    async fn forward(&self, forward: &Forward, id: &str, body: &[u8]) {
        let headers = match onramp_provider_kit::standard_webhooks::headers(
            id,
            now_unix(),
            body,
            &[forward.secret.expose_secret()],
        ) {
            Ok(headers) => headers,
            Err(e) => {
                eprintln!("  cannot sign event {id}: {e}");
                return;
            }
        };
        let mut request = self
            .http
            .post(&forward.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(answer) => println!("  -> {} POST {}", answer.status(), forward.url),
            Err(e) => eprintln!("  -> POST {} failed: {:#}", forward.url, anyhow!(e)),
        }
    }
}

impl Summary {
    /// The cursor after this event: its sequence, as text.
    fn cursor(&self) -> String {
        match &self.sequence {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

fn summary(raw: &RawValue) -> anyhow::Result<Summary> {
    serde_json::from_str(raw.get()).with_context(|| {
        let start: String = raw.get().chars().take(200).collect();
        format!("an event without id, type, created_at or sequence: {start}")
    })
}

/// What a refusal says: the problem's `detail` (or `title`), else the start of the body.
fn detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Problem {
        detail: Option<String>,
        title: Option<String>,
    }
    match serde_json::from_slice::<Problem>(body) {
        Ok(Problem {
            detail: Some(text), ..
        })
        | Ok(Problem {
            title: Some(text), ..
        }) => text,
        _ => String::from_utf8_lossy(body).chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        listen: ListenArgs,
    }

    fn parse(args: &[&str]) -> Result<ListenArgs, clap::error::ErrorKind> {
        let all = ["listen", "--server", "http://h", "--api-key", "k"];
        Cli::try_parse_from(all.iter().chain(args))
            .map(|c| c.listen)
            .map_err(|e| e.kind())
    }

    #[test]
    fn types_are_comma_separated_and_polls_are_half_a_second_apart_by_default() {
        let args = parse(&["--types", "session.completed,trial.converted"]).expect("parses");
        assert_eq!(args.types, ["session.completed", "trial.converted"]);
        assert_eq!(args.interval_ms, 500);
        assert!(args.forward_to.is_none());
    }

    #[test]
    fn a_secret_needs_somewhere_to_forward_to() {
        assert_eq!(
            parse(&["--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).err(),
            Some(clap::error::ErrorKind::MissingRequiredArgument)
        );
        let args = parse(&[
            "--forward-to",
            "http://127.0.0.1:3000/hooks",
            "--secret",
            "whsec_x",
        ]);
        assert!(args.is_ok());
    }

    #[test]
    fn a_fresh_secret_is_a_standard_webhooks_secret() {
        let secret = fresh_secret();
        assert!(secret.starts_with("whsec_"));
        assert_ne!(secret, fresh_secret());
        let signed = onramp_provider_kit::standard_webhooks::sign("msg_1", 1, b"{}", &secret);
        assert!(signed.is_ok(), "{signed:?}");
    }

    #[test]
    fn the_cursor_is_the_sequence_as_text() {
        let event = |sequence: &str| {
            let raw = format!(
                r#"{{"id":"e","type":"t","created_at":"c","sequence":{sequence},"data":{{}}}}"#
            );
            let raw = RawValue::from_string(raw).expect("JSON");
            summary(&raw).expect("an event").cursor()
        };
        assert_eq!(event("42"), "42");
        assert_eq!(event(r#""42""#), "42");
    }

    #[test]
    fn a_refusal_says_the_problems_detail() {
        assert_eq!(
            detail(br#"{"title":"Bad","detail":"limit must be"}"#),
            "limit must be"
        );
        assert_eq!(detail(br#"{"title":"Unauthorized"}"#), "Unauthorized");
        assert_eq!(detail(b"plain"), "plain");
    }
}
