//! The webhook inbox: one stream per received provider event.

use time::OffsetDateTime;

use crate::ports::AggregateKind;

use super::super::execute::{Aggregate, Evolve};
use super::super::persist::Columns;
use super::super::webhooks::StoredWebhook;

/// What happens to a received webhook. Stored untagged: a `webhook.received` payload is the
/// stored webhook, a `webhook.processed` one `{outcome, at}` (Unix seconds).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum InboxEvent {
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

/// The inbox's evolution: a received webhook, then its status.
pub(crate) struct Inbox;

impl Evolve<StoredWebhook> for Inbox {
    fn evolve_from(
        &self,
        state: Option<StoredWebhook>,
        event: &InboxEvent,
    ) -> Option<StoredWebhook> {
        match (state, event) {
            (_, InboxEvent::Received(stored)) => Some((**stored).clone()),
            (Some(mut stored), InboxEvent::Processed { outcome, .. }) => {
                stored.status.clone_from(outcome);
                Some(stored)
            }
            (None, InboxEvent::Processed { .. }) => None,
        }
    }

    fn initial(&self, state: Option<StoredWebhook>) -> Option<StoredWebhook> {
        state
    }
}

impl Aggregate for StoredWebhook {
    const KIND: AggregateKind = AggregateKind::WebhookEvent;
    type Event = InboxEvent;

    fn event_type(event: &InboxEvent) -> &'static str {
        match event {
            InboxEvent::Received(_) => "webhook.received",
            InboxEvent::Processed { .. } => "webhook.processed",
        }
    }

    fn event_at(event: &InboxEvent, _: &Self) -> Option<OffsetDateTime> {
        match event {
            InboxEvent::Received(stored) => Some(stored.received_at),
            InboxEvent::Processed { at, .. } => OffsetDateTime::from_unix_timestamp(*at).ok(),
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
