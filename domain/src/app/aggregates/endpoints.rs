//! Outbound webhook endpoints (issue 12, item 2).

use time::OffsetDateTime;

use crate::ports::AggregateKind;

use super::super::events::Notice;
use super::super::execute::{Aggregate, Evolve};
use super::super::outbound::{EndpointEvent, EndpointState, evolve};
use super::super::persist::Columns;

/// Endpoints' evolution ([`evolve`]): their decisions are the use cases' own checks.
pub(crate) struct Endpoints;

impl Evolve<EndpointState> for Endpoints {
    fn evolve_from(
        &self,
        state: Option<EndpointState>,
        event: &EndpointEvent,
    ) -> Option<EndpointState> {
        Some(evolve(state.unwrap_or_default(), event))
    }

    fn initial(&self, state: Option<EndpointState>) -> Option<EndpointState> {
        Some(state.unwrap_or_default())
    }
}

impl Aggregate for EndpointState {
    const KIND: AggregateKind = AggregateKind::WebhookEndpoint;
    type Event = EndpointEvent;

    fn event_type(event: &EndpointEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(event: &EndpointEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    /// `webhook_endpoint.disabled` when the server disables it (an operational event).
    fn notice(event: &EndpointEvent, _: &Self, _: &str) -> Option<Notice> {
        match event {
            EndpointEvent::Disabled { reason, .. } => {
                Some(Notice::new("webhook_endpoint.disabled", None).with("reason", reason))
            }
            _ => None,
        }
    }

    /// Its URL (not a secret: the tenant's own) and status; never its secrets.
    fn tenant_object(&self, key: &str, at: OffsetDateTime) -> serde_json::Value {
        let mut object =
            super::super::events::object_of_columns(Self::KIND, key, self.columns(key, at));
        if let Some(map) = object.as_object_mut() {
            map.insert("url".into(), self.config.url.clone().into());
        }
        object
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        let now = self.updated_at.unwrap_or(at);
        Columns {
            status: self.status().to_owned(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: self.created_at.unwrap_or(now),
            updated_at: now,
        }
    }
}
