//! The session token decider and its authorization check (P-TOK-1 in spec/properties.md).

use time::{Duration, OffsetDateTime};

use super::model::*;
use crate::decider::Decider;
use crate::ids::{SessionId, TenantId};

/// The token decider; it carries the idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDecider {
    /// A token unused for longer than this is refused ([`DEFAULT_IDLE_TIMEOUT`]); exactly
    /// `idle_timeout` idle is still in time.
    pub idle_timeout: Duration,
}

impl Default for TokenDecider {
    fn default() -> Self {
        Self {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

impl TokenDecider {
    /// The token's status at `at`.
    pub fn status(&self, s: &TokenState, at: OffsetDateTime) -> TokenStatus {
        match (&s.grant, s.last_seen) {
            (None, _) | (_, None) => TokenStatus::NotIssued,
            _ if s.revoked => TokenStatus::Revoked,
            (Some(_), Some(seen)) if at - seen > self.idle_timeout => TokenStatus::Expired,
            _ => TokenStatus::Active,
        }
    }

    /// Refuses a token that is not usable at `at`.
    fn usable(&self, s: &TokenState, at: OffsetDateTime) -> Result<(), TokenError> {
        match self.status(s, at) {
            TokenStatus::Active => Ok(()),
            TokenStatus::NotIssued => Err(TokenError::NotFound),
            TokenStatus::Expired => Err(TokenError::Expired),
            TokenStatus::Revoked => Err(TokenError::Revoked),
        }
    }
}

/// Whether the token may act for `tenant`'s `session` on `platform` at `at`: it must be
/// issued, not revoked, not idle longer than the decider's timeout, and bound to exactly that
/// tenant, platform and session. Checking does not touch the token (record a `Use` for that).
///
/// # Errors
/// `NotFound`, `Revoked`, `Expired`, or `Mismatch("tenant" | "platform" | "session")`.
pub fn authorize(
    decider: &TokenDecider,
    state: &TokenState,
    tenant: TenantId,
    platform: &Platform,
    session: SessionId,
    at: OffsetDateTime,
) -> Result<(), TokenError> {
    let grant = state.grant.as_ref().ok_or(TokenError::NotFound)?;
    if grant.tenant != tenant {
        return Err(TokenError::Mismatch("tenant"));
    }
    if &grant.platform != platform {
        return Err(TokenError::Mismatch("platform"));
    }
    if grant.session_id != session {
        return Err(TokenError::Mismatch("session"));
    }
    decider.usable(state, at)
}

impl Decider for TokenDecider {
    type State = TokenState;
    type Command = TokenCommand;
    type Event = TokenEvent;
    type Error = TokenError;

    fn decide(
        &self,
        s: &TokenState,
        command: &TokenCommand,
    ) -> Result<Vec<TokenEvent>, TokenError> {
        match command {
            TokenCommand::Issue {
                token_id,
                tenant,
                session_id,
                platform,
                token_hash,
                at,
            } => {
                if s.grant.is_some() {
                    return Err(TokenError::AlreadyIssued);
                }
                Ok(vec![TokenEvent::Issued {
                    grant: TokenGrant {
                        token_id: *token_id,
                        tenant: *tenant,
                        session_id: *session_id,
                        platform: platform.clone(),
                    },
                    token_hash: *token_hash,
                    at: *at,
                }])
            }
            TokenCommand::Use { at } => {
                self.usable(s, *at)?;
                Ok(vec![TokenEvent::Used { at: *at }])
            }
            TokenCommand::Refresh { new_token_hash, at } => {
                self.usable(s, *at)?;
                Ok(vec![TokenEvent::Refreshed {
                    token_hash: *new_token_hash,
                    at: *at,
                }])
            }
            TokenCommand::Revoke { at } => {
                if s.grant.is_none() {
                    return Err(TokenError::NotFound);
                }
                Ok(if s.revoked {
                    vec![]
                } else {
                    vec![TokenEvent::Revoked { at: *at }]
                })
            }
        }
    }

    fn evolve(&self, mut s: TokenState, event: &TokenEvent) -> TokenState {
        // The idle window counts from the latest activity, whatever order times arrive in.
        let seen = |s: &TokenState, at: OffsetDateTime| Some(s.last_seen.map_or(at, |l| l.max(at)));
        match event {
            TokenEvent::Issued {
                grant,
                token_hash,
                at,
            } => {
                s.grant = Some(grant.clone());
                s.token_hash = Some(*token_hash);
                s.last_seen = seen(&s, *at);
            }
            TokenEvent::Used { at } => s.last_seen = seen(&s, *at),
            TokenEvent::Refreshed { token_hash, at } => {
                s.token_hash = Some(*token_hash);
                s.refreshes += 1;
                s.last_seen = seen(&s, *at);
            }
            TokenEvent::Revoked { .. } => s.revoked = true,
        }
        s
    }
}
