//! The webhook log: one stream per received provider event.

use time::OffsetDateTime;

use crate::ports::{AggregateKind, StoredEvent};

use super::super::CoreError;
use super::super::catalog::FlowCatalog;
use super::super::execute::{Aggregate, Evolve};
use super::super::persist::{Columns, event_of};
use super::super::webhooks::StoredWebhook;

/// What happens to a received webhook. Stored untagged: a `webhook.received` payload is the
/// stored webhook, a `webhook.processed` one `{outcome, at}` (Unix seconds).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum WebhookLogEvent {
    /// Verified and stored, with its first status (`pending`, `stored`, `parked`).
    Received(Box<StoredWebhook>),
    /// Its processing ended with `outcome` (`processed`, `ignored`, `unmatched`, `parked`,
    /// `adopted`).
    Processed {
        /// The new status.
        outcome: String,
        /// When, in Unix seconds.
        at: i64,
    },
}

/// The webhook log's evolution: a received webhook, then its status.
pub(crate) struct WebhookLog;

impl Evolve<StoredWebhook> for WebhookLog {
    fn evolve_from(
        &self,
        state: Option<StoredWebhook>,
        event: &WebhookLogEvent,
    ) -> Option<StoredWebhook> {
        match (state, event) {
            (_, WebhookLogEvent::Received(stored)) => Some((**stored).clone()),
            (Some(mut stored), WebhookLogEvent::Processed { outcome, .. }) => {
                stored.status.clone_from(outcome);
                Some(stored)
            }
            (None, WebhookLogEvent::Processed { .. }) => None,
        }
    }

    fn initial(&self, state: Option<StoredWebhook>) -> Option<StoredWebhook> {
        state
    }
}

/// A `webhook.processed` payload.
#[derive(serde::Deserialize)]
struct Processed {
    outcome: String,
    at: i64,
}

impl Aggregate for StoredWebhook {
    const KIND: AggregateKind = AggregateKind::WebhookEvent;
    type Event = WebhookLogEvent;

    /// A stored webhook is the fold of its events (received, then its statuses), two or three
    /// of them: stored every 16 events, a receipt writes its row and its event only, and the
    /// webhook's body is kept once, in its `webhook.received` event.
    const SNAPSHOT_EVERY: u64 = 16;

    /// Folds with [`WebhookLog`], reading each event by its stored type (the payloads are stored
    /// untagged).
    fn replay(
        state: Option<Self>,
        events: &[StoredEvent],
        _: &FlowCatalog,
    ) -> Result<Self, CoreError> {
        let mut state = state;
        for stored in events {
            let event = match stored.event_type.as_str() {
                "webhook.received" => WebhookLogEvent::Received(Box::new(event_of(stored)?)),
                _ => {
                    let Processed { outcome, at } = event_of(stored)?;
                    WebhookLogEvent::Processed { outcome, at }
                }
            };
            state = WebhookLog.evolve_from(state, &event);
        }
        state.ok_or_else(|| CoreError::Corrupt("a stored webhook was never received".to_string()))
    }

    fn event_type(event: &WebhookLogEvent) -> &'static str {
        match event {
            WebhookLogEvent::Received(_) => "webhook.received",
            WebhookLogEvent::Processed { .. } => "webhook.processed",
        }
    }

    fn event_at(event: &WebhookLogEvent, _: &Self) -> Option<OffsetDateTime> {
        match event {
            WebhookLogEvent::Received(stored) => Some(stored.received_at),
            WebhookLogEvent::Processed { at, .. } => OffsetDateTime::from_unix_timestamp(*at).ok(),
        }
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status.clone(),
            flow_id: None,
            phone: None,
            external_ref: self.webhook.reference(),
            session_id: None,
            created_at: self.received_at,
            updated_at: at,
        }
    }
}
