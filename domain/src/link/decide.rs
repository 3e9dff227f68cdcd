//! The `ChannelLink` decider (P-LNK-1 in spec/properties.md).

use time::Duration;

use super::model::*;
use crate::decider::Decider;

/// The link decider; it carries the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkDecider {
    /// How long a code may be used after it was asked for ([`DEFAULT_LINK_TTL`]); exactly `ttl`
    /// old is still in time.
    pub ttl: Duration,
    /// Wrong attempts that lock a code ([`DEFAULT_MAX_WRONG`]).
    pub max_wrong: u32,
}

impl Default for LinkDecider {
    fn default() -> Self {
        Self {
            ttl: DEFAULT_LINK_TTL,
            max_wrong: DEFAULT_MAX_WRONG,
        }
    }
}

impl Decider for LinkDecider {
    type State = LinkState;
    type Command = LinkCommand;
    type Event = LinkEvent;
    type Error = LinkError;

    /// A wrong code is accepted as a fact (`WrongCode`, then `Locked` at the limit) so attempts
    /// are counted; the app answers the user with an error then.
    fn decide(&self, s: &LinkState, command: &LinkCommand) -> Result<Vec<LinkEvent>, LinkError> {
        match command {
            LinkCommand::Request {
                session_id,
                code_hash,
                at,
            } => Ok(vec![LinkEvent::CodeRequested {
                session_id: *session_id,
                code_hash: *code_hash,
                at: *at,
            }]),
            LinkCommand::Verify { code_hash, at } => {
                let code = s.code.as_ref().ok_or(LinkError::NoCode)?;
                if code.used {
                    return Err(LinkError::AlreadyUsed);
                }
                if code.locked {
                    return Err(LinkError::Locked);
                }
                if *at - code.requested_at > self.ttl {
                    return Err(LinkError::Expired);
                }
                if code.code_hash.matches(code_hash) {
                    return Ok(vec![LinkEvent::Linked {
                        session_id: code.session_id,
                        at: *at,
                    }]);
                }
                let attempts = code.wrong + 1;
                let mut events = vec![LinkEvent::WrongCode { attempts, at: *at }];
                if attempts >= self.max_wrong {
                    events.push(LinkEvent::Locked { at: *at });
                }
                Ok(events)
            }
        }
    }

    fn evolve(&self, mut s: LinkState, event: &LinkEvent) -> LinkState {
        match event {
            LinkEvent::CodeRequested {
                session_id,
                code_hash,
                at,
            } => {
                s.code = Some(LinkCode {
                    session_id: *session_id,
                    code_hash: *code_hash,
                    requested_at: *at,
                    wrong: 0,
                    locked: false,
                    used: false,
                });
            }
            LinkEvent::WrongCode { attempts, .. } => {
                if let Some(code) = s.code.as_mut() {
                    code.wrong = *attempts;
                }
            }
            LinkEvent::Locked { .. } => {
                if let Some(code) = s.code.as_mut() {
                    code.locked = true;
                }
            }
            LinkEvent::Linked { session_id, .. } => {
                if let Some(code) = s.code.as_mut() {
                    code.used = true;
                }
                s.linked.push(*session_id);
            }
        }
        s
    }
}
