//! End-user tokens, a tenant's linked platforms, channel link codes.

use time::OffsetDateTime;

use crate::link::{LinkEvent, LinkState};
use crate::ports::AggregateKind;
use crate::token::{TokenDecider, TokenEvent, TokenState};

use super::super::end_users::tokens::PlatformLinks;
use super::super::execute::{Aggregate, Evolve};
use super::super::persist::Columns;

impl Aggregate for TokenState {
    const KIND: AggregateKind = AggregateKind::SessionToken;
    type Event = TokenEvent;

    fn event_type(event: &TokenEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(event: &TokenEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    /// The status as of the write: a token is written when issued, used, refreshed or revoked,
    /// so it is never idle then (an idle token is refused before any write).
    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        let never_idle = TokenDecider {
            idle_timeout: time::Duration::MAX,
        };
        Columns {
            status: never_idle.status(self, at).as_str().into(),
            flow_id: None,
            phone: None,
            external_ref: self.grant.as_ref().map(|g| g.platform.as_str().to_owned()),
            session_id: self.grant.as_ref().map(|g| g.session_id.to_string()),
            created_at: at,
            updated_at: at,
        }
    }
}

/// A tenant's linked platforms' evolution: each event is one more pair.
pub(crate) struct Linking;

impl Evolve<PlatformLinks> for Linking {
    fn evolve_from(
        &self,
        state: Option<PlatformLinks>,
        pair: &(String, String),
    ) -> Option<PlatformLinks> {
        let mut links = state.unwrap_or_default();
        links.pairs.insert(pair.clone());
        Some(links)
    }

    fn initial(&self, state: Option<PlatformLinks>) -> Option<PlatformLinks> {
        Some(state.unwrap_or_default())
    }
}

impl Aggregate for PlatformLinks {
    /// One stream of the tokens' kind, keyed `platform-links`.
    const KIND: AggregateKind = AggregateKind::SessionToken;
    type Event = (String, String);

    fn event_type(_: &(String, String)) -> &'static str {
        "platforms.linked"
    }

    fn event_at(_: &(String, String), _: &Self) -> Option<OffsetDateTime> {
        None
    }

    fn columns(&self, _: &str, at: OffsetDateTime) -> Columns {
        Columns {
            status: "linked".into(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: at,
            updated_at: at,
        }
    }
}

impl Aggregate for LinkState {
    const KIND: AggregateKind = AggregateKind::ChannelLink;
    type Event = LinkEvent;

    fn event_type(event: &LinkEvent) -> &'static str {
        event.event_type()
    }

    fn event_at(event: &LinkEvent, _: &Self) -> Option<OffsetDateTime> {
        Some(event.at())
    }

    /// The key is the phone number (E.164).
    fn columns(&self, key: &str, at: OffsetDateTime) -> Columns {
        let pending = self.code.as_ref().is_some_and(|c| !c.used && !c.locked);
        Columns {
            status: if pending { "pending" } else { "idle" }.into(),
            flow_id: None,
            phone: Some(key.to_owned()),
            external_ref: None,
            session_id: self.code.as_ref().map(|c| c.session_id.to_string()),
            created_at: at,
            updated_at: at,
        }
    }
}
