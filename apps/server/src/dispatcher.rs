//! The outbound webhook dispatcher (issue 12, item 2): claims due messages, signs each by the
//! Standard Webhooks specification, sends it, and commits the attempt with the message's next
//! state. Runs beside the job worker; several (threads or replicas) may run: the claim leases
//! each message to one of them.
//!
//! Deliveries run concurrently, at most [`MAX_IN_FLIGHT`] at once and [`PER_ENDPOINT`] per
//! endpoint (the claim counts an endpoint's leased messages), and the dispatcher claims again
//! as soon as one finishes: a slow or dead endpoint holds at most [`PER_ENDPOINT`] of the slots
//! for at most the timeout each, and never delays another endpoint's deliveries.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use onramp_domain::app::Services;
use onramp_domain::app::outbound::{AttemptResult, Prepared};
use onramp_domain::ports::{
    ClaimedDelivery, MessageOutcome, OutboundRequest, WebhookQueue, WebhookSender,
};
use onramp_provider_kit::standard_webhooks;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

/// Deliveries in flight at once, per process.
pub const MAX_IN_FLIGHT: usize = 128;
/// Deliveries in flight at once to one endpoint, across every process.
pub const PER_ENDPOINT: u32 = 8;
/// Longest idle sleep: commits that tell the tenant something wake the dispatcher earlier
/// ([`crate::edge_store::EdgeStore`]); retries come due on the clock.
const IDLE: Duration = Duration::from_millis(250);

/// The dispatcher's parts.
#[derive(Clone)]
pub struct Dispatcher {
    /// The outbound use cases (and the clock).
    pub services: Arc<Services>,
    /// The message queue.
    pub queue: Arc<dyn WebhookQueue>,
    /// The HTTP sender.
    pub sender: Arc<dyn WebhookSender>,
    /// How long a claimed message is leased: more than a delivery may take.
    pub lease_seconds: u32,
    /// Woken by commits that tell the tenant something.
    pub wake: Arc<Notify>,
    /// The endpoints' rate limits in this process.
    pub limits: Limits,
}

/// Each rate-limited endpoint's limiter (GCRA, governor), rebuilt when its limit changes.
/// Per process: with several replicas, an endpoint may get up to the limit from each.
#[derive(Clone, Default)]
pub struct Limits(Arc<Mutex<HashMap<uuid::Uuid, Limiter>>>);

/// One endpoint's limit (deliveries a second) and its limiter.
type Limiter = (u32, Arc<DefaultDirectRateLimiter>);

impl Limits {
    /// Waits until `endpoint` may be sent one more delivery under `per_second`.
    async fn wait(&self, endpoint: uuid::Uuid, per_second: u32) {
        let Some(rate) = NonZeroU32::new(per_second) else {
            return;
        };
        let limiter = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = map.entry(endpoint).or_insert_with(|| {
                (
                    per_second,
                    Arc::new(RateLimiter::direct(Quota::per_second(rate))),
                )
            });
            if entry.0 != per_second {
                *entry = (
                    per_second,
                    Arc::new(RateLimiter::direct(Quota::per_second(rate))),
                );
            }
            entry.1.clone()
        };
        limiter.until_ready().await;
    }
}

impl Dispatcher {
    /// Runs until `shutdown` changes.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut running = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                return;
            }
            while running.try_join_next().is_some() {}
            let room = MAX_IN_FLIGHT.saturating_sub(running.len());
            let wanted = u32::try_from(room.min(64)).unwrap_or(64);
            let claimed = if wanted == 0 {
                Vec::new()
            } else {
                let now = self.services.core.clock.now();
                self.queue
                    .claim_deliveries(now, self.lease_seconds, wanted, PER_ENDPOINT)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::error!(error = %e, "claiming webhook messages failed");
                        Vec::new()
                    })
            };
            let full = wanted > 0 && claimed.len() == wanted as usize;
            for message in claimed {
                running.spawn(self.clone().deliver(message));
            }
            if full {
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(IDLE) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn deliver(self, claimed: ClaimedDelivery) {
        let span = tracing::info_span!("webhook_delivery", tenant_id = %claimed.tenant, endpoint_id = %claimed.endpoint, event_id = %claimed.event.id, attempt = claimed.attempt);
        self.deliver_in_span(claimed).instrument(span).await;
    }

    async fn deliver_in_span(self, claimed: ClaimedDelivery) {
        let started = Instant::now();
        let at = self.services.core.clock.now();
        let result = match self.services.outbound.prepare(&claimed).await {
            Err(e) => {
                tracing::error!(error = %e, "could not prepare a delivery; its lease will expire");
                return;
            }
            Ok(None) => AttemptResult {
                at,
                status: None,
                latency_ms: 0,
                response: String::new(),
                error: Some("the endpoint is disabled or deleted".into()),
            },
            Ok(Some(prepared)) => {
                if let Some(per_second) = prepared.rate_limit_per_second {
                    self.limits.wait(claimed.endpoint, per_second).await;
                }
                self.send(prepared, at).await
            }
        };
        match self
            .services
            .outbound
            .record_attempt(&claimed, &result)
            .await
        {
            Ok(outcome) => {
                let label = match outcome {
                    MessageOutcome::Delivered => "delivered",
                    MessageOutcome::Retry(_) => "retried",
                    MessageOutcome::Failed => "failed",
                };
                tracing::debug!(result = label, status = ?result.status, "webhook delivery attempt");
                crate::metrics::webhook_delivered(label, started.elapsed());
            }
            Err(e) => {
                tracing::error!(error = %e, "could not record a delivery attempt; its lease will expire and it is sent again");
            }
        }
    }

    /// Signs and sends `prepared`. The signature's timestamp is the wall clock's (receivers
    /// compare it with theirs); the schedule runs on the service clock (`at`).
    async fn send(&self, prepared: Prepared, at: OffsetDateTime) -> AttemptResult {
        let failed = |error: String, latency_ms: u64| AttemptResult {
            at,
            status: None,
            latency_ms,
            response: String::new(),
            error: Some(error),
        };
        let secrets: Vec<&str> = prepared.secrets.iter().map(String::as_str).collect();
        let timestamp = OffsetDateTime::now_utc().unix_timestamp();
        let headers = match standard_webhooks::headers(
            &prepared.message_id,
            timestamp,
            &prepared.body,
            &secrets,
        ) {
            Ok(headers) => headers,
            Err(e) => return failed(format!("signing failed: {e}"), 0),
        };
        let request = OutboundRequest {
            url: prepared.url,
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            body: prepared.body,
        };
        let started = Instant::now();
        match self.sender.send(request).await {
            Ok(answer) => AttemptResult {
                at,
                status: Some(answer.status),
                latency_ms: answer.latency_ms,
                response: answer.body_excerpt,
                error: None,
            },
            Err(e) => failed(
                e.to_string(),
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ),
        }
    }
}
