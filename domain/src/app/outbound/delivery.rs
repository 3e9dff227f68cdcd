//! Delivery use cases: what a claimed message sends, the attempt's outcome, redelivery and
//! replay.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::TenantId;
use crate::ports::{ClaimedDelivery, MessageOutcome, Requeue, WebhookAttempt};

use super::super::aggregates::endpoints::Endpoints;
use super::super::events::EventView;
use super::super::{CoreError, OutboundService, OutboundServiceError};
use super::endpoints::route_of;
use super::model::{DISABLE_AFTER_FAILING, EndpointEvent, EndpointState, next_attempt};
use super::secret_context;

/// A claimed message ready to sign and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The endpoint's URL.
    pub url: String,
    /// The `webhook-id`: the event's id, the same on every attempt.
    pub message_id: String,
    /// The body: the event as the events API shows it (personal data masked unless the
    /// endpoint includes it), serialized once.
    pub body: Vec<u8>,
    /// The `whsec_` secrets that sign now: the current one, and the previous one during a
    /// rotation's overlap.
    pub secrets: Vec<String>,
    /// The endpoint's limit, deliveries a second.
    pub rate_limit_per_second: Option<u32>,
}

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    /// When it was sent.
    pub at: OffsetDateTime,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// Milliseconds to the answer or the failure.
    pub latency_ms: u64,
    /// The start of the answer's body.
    pub response: String,
    /// Why no answer came.
    pub error: Option<String>,
}

impl OutboundService {
    /// What to send for `claimed`: `None` when its endpoint is deleted or disabled (the worker
    /// then records the message given up).
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] for a secret that does not decrypt; store failures.
    pub async fn prepare(
        &self,
        claimed: &ClaimedDelivery,
    ) -> Result<Option<Prepared>, OutboundServiceError> {
        let state = match self.load(claimed.tenant, claimed.endpoint).await {
            Ok(state) if state.config.enabled => state,
            Ok(_) | Err(OutboundServiceError::EndpointNotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let now = self.core.clock.now();
        let context = secret_context(claimed.tenant, claimed.endpoint);
        let mut secrets = Vec::new();
        for sealed in state.signing_secrets(now) {
            let bytes =
                hex::decode(&sealed.sealed).map_err(|e| CoreError::Corrupt(e.to_string()))?;
            let clear = self
                .secrets
                .decrypt(&bytes, &context)
                .map_err(|e| CoreError::Corrupt(format!("webhook secret: {e}")))?;
            secrets.push(String::from_utf8_lossy(&clear).into_owned());
        }
        let view = EventView::of(
            claimed.tenant,
            claimed.event.clone(),
            state.config.include_pii,
        );
        let body = serde_json::to_vec(&view).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        Ok(Some(Prepared {
            url: state.config.url.clone(),
            message_id: claimed.event.id.to_string(),
            body,
            secrets,
            rate_limit_per_second: state.config.rate_limit_per_second,
        }))
    }

    /// Commits attempt `claimed.attempt`'s `result` with the message's next state: delivered
    /// on any 2xx; given up on `410 Gone` (which disables the endpoint), on an endpoint deleted
    /// or disabled meanwhile, or once the retry schedule is spent; retried on its schedule
    /// otherwise. The endpoint starts failing at its first failure after a success, recovers at
    /// its next success, and is disabled when it has failed for 5 days straight (each disabling
    /// tells the tenant `webhook_endpoint.disabled`, and mails the endpoint's contact).
    ///
    /// # Errors
    /// Store failures.
    pub async fn record_attempt(
        &self,
        claimed: &ClaimedDelivery,
        result: &AttemptResult,
    ) -> Result<MessageOutcome, OutboundServiceError> {
        self.execute(claimed.tenant, |tx| {
            Box::pin(async move {
                let state = tx
                    .load::<EndpointState>(claimed.endpoint)
                    .await?
                    .filter(|s| !s.deleted && s.config.enabled);
                let success = result.status.is_some_and(|s| (200..300).contains(&s));
                let gone = result.status == Some(410);
                let outcome = if success {
                    MessageOutcome::Delivered
                } else if gone || state.is_none() {
                    MessageOutcome::Failed
                } else {
                    next_attempt(claimed.attempt, result.at, claimed.event.id)
                        .map_or(MessageOutcome::Failed, MessageOutcome::Retry)
                };
                if let Some(state) = state {
                    let events = health(&state, success, gone, result.at);
                    let disabled = events.iter().find_map(|e| match e {
                        EndpointEvent::Disabled { reason, .. } => Some(reason.clone()),
                        _ => None,
                    });
                    if !events.is_empty() {
                        let after = tx.apply(&Endpoints, claimed.endpoint, events)?;
                        tx.route(route_of(&after));
                    }
                    if let (Some(reason), Some(to)) = (disabled, &state.config.contact_email) {
                        let subject = format!("Webhook endpoint disabled: {}", state.config.url);
                        let body = format!(
                            "Onramp stopped delivering events to {} ({}): {reason}.\n\nDeliveries resume when it is enabled again (PATCH /v1/webhook_endpoints/{} {{\"enabled\": true}}); events since can be sent again with POST /v1/webhook_endpoints/{}/replay.",
                            state.config.url, claimed.endpoint, claimed.endpoint, claimed.endpoint
                        );
                        tx.enqueue(self.core.mail_job(to, subject, body)?);
                    }
                }
                tx.record_attempt(WebhookAttempt {
                    endpoint: claimed.endpoint,
                    sequence: claimed.event.sequence,
                    attempt: claimed.attempt,
                    at: result.at,
                    status: result.status,
                    latency_ms: result.latency_ms,
                    response: result.response.clone(),
                    error: result.error.clone(),
                    outcome,
                });
                Ok(outcome)
            })
        })
        .await
    }

    /// Queues the event `id` again, now: for `endpoint`, or for every enabled endpoint whose
    /// filter takes it. Returns the endpoints it was queued for.
    ///
    /// # Errors
    /// [`OutboundServiceError::EventNotFound`]; [`OutboundServiceError::EndpointNotFound`];
    /// store failures.
    pub async fn redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
        endpoint: Option<Uuid>,
    ) -> Result<Vec<Uuid>, OutboundServiceError> {
        let event = self
            .events
            .tenant_event(tenant, id)
            .await?
            .ok_or(OutboundServiceError::EventNotFound)?;
        let targets: Vec<Uuid> = match endpoint {
            Some(endpoint) => {
                self.load(tenant, endpoint).await?;
                vec![endpoint]
            }
            None => self
                .endpoints(tenant)
                .await?
                .into_iter()
                .filter(|e| {
                    e.enabled
                        && (e.event_types.is_empty() || e.event_types.contains(&event.event_type))
                })
                .map(|e| e.id)
                .collect(),
        };
        let targets = &targets;
        let sequence = event.sequence;
        let at = self.core.clock.now();
        self.execute(tenant, |tx| {
            Box::pin(async move {
                for endpoint in targets {
                    tx.requeue(Requeue::Event {
                        endpoint: *endpoint,
                        sequence,
                        at,
                    });
                }
                Ok(targets.clone())
            })
        })
        .await
    }

    /// Queues again, now, every event created at or after `since` that the endpoint's filter
    /// takes (those still kept).
    ///
    /// # Errors
    /// [`OutboundServiceError::EndpointNotFound`]; store failures.
    pub async fn replay(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
        since: OffsetDateTime,
    ) -> Result<(), OutboundServiceError> {
        self.load(tenant, endpoint).await?;
        let at = self.core.clock.now();
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.requeue(Requeue::Since {
                    endpoint,
                    since,
                    at,
                });
                Ok(())
            })
        })
        .await
    }
}

