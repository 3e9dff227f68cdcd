//! End-user session tokens (P-TOK-1): `ort_<token id>_<secret>`, shown once; only a keyed hash
//! of the secret is stored. A token acts for one session of one tenant on one platform, is
//! refused after an hour idle, lives on when refreshed, and may be revoked; a tenant may link
//! two platforms so that a token of one is exchanged for a token of the other (MISSION.md A).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::decider::Decider;
use crate::ids::{SessionId, TenantId};
use crate::ports::{AggregateKind, StreamId};
use crate::token::{Platform, TokenCommand, TokenDecider, TokenId, TokenState, authorize};
use crate::verification::CodeHash;

use super::super::aggregates::end_users::Linking;
use super::super::execute::Tx;
use super::super::{EndUserService, EndUserServiceError};

/// The prefix of every end-user token.
pub const TOKEN_PREFIX: &str = "ort_";

/// A token just issued or refreshed: the only time its text is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    /// `ort_<token id>_<secret>`: the `Authorization: Bearer` value.
    pub token: String,
    /// The token's id (revocation, audit).
    pub token_id: String,
    /// The session it acts for.
    pub session_id: String,
    /// The platform it belongs to.
    pub platform: String,
    /// Seconds of inactivity after which it is refused (3600).
    pub idle_timeout_seconds: i64,
}

/// What a valid token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndUser {
    /// The tenant.
    pub tenant: TenantId,
    /// The session.
    pub session_id: SessionId,
    /// The platform.
    pub platform: Platform,
    /// The token.
    pub token_id: TokenId,
}

/// A tenant's linked platforms: pairs whose tokens may be exchanged for each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PlatformLinks {
    pub(crate) pairs: BTreeSet<(String, String)>,
}

/// The key of a tenant's [`PlatformLinks`] (a stream of the tokens' kind).
const PLATFORM_LINKS: &str = "platform-links";

fn token_stream(id: TokenId) -> StreamId {
    StreamId::new(AggregateKind::SessionToken, id.uuid())
}

/// Checks a platform name: 1 to 40 of `a-z`, `0-9`, `-`, `_`.
///
/// # Errors
/// [`EndUserServiceError::Validation`] naming `platform`.
pub fn parse_platform(name: &str) -> Result<Platform, EndUserServiceError> {
    let ok = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(Platform::new(name))
    } else {
        Err(EndUserServiceError::Validation(vec![
            crate::flow::FieldError {
                field: "platform".into(),
                code: crate::flow::FieldErrorCode::PatternMismatch,
                message: "a platform is 1 to 40 of a-z, 0-9, - and _".into(),
            },
        ]))
    }
}

impl EndUserService {
    fn token_decider(&self) -> TokenDecider {
        TokenDecider {
            idle_timeout: self.policy.token_idle_timeout,
        }
    }

    fn token_hash(&self, id: TokenId, secret: &str) -> CodeHash {
        let mut data = id.uuid().as_bytes().to_vec();
        data.extend_from_slice(secret.as_bytes());
        CodeHash(self.secrets.keyed_hash("session-token", &data))
    }

    fn new_secret(&self) -> String {
        // Two v7 ids' random bits are not secret enough alone; the keyed hash of fresh ids
        // gives 256 bits no one can predict without the server's key.
        let seed = [
            self.core.ids.new_id().as_bytes().to_vec(),
            self.core.ids.new_id().as_bytes().to_vec(),
        ]
        .concat();
        hex::encode(self.secrets.keyed_hash("session-token-secret", &seed))
    }

    /// Decides `command` on the token `id` as `tx` reads it and records its events.
    async fn token_command(
        &self,
        tx: &mut Tx<'_>,
        id: TokenId,
        command: &TokenCommand,
    ) -> Result<TokenState, EndUserServiceError> {
        let current = tx.load::<TokenState>(id.uuid()).await?.unwrap_or_default();
        let decider = self.token_decider();
        let events = decider
            .decide(&current, command)
            .map_err(|_| EndUserServiceError::TokenInvalid)?;
        Ok(tx.apply(&decider, id.uuid(), events)?)
    }

