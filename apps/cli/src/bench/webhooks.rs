//! `onramp bench webhooks`: Stripe webhook ingest. C workers POST Stripe-signed
//! `customer.subscription.updated` events, each with its own event id, to
//! `/webhooks/stripe` (or a tenant's `/webhooks/stripe/{tenant_id}`) for a fixed time; reports
//! the requests per second, their latency and how the server acknowledged them (`stored`,
//! `duplicate`, `unmatched`), and last one `RESULT` line for `bench/run.sh`.
//!
//! Each event is signed as it is sent, with the same signer as `onramp webhook send`
//! ([`Signer`], over `onramp_stripe::webhook::sign`), so a signature is never older than the
//! request. Workers start no request after the deadline and finish the one in flight; the
//! rate is over the time until the last one finished.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Args;
use secrecy::SecretString;
use tokio::task::JoinSet;

use super::result::{ResultLine, token};
use crate::ServerArg;
use crate::webhook::{Provider, Signer, now_unix, route_url};

/// Pause of a worker after a failed request, so a failing server is not hammered in a loop.
const AFTER_FAILURE: Duration = Duration::from_millis(20);

/// `onramp bench webhooks`.
#[derive(Debug, Args)]
pub struct WebhooksArgs {
    #[command(flatten)]
    server: ServerArg,
    /// The endpoint's signing secret, whsec_...: the server's STRIPE_WEBHOOK_SECRET, or with
    /// --tenant the tenant's `webhook_secret`.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    secret: SecretString,
    /// Post to the tenant's route, `/webhooks/stripe/{tenant}` (its own Stripe credentials),
    /// instead of the server-wide `/webhooks/stripe`.
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<String>,
    /// Seconds of load.
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Concurrent workers, each sending one event after another.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

/// What one worker saw.
#[derive(Debug, Default)]
struct Tally {
    durations: Vec<Duration>,
    stored: usize,
    duplicate: usize,
    unmatched: usize,
    failed: usize,
    /// The first failure's message.
    failure: Option<String>,
}

impl Tally {
    fn fail(&mut self, reason: String) {
        self.failed += 1;
        self.failure.get_or_insert(reason);
    }

    fn add(&mut self, other: Self) {
        self.durations.extend(other.durations);
        self.stored += other.stored;
        self.duplicate += other.duplicate;
        self.unmatched += other.unmatched;
        self.failed += other.failed;
        if self.failure.is_none() {
            self.failure = other.failure;
        }
    }
}

/// The acknowledgement of a webhook.
#[derive(Debug, serde::Deserialize)]
struct Ack {
    status: String,
}

/// What every worker shares.
struct Load {
    http: reqwest::Client,
    signer: Signer,
    route: String,
    /// Prefix of this run's event ids, so that two runs against one database never collide.
    run: String,
    next: AtomicUsize,
    deadline: Instant,
}

/// Runs the load and prints its report and `RESULT` line. True when no request failed.
///
/// # Errors
/// Bad arguments, or a server URL that is not an http(s) URL.
pub async fn run(args: WebhooksArgs) -> anyhow::Result<bool> {
    ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let window = crate::seconds(args.seconds)?;
    ensure!(!window.is_zero(), "--seconds must be more than 0");
    let signer =
        Signer::with_secret(Provider::Stripe, args.secret).context("Stripe signs with a secret")?;
    let route = route_url(
        &args.server.server,
        Provider::Stripe,
        args.tenant.as_deref(),
    )?;
    let simple = uuid::Uuid::new_v4().simple().to_string();
    let started = Instant::now();
    let load = Arc::new(Load {
        http: crate::client::http_client()?,
        signer,
        route,
        run: format!("bench{}", simple.get(..8).unwrap_or("0")),
        next: AtomicUsize::new(0),
        deadline: started + window,
    });
    let mut workers = JoinSet::new();
    for _ in 0..args.concurrency {
        workers.spawn(worker(Arc::clone(&load)));
    }
    let mut tally = Tally::default();
    while let Some(done) = workers.join_next().await {
        tally.add(done.context("a bench worker panicked")?);
    }
    let wall = started.elapsed();

    let requests = tally.durations.len();
    println!(
        "POST {}  concurrency {}  {:.2} s",
        load.route,
        args.concurrency,
        wall.as_secs_f64()
    );
    println!(
        "answers            {} stored, {} duplicate, {} unmatched, {} failed",
        tally.stored, tally.duplicate, tally.unmatched, tally.failed
    );
    if tally.unmatched > 0 {
        println!(
            "                   (unmatched: verified and stored once, about nothing Onramp knows)"
        );
    }
    if let Some(reason) = &tally.failure {
        println!("first failure      {reason}");
    }
    let mut line = ResultLine::new("webhooks", args.concurrency, wall)
        .throughput("", requests, wall, &tally.durations)
        .field("reqs", requests)
        .field("stored", tally.stored)
        .field("duplicate", tally.duplicate)
        .field("unmatched", tally.unmatched)
        .field("errors", tally.failed);
    if let Some(reason) = &tally.failure {
        line = line.field("first_failure", token(reason));
    }
    println!("{line}");
    Ok(tally.failed == 0)
}

/// Sends events one after another until the deadline.
async fn worker(load: Arc<Load>) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < load.deadline {
        let n = load.next.fetch_add(1, Ordering::Relaxed);
        let now = now_unix();
        let body = event(&load.run, n, now);
        let (url, headers) = match load.signer.delivery(&load.route, body.as_bytes(), now) {
            Ok(signed) => signed,
            Err(reason) => {
                tally.fail(reason);
                break;
            }
        };
        let started = Instant::now();
        let outcome = async {
            let answer = load
                .http
                .post(url)
                .headers(headers)
                .body(body)
                .send()
                .await?;
            let status = answer.status();
            Ok::<_, reqwest::Error>((status, answer.bytes().await?))
        }
        .await;
        tally.durations.push(started.elapsed());
        let failure = match outcome {
            Ok((status, bytes)) if status.is_success() => {
                match serde_json::from_slice::<Ack>(&bytes).map(|a| a.status) {
                    Ok(s) if s == "stored" => tally.stored += 1,
                    Ok(s) if s == "duplicate" => tally.duplicate += 1,
                    Ok(s) if s == "unmatched" => tally.unmatched += 1,
                    _ => tally.fail(format!("HTTP {status} with {}", excerpt(&bytes))),
                }
                false
            }
            Ok((status, bytes)) => {
                tally.fail(format!("HTTP {status}: {}", excerpt(&bytes)));
                true
            }
            Err(e) => {
                tally.fail(format!("{:#}", anyhow::Error::new(e)));
                true
            }
        };
        if failure {
            tokio::time::sleep(AFTER_FAILURE).await;
        }
    }
    tally
}