/// The endpoint's health events after an attempt: recovered, failing, or disabled.
fn health(
    state: &EndpointState,
    success: bool,
    gone: bool,
    at: OffsetDateTime,
) -> Vec<EndpointEvent> {
    if success {
        return state
            .failing_since
            .map(|_| EndpointEvent::Recovered { at })
            .into_iter()
            .collect();
    }
    if gone {
        return vec![EndpointEvent::Disabled {
            reason: "the endpoint answered 410 Gone".into(),
            at,
        }];
    }
    match state.failing_since {
        None => vec![EndpointEvent::FailingSince { at }],
        Some(since) if at - since >= DISABLE_AFTER_FAILING => vec![EndpointEvent::Disabled {
            reason: "every delivery failed for 5 days".into(),
            at,
        }],
        Some(_) => vec![],
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn failing_since(at: Option<OffsetDateTime>) -> EndpointState {
        EndpointState {
            failing_since: at,
            ..EndpointState::default()
        }
    }

    #[test]
    fn an_endpoint_fails_from_its_first_failure_recovers_at_a_success_and_is_disabled_after_5_days()
    {
        let t0 = datetime!(2026-01-01 00:00 UTC);
        // The first failure starts the count; the next ones within 5 days change nothing.
        assert_eq!(
            health(&failing_since(None), false, false, t0),
            [EndpointEvent::FailingSince { at: t0 }]
        );
        let almost = t0 + DISABLE_AFTER_FAILING - time::Duration::SECOND;
        assert_eq!(health(&failing_since(Some(t0)), false, false, almost), []);
        // Five days of failures in a row disable it.
        let five_days = t0 + DISABLE_AFTER_FAILING;
        assert!(matches!(
            health(&failing_since(Some(t0)), false, false, five_days)[..],
            [EndpointEvent::Disabled { .. }]
        ));
        // A success ends the count; `410 Gone` disables at once.
        assert_eq!(
            health(&failing_since(Some(t0)), true, false, almost),
            [EndpointEvent::Recovered { at: almost }]
        );
        assert_eq!(health(&failing_since(None), true, false, t0), []);
        assert!(matches!(
            health(&failing_since(None), false, true, t0)[..],
            [EndpointEvent::Disabled { .. }]
        ));
    }
}
