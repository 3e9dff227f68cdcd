//! Authentication: tenants by secret API key (`Authorization: Bearer <key>`), the admin API by
//! `ONRAMP_ADMIN_TOKEN`. Keys are stored only as keyed hashes (HMAC-SHA256 under a server key
//! derived from the master key): the database alone can neither reveal nor confirm a key.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Secrets, Tenant, TenantStore};
use rand::RngExt;
use subtle::ConstantTimeEq;

use crate::problem::ApiError;
use crate::state::AppState;

/// Prefix of every API key, so leaked keys are recognisable by secret scanners.
pub const API_KEY_PREFIX: &str = "onr_sk_";

/// How long a verified key is remembered in memory before the store is asked again.
const CACHE_TTL: Duration = Duration::from_secs(60);

/// The authenticated tenant of a request, put in its extensions by [`require_tenant`].
#[derive(Debug, Clone)]
pub struct TenantContext {
    /// Tenant id.
    pub id: TenantId,
    /// Tenant name.
    pub name: String,
}

/// A new API key: the prefix and 32 random bytes, base64url (43 characters).
pub fn generate_api_key() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "{API_KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of an API key: hex of its keyed hash.
pub fn hash_api_key(secrets: &dyn Secrets, key: &str) -> String {
    hex::encode(secrets.keyed_hash("api-key", key.as_bytes()))
}

/// Keyed hash of the admin token, for constant-time comparison.
pub fn hash_admin_token(secrets: &dyn Secrets, token: &str) -> [u8; 32] {
    hash_bearer_token(secrets, "admin", token)
}

/// Keyed hash of a server-wide bearer token, `ONRAMP_{WHAT}_TOKEN` (`what`: `admin`,
/// `metrics`), for constant-time comparison; purpose `{what}-token`.
pub fn hash_bearer_token(secrets: &dyn Secrets, what: &str, token: &str) -> [u8; 32] {
    secrets.keyed_hash(&format!("{what}-token"), token.as_bytes())
}

/// Recently verified key hashes. Only successful look-ups are kept, for [`CACHE_TTL`], so a
/// tenant created on another replica is found at once and a revoked key stops within a minute.
#[derive(Debug, Default)]
pub struct TenantCache {
    entries: RwLock<HashMap<String, (TenantContext, Instant)>>,
}

impl TenantCache {
    fn get(&self, hash: &str) -> Option<TenantContext> {
        let entries = self.entries.read().ok()?;
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(t, _)| t.clone())
    }

    fn put(&self, hash: String, tenant: TenantContext) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            }
            entries.insert(hash, (tenant, Instant::now()));
        }
    }
}

/// The header naming the platform an end user's request comes from (`web`, `partner-app`).
pub const PLATFORM_HEADER: &str = "x-onramp-platform";

/// Middleware for the end-user routes: checks the `Authorization: Bearer ort_…` session token
/// for the platform named by `X-Onramp-Platform` (P-TOK-1) and hands the grant to the
/// handler, or answers 401 `SESSION_TOKEN_INVALID`.
pub async fn require_end_user(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let invalid = |m: &str| ApiError::SessionTokenInvalid(m.into());
    let token = bearer(&req)
        .ok_or_else(|| invalid("send the session token as Authorization: Bearer <token>"))?
        .to_owned();
    let platform = req
        .headers()
        .get(PLATFORM_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| invalid("name the platform in the X-Onramp-Platform header"))?;
    let platform = onramp_domain::app::end_users::tokens::parse_platform(platform)
        .map_err(|_| invalid("X-Onramp-Platform is not a platform name"))?;
    let user = state
        .services
        .end_users
        .authenticate_token(&token, &platform)
        .await
        .map_err(ApiError::from)?;
    tracing::Span::current().record("tenant_id", tracing::field::display(user.tenant));
    req.extensions_mut().insert(user);
    Ok(next.run(req).await)
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware: resolves the tenant of the API key or answers 401 `UNAUTHORIZED`.
pub async fn require_tenant(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let key = bearer(&req).ok_or_else(|| {
        ApiError::Unauthorized("send the tenant API key as Authorization: Bearer <key>".into())
    })?;
    let hash = hash_api_key(state.services.secrets.as_ref(), key);
    let tenant = match state.tenant_cache.get(&hash) {
        Some(t) => t,
        None => {
            let found: Option<Tenant> = state
                .store
                .tenant_by_key_hash(&hash)
                .await
                .map_err(ApiError::from)?;
            let t = found.ok_or_else(|| ApiError::Unauthorized("unknown API key".into()))?;
            let ctx = TenantContext {
                id: t.id,
                name: t.name,
            };
            state.tenant_cache.put(hash, ctx.clone());
            ctx
        }
    };
    tracing::Span::current().record("tenant_id", tracing::field::display(tenant.id));
    req.extensions_mut().insert(tenant);
    Ok(next.run(req).await)
}

/// Middleware: the admin API needs `Authorization: Bearer $ONRAMP_ADMIN_TOKEN`.
pub async fn require_admin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let expected = state.admin_token_hash.ok_or_else(|| {
        ApiError::Unauthorized("the admin API is disabled: set ONRAMP_ADMIN_TOKEN".into())
    })?;
    check_bearer(&state, &req, &expected, "admin")?;
    Ok(next.run(req).await)
}

/// Checks that `req` carries `Authorization: Bearer <token>` whose [`hash_bearer_token`] is
/// `expected`, compared in constant time.
///
/// # Errors
/// 401 `UNAUTHORIZED` naming `ONRAMP_{WHAT}_TOKEN` when the header is missing, `wrong {what}
/// token` when it does not match.
pub(crate) fn check_bearer(
    state: &AppState,
    req: &Request,
    expected: &[u8; 32],
    what: &str,
) -> Result<(), ApiError> {
    let token = bearer(req).ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "send Authorization: Bearer <ONRAMP_{}_TOKEN>",
            what.to_uppercase()
        ))
    })?;
    let given = hash_bearer_token(state.services.secrets.as_ref(), what, token);
    if !bool::from(given.ct_eq(expected)) {
        return Err(ApiError::Unauthorized(format!("wrong {what} token")));
    }
    Ok(())
}