/// A `customer.subscription.updated` v1 event, id `evt_{run}{n}`, about subscription
/// `sub_{run}{n}`, created at `now`.
fn event(run: &str, n: usize, now: i64) -> String {
    format!(
        concat!(
            r#"{{"id":"evt_{run}{n:010}","object":"event","api_version":"2025-03-31.basil","#,
            r#""created":{now},"livemode":false,"pending_webhooks":1,"#,
            r#""request":{{"id":null,"idempotency_key":null}},"#,
            r#""type":"customer.subscription.updated","data":{{"object":{{"#,
            r#""id":"sub_{run}{n:010}","object":"subscription","customer":"cus_{run}","#,
            r#""status":"active","cancel_at_period_end":false,"trial_end":null}},"#,
            r#""previous_attributes":{{"status":"trialing"}}}}}}"#
        ),
        run = run,
        n = n,
        now = now
    )
}

/// The start of an answer's body, for a failure message.
fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::webhook::WebhookRequest;

    #[test]
    fn events_are_signed_so_that_stripe_verification_passes_and_each_has_its_own_id() {
        let signer = Signer::with_secret(Provider::Stripe, SecretString::from("whsec_bench"))
            .expect("stripe signs with a secret");
        let now = 1_760_000_000;
        let mut ids = Vec::new();
        for n in [0, 1] {
            let body = event("benchabc", n, now);
            let (url, headers) = signer
                .delivery("http://127.0.0.1:1/webhooks/stripe", body.as_bytes(), now)
                .expect("signed");
            assert_eq!(url, "http://127.0.0.1:1/webhooks/stripe");
            assert_eq!(headers["content-type"], "application/json");
            let request = WebhookRequest {
                method: "POST".into(),
                url,
                headers,
                body: body.into_bytes().into(),
            };
            assert_eq!(
                onramp_stripe::webhook::verify(&request, "whsec_bench", now + 5),
                Ok(())
            );
            let parsed = onramp_stripe::webhook::parse(&request).expect("a v1 event");
            assert_eq!(parsed.event_type, "customer.subscription.updated");
            assert!(parsed.payment.is_some(), "a subscription report");
            ids.push(parsed.event_id);
        }
        assert_eq!(
            ids,
            vec!["evt_benchabc0000000000", "evt_benchabc0000000001"]
        );
    }

    #[test]
    fn the_tallies_of_workers_add_up() {
        let mut total = Tally::default();
        let mut one = Tally {
            durations: vec![Duration::from_millis(1)],
            stored: 1,
            ..Tally::default()
        };
        one.fail("HTTP 500".into());
        total.add(one);
        total.add(Tally {
            durations: vec![Duration::from_millis(2)],
            unmatched: 1,
            ..Tally::default()
        });
        assert_eq!(total.durations.len(), 2);
        assert_eq!((total.stored, total.unmatched, total.failed), (1, 1, 1));
        assert_eq!(total.failure.as_deref(), Some("HTTP 500"));
    }
}
