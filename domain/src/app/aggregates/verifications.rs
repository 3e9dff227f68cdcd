//! Verifications, phone quotas, provider references of deliveries, circuit breakers.

use time::OffsetDateTime;

use crate::failover::{BreakerEvent, BreakerState};
use crate::ports::{AggregateKind, StoredEvent};
use crate::verification::{QuotaEvent, QuotaState, VerificationEvent, VerificationState};

use super::super::CoreError;
use super::super::catalog::FlowCatalog;
use super::super::events::{Notice, object_of_columns};
use super::super::execute::Aggregate;
use super::super::persist::{Columns, event_of};
use super::super::verifications::ProviderRefState;

impl Aggregate for VerificationState {
    const KIND: AggregateKind = AggregateKind::Verification;
    type Event = VerificationEvent;

    /// A verification is the pure fold of its events, and its state (the channel plan, every
    /// delivery and its provider) is rewritten by each of the four or five writes of a code
    /// sent and checked: stored every 16 events, it is stored at most once.
    const SNAPSHOT_EVERY: u64 = 16;

    /// Evolves with [`crate::verification::evolve`], which needs no policy.
    fn replay(
        state: Option<Self>,
        events: &[StoredEvent],
        _: &FlowCatalog,
    ) -> Result<Self, CoreError> {
        let mut state = state.unwrap_or_default();
        for stored in events {
            state = crate::verification::evolve(state, &event_of::<VerificationEvent>(stored)?);
        }
        Ok(state)
    }

    fn event_type(event: &VerificationEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(_: &VerificationEvent, after: &Self) -> Option<OffsetDateTime> {
        after.updated_at
    }

    /// `verification.{sent, failed, check_failed, approved, locked, expired}`; a provider's
    /// acceptance or a failover inside one delivery is not told (the delivery's outcome is).
    fn notice(event: &VerificationEvent, after: &Self, _: &str) -> Option<Notice> {
        let session = after.session_id.map(|s| s.to_string());
        let channel_of = |seq: &u32| {
            after
                .deliveries
                .iter()
                .find(|d| d.seq == *seq)
                .map(|d| d.channel)
        };
        Some(match event {
            VerificationEvent::CodeSent {
                channel, fallback, ..
            } => Notice::new("verification.sent", session)
                .with("channel", channel)
                .with("fallback", fallback)
                .with("to", after.phone.as_ref().map(ToString::to_string)),
            VerificationEvent::DeliveryFailed {
                seq,
                provider,
                reason,
                ..
            } => Notice::new("verification.failed", session)
                .with("channel", channel_of(seq))
                .with("provider", provider)
                .with("reason", reason),
            VerificationEvent::CheckFailed { failed_checks, .. } => {
                Notice::new("verification.check_failed", session)
                    .with("failed_checks", failed_checks)
            }
            VerificationEvent::Approved { .. } => {
                Notice::new("verification.approved", session).with("channel", after.channel())
            }
            VerificationEvent::Locked { .. } => Notice::new("verification.locked", session),
            VerificationEvent::Expired { .. } => Notice::new("verification.expired", session),
            _ => return None,
        })
    }

    /// The columns, with the session under its own name (the row keeps it as the external
    /// reference) and the channel of the last delivery.
    fn tenant_object(&self, key: &str, at: OffsetDateTime) -> serde_json::Value {
        let mut columns = self.columns(key, at);
        columns.session_id = columns.external_ref.take();
        let mut object = object_of_columns(Self::KIND, key, columns);
        if let (Some(map), Some(channel)) = (object.as_object_mut(), self.channel()) {
            map.insert("channel".into(), serde_json::json!(channel));
        }
        object
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status.as_str().to_string(),
            flow_id: None,
            phone: self.phone.as_ref().map(ToString::to_string),
            external_ref: self.session_id.map(|s| s.to_string()),
            session_id: None,
            created_at: self.created_at.unwrap_or(at),
            updated_at: at,
        }
    }
}

impl Aggregate for QuotaState {
    const KIND: AggregateKind = AggregateKind::PhoneQuota;
    type Event = QuotaEvent;

    fn event_type(_: &QuotaEvent) -> &'static str {
        "phone_quota.send_reserved"
    }

    fn event_at(event: &QuotaEvent, _: &Self) -> Option<OffsetDateTime> {
        let QuotaEvent::SendReserved { at } = event;
        Some(*at)
    }

    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: "active".into(),
            flow_id: None,
            phone: Some(key.to_string()),
            external_ref: None,
            session_id: None,
            created_at: self.sends.first().copied().unwrap_or(at),
            updated_at: at,
        }
    }
}

impl Aggregate for ProviderRefState {
    const KIND: AggregateKind = AggregateKind::ProviderRef;
    type Event = Self;

    /// A reference is its last record: stored every 16 events, its one write stores its row
    /// and its event only.
    const SNAPSHOT_EVERY: u64 = 16;

    /// The last record.
    fn replay(
        state: Option<Self>,
        events: &[StoredEvent],
        _: &FlowCatalog,
    ) -> Result<Self, CoreError> {
        match (events.last(), state) {
            (Some(last), _) => event_of(last),
            (None, Some(state)) => Ok(state),
            (None, None) => Err(CoreError::Corrupt(
                "a provider reference with no record".to_string(),
            )),
        }
    }

    fn event_type(_: &Self) -> &'static str {
        "provider_ref.recorded"
    }

    fn event_at(_: &Self, _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: "active".into(),
            flow_id: None,
            phone: None,
            external_ref: Some(self.verification_id.to_string()),
            session_id: None,
            created_at: at,
            updated_at: at,
        }
    }
}

impl Aggregate for BreakerState {
    const KIND: AggregateKind = AggregateKind::Breaker;
    type Event = BreakerEvent;

    fn event_type(event: &BreakerEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(_: &BreakerEvent, after: &Self) -> Option<OffsetDateTime> {
        after.updated_at
    }

    /// The key is `{provider}:{channel}`; the provider is the row's `external_ref`.
    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: self.status.as_str().into(),
            flow_id: None,
            phone: None,
            external_ref: key.split(':').next().map(str::to_string),
            session_id: None,
            created_at: at,
            updated_at: at,
        }
    }
}