    /// Issues a new token for `session` on `platform` (another device: every device holds its
    /// own token).
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`](crate::app::CoreError::SessionNotFound).
    pub async fn issue_token(
        &self,
        tenant: TenantId,
        session: SessionId,
        platform: Platform,
    ) -> Result<IssuedToken, EndUserServiceError> {
        self.core.load_session(tenant, session).await?;
        let id = TokenId::new(self.core.ids.new_id());
        let secret = self.new_secret();
        let at = self.core.clock.now();
        let command = TokenCommand::Issue {
            token_id: id,
            tenant,
            session_id: session,
            platform: platform.clone(),
            token_hash: self.token_hash(id, &secret),
            at,
        };
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                self.token_command(tx, id, command).await?;
                Ok(())
            })
        })
        .await?;
        Ok(self.issued(id, &secret, session, &platform))
    }

    fn issued(
        &self,
        id: TokenId,
        secret: &str,
        session: SessionId,
        platform: &Platform,
    ) -> IssuedToken {
        IssuedToken {
            token: format!("{TOKEN_PREFIX}{}_{secret}", id.uuid().simple()),
            token_id: id.uuid().to_string(),
            session_id: session.to_string(),
            platform: platform.as_str().to_owned(),
            idle_timeout_seconds: self.policy.token_idle_timeout.whole_seconds(),
        }
    }

    /// Checks a bearer token presented on `platform` and records its use (at most every
    /// `token_touch_interval`): the grant it carries.
    ///
    /// # Errors
    /// [`EndUserServiceError::TokenInvalid`] for anything wrong (malformed, unknown, wrong secret, idle for
    /// more than an hour, revoked, another platform), without saying what.
    pub async fn authenticate_token(
        &self,
        bearer: &str,
        platform: &Platform,
    ) -> Result<EndUser, EndUserServiceError> {
        let (id, secret) = parse_token(bearer).ok_or(EndUserServiceError::TokenInvalid)?;
        let tenant = self
            .core
            .store
            .stream_owner(&token_stream(id))
            .await?
            .ok_or(EndUserServiceError::TokenInvalid)?;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<TokenState>(id.uuid())
                    .await?
                    .ok_or(EndUserServiceError::TokenInvalid)?;
                let hash = current
                    .token_hash
                    .ok_or(EndUserServiceError::TokenInvalid)?;
                if !hash.matches(&self.token_hash(id, secret)) {
                    return Err(EndUserServiceError::TokenInvalid);
                }
                let grant = current
                    .grant
                    .clone()
                    .ok_or(EndUserServiceError::TokenInvalid)?;
                let at = self.core.clock.now();
                authorize(
                    &self.token_decider(),
                    &current,
                    tenant,
                    platform,
                    grant.session_id,
                    at,
                )
                .map_err(|_| EndUserServiceError::TokenInvalid)?;
                let stale = current
                    .last_seen
                    .is_none_or(|seen| at - seen >= self.policy.token_touch_interval);
                if stale {
                    self.token_command(tx, id, &TokenCommand::Use { at })
                        .await?;
                }
                Ok(EndUser {
                    tenant,
                    session_id: grant.session_id,
                    platform: grant.platform,
                    token_id: id,
                })
            })
        })
        .await
    }

    /// Refreshes the token: a new secret for the same token, whose idle clock restarts; the old
    /// text stops working.
    ///
    /// # Errors
    /// [`EndUserServiceError::TokenInvalid`].
    pub async fn refresh_token(&self, user: &EndUser) -> Result<IssuedToken, EndUserServiceError> {
        let secret = self.new_secret();
        let secret = &secret;
        self.execute(user.tenant, |tx| {
            Box::pin(async move {
                if tx.load::<TokenState>(user.token_id.uuid()).await?.is_none() {
                    return Err(EndUserServiceError::TokenInvalid);
                }
                let command = TokenCommand::Refresh {
                    new_token_hash: self.token_hash(user.token_id, secret),
                    at: self.core.clock.now(),
                };
                self.token_command(tx, user.token_id, &command).await?;
                Ok(())
            })
        })
        .await?;
        Ok(self.issued(user.token_id, secret, user.session_id, &user.platform))
    }

    /// Revokes the token at once (this device only; the session's other tokens live on).
    ///
    /// # Errors
    /// [`EndUserServiceError::TokenInvalid`].
    pub async fn revoke_token(
        &self,
        tenant: TenantId,
        id: TokenId,
    ) -> Result<(), EndUserServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                if tx.load::<TokenState>(id.uuid()).await?.is_none() {
                    return Err(EndUserServiceError::TokenInvalid);
                }
                let command = TokenCommand::Revoke {
                    at: self.core.clock.now(),
                };
                self.token_command(tx, id, &command).await?;
                Ok(())
            })
        })
        .await
    }

    /// Declares platforms `a` and `b` linked: a token of one may be exchanged for one of the
    /// other (MISSION.md A's cross-platform sessions). Idempotent.
    ///
    /// # Errors
    /// Store failures.
    pub async fn link_platforms(
        &self,
        tenant: TenantId,
        a: &Platform,
        b: &Platform,
    ) -> Result<Vec<(String, String)>, EndUserServiceError> {
        let pair = ordered(a, b);
        let pair = &pair;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let current = tx
                    .load::<PlatformLinks>(PLATFORM_LINKS)
                    .await?
                    .unwrap_or_default();
                let after = if current.pairs.contains(pair) {
                    current
                } else {
                    tx.apply(&Linking, PLATFORM_LINKS, vec![pair.clone()])?
                };
                Ok(after.pairs.into_iter().collect())
            })
        })
        .await
    }

    /// Exchanges a token of one platform for a new token of a linked platform, for the same
    /// session (each platform keeps its own token and context).
    ///
    /// # Errors
    /// [`EndUserServiceError::PlatformsNotLinked`].
    pub async fn exchange_token(
        &self,
        user: &EndUser,
        to: Platform,
    ) -> Result<IssuedToken, EndUserServiceError> {
        let links = self
            .core
            .load_versioned::<PlatformLinks>(
                user.tenant,
                &StreamId::new(AggregateKind::SessionToken, PLATFORM_LINKS),
            )
            .await?
            .map(|v| v.state)
            .unwrap_or_default();
        if to == user.platform || !links.pairs.contains(&ordered(&user.platform, &to)) {
            return Err(EndUserServiceError::PlatformsNotLinked {
                from: user.platform.as_str().to_owned(),
                to: to.as_str().to_owned(),
            });
        }
        self.issue_token(user.tenant, user.session_id, to).await
    }
}

fn ordered(a: &Platform, b: &Platform) -> (String, String) {
    let (a, b) = (a.as_str().to_owned(), b.as_str().to_owned());
    if a <= b { (a, b) } else { (b, a) }
}

/// Splits `ort_<32 hex id>_<secret>`.
fn parse_token(text: &str) -> Option<(TokenId, &str)> {
    let rest = text.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id = uuid::Uuid::try_parse(id).ok()?;
    (!secret.is_empty() && secret.len() <= 128).then_some((TokenId::new(id), secret))
}
