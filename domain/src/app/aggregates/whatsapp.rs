//! WhatsApp Business Accounts, WhatsApp references, conversations, and provider integrations.

use time::OffsetDateTime;

use crate::integration::{IntegrationEvent, IntegrationState, evolve as evolve_integration};
use crate::ports::AggregateKind;
use crate::waba::{WabaDecider, WabaEvent};

use super::super::events::Notice;
use super::super::execute::{Aggregate, Evolve};
use super::super::persist::Columns;
use super::super::whatsapp::accounts::{WabaRecord, WhatsAppTarget};
use super::super::whatsapp::conversation::{ConversationEvent, ConversationState, evolve};

/// A WhatsApp account's evolution: its decider's state inside the record, whose `updated_at`
/// follows the events (and `created_at` the first).
pub(crate) struct WabaRecords<'a>(pub &'a WabaDecider);

impl Evolve<WabaRecord> for WabaRecords<'_> {
    fn evolve_from(&self, record: Option<WabaRecord>, event: &WabaEvent) -> Option<WabaRecord> {
        let mut record = record.unwrap_or_default();
        record.state = crate::decider::Decider::evolve(self.0, record.state, event);
        record.updated_at = Some(event.at());
        record.created_at.get_or_insert(event.at());
        Some(record)
    }

    fn initial(&self, record: Option<WabaRecord>) -> Option<WabaRecord> {
        Some(record.unwrap_or_default())
    }
}

impl Aggregate for WabaRecord {
    const KIND: AggregateKind = AggregateKind::WabaAccount;
    type Event = WabaEvent;

    fn event_type(event: &WabaEvent) -> &'static str {
        event.event_type()
    }

    /// `whatsapp_account.{signup_started, submitted, activated, failed, approved, rejected,
    /// reviewed, quality_changed, updated}`: its state changes, quality and review.
    fn notice(event: &WabaEvent, after: &Self, _: &str) -> Option<Notice> {
        let session = after.session_id.map(|s| s.to_string());
        Some(match event {
            WabaEvent::SignupBegun { .. } => {
                Notice::new("whatsapp_account.signup_started", session)
            }
            WabaEvent::Submitted { .. } => Notice::new("whatsapp_account.submitted", session),
            WabaEvent::Activated { .. } => Notice::new("whatsapp_account.activated", session),
            WabaEvent::StepFailed { step, reason, .. } => {
                Notice::new("whatsapp_account.failed", session)
                    .with("step", step)
                    .with("reason", reason)
            }
            WabaEvent::Approved { .. } => Notice::new("whatsapp_account.approved", session),
            WabaEvent::Rejected { reason, .. } => {
                Notice::new("whatsapp_account.rejected", session).with("reason", reason)
            }
            WabaEvent::AccountReviewed { decision, .. } => {
                Notice::new("whatsapp_account.reviewed", session).with("decision", decision)
            }
            WabaEvent::QualityReported { mark, .. } => {
                Notice::new("whatsapp_account.quality_changed", session).with("rating", mark.rating)
            }
            WabaEvent::AccountUpdated { event, .. } => {
                Notice::new("whatsapp_account.updated", session).with("event", event)
            }
            _ => return None,
        })
    }

    fn event_at(event: &WabaEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        let now = self.updated_at.unwrap_or(at);
        Columns {
            status: self.state.status.as_str().to_owned(),
            flow_id: None,
            phone: self.bsp.as_ref().map(|b| b.phone.clone()),
            external_ref: self
                .state
                .signup
                .as_ref()
                .map(|i| i.waba_id.as_str().to_owned()),
            session_id: self.session_id.map(|s| s.to_string()),
            created_at: self.created_at.unwrap_or(now),
            updated_at: now,
        }
    }
}

impl Aggregate for WhatsAppTarget {
    const KIND: AggregateKind = AggregateKind::WhatsAppRef;
    type Event = Self;

    fn event_type(_: &Self) -> &'static str {
        "whatsapp_ref.recorded"
    }

    fn event_at(_: &Self, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    /// The key is `{provider}:{reference}`; the reference is the row's `external_ref`.
    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: "recorded".into(),
            flow_id: None,
            phone: None,
            external_ref: key.split_once(':').map(|(_, r)| r.to_owned()),
            session_id: None,
            created_at: at,
            updated_at: at,
        }
    }
}

/// A conversation's evolution ([`evolve`]).
pub(crate) struct Conversations;

impl Evolve<ConversationState> for Conversations {
    fn evolve_from(
        &self,
        state: Option<ConversationState>,
        event: &ConversationEvent,
    ) -> Option<ConversationState> {
        Some(evolve(state.unwrap_or_default(), event))
    }

    fn initial(&self, state: Option<ConversationState>) -> Option<ConversationState> {
        Some(state.unwrap_or_default())
    }
}

impl Aggregate for ConversationState {
    const KIND: AggregateKind = AggregateKind::Conversation;
    type Event = ConversationEvent;

    fn event_type(event: &ConversationEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(_: &ConversationEvent, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    /// The key is the session's (or the client account's) id.
    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: "open".into(),
            flow_id: None,
            phone: self.phone.clone(),
            external_ref: None,
            session_id: Some(key.to_owned()),
            created_at: self.created_at.unwrap_or(at),
            updated_at: at,
        }
    }
}

/// An integration's evolution ([`evolve_integration`]).
pub(crate) struct Integrations;

impl Evolve<IntegrationState> for Integrations {
    fn evolve_from(
        &self,
        state: Option<IntegrationState>,
        event: &IntegrationEvent,
    ) -> Option<IntegrationState> {
        Some(evolve_integration(state.unwrap_or_default(), event))
    }

    fn initial(&self, state: Option<IntegrationState>) -> Option<IntegrationState> {
        Some(state.unwrap_or_default())
    }
}

impl Aggregate for IntegrationState {
    const KIND: AggregateKind = AggregateKind::Integration;
    type Event = IntegrationEvent;

    fn event_type(event: &IntegrationEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(_: &IntegrationEvent, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: serde_json::to_value(self.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: self.updated_at.unwrap_or(at),
            updated_at: at,
        }
    }
}
