//! Endpoint use cases: register, read, list, change, rotate the secret, delete.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::TenantId;
use crate::ports::{AggregateKind, ListQuery, StreamId, WebhookRoute};

use super::super::aggregates::endpoints::Endpoints;
use super::super::events::event_type;
use super::super::execute::Tx;
use super::super::{OutboundService, OutboundServiceError};
use super::model::{EndpointConfig, EndpointEvent, EndpointState, ROTATION_OVERLAP};
use super::{SECRET_PREFIX, secret_context};

/// A new endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    /// Its settings (`enabled` as given).
    pub config: EndpointConfig,
}

/// A change of an endpoint's settings: each field given replaces the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointPatch {
    /// The URL.
    pub url: Option<String>,
    /// The description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// The event types (empty: every type).
    pub event_types: Option<Vec<String>>,
    /// Enabled or not (enabling clears a disabling by the server).
    pub enabled: Option<bool>,
    /// Personal data unmasked or not.
    pub include_pii: Option<bool>,
    /// Per-session order or not.
    pub ordered: Option<bool>,
    /// Deliveries a second (`Some(None)` removes the limit).
    pub rate_limit_per_second: Option<Option<u32>>,
    /// Who is mailed when the server disables it (`Some(None)`: nobody).
    pub contact_email: Option<Option<String>>,
}

/// An endpoint as the API shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointView {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The tenant's own words.
    pub description: Option<String>,
    /// The event types it receives; empty: every type.
    pub event_types: Vec<String>,
    /// `active` or `disabled`.
    pub status: String,
    /// Whether it receives events.
    pub enabled: bool,
    /// Why the server disabled it (`410 Gone`, 5 days of failures).
    pub disabled_reason: Option<String>,
    /// Since when every delivery fails, while it does (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub failing_since: Option<OffsetDateTime>,
    /// Whether deliveries carry phone numbers and e-mail addresses unmasked.
    pub include_pii: bool,
    /// Whether a session's next event waits for its previous one.
    pub ordered: bool,
    /// The most deliveries a second.
    pub rate_limit_per_second: Option<u32>,
    /// Who is mailed when the server disables it.
    pub contact_email: Option<String>,
    /// When a rotated-out secret stops signing, during a rotation's overlap (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    /// When it was registered (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// When it last changed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

impl EndpointView {
    fn of(s: &EndpointState, now: OffsetDateTime) -> Self {
        Self {
            id: s.id.unwrap_or_default(),
            url: s.config.url.clone(),
            description: s.config.description.clone(),
            event_types: s.config.event_types.clone(),
            status: s.status().to_owned(),
            enabled: s.config.enabled,
            disabled_reason: s.disabled_reason.clone(),
            failing_since: s.failing_since,
            include_pii: s.config.include_pii,
            ordered: s.config.ordered,
            rate_limit_per_second: s.config.rate_limit_per_second,
            contact_email: s.config.contact_email.clone(),
            previous_secret_expires_at: s
                .secrets
                .iter()
                .filter_map(|x| x.expires_at)
                .find(|until| now < *until),
            created_at: s.created_at.unwrap_or(now),
            updated_at: s.updated_at.unwrap_or(now),
        }
    }
}

/// The route the store keeps for `state`.
pub(super) fn route_of(state: &EndpointState) -> WebhookRoute {
    WebhookRoute {
        endpoint: state.id.unwrap_or_default(),
        event_types: (!state.config.event_types.is_empty())
            .then(|| state.config.event_types.clone()),
        enabled: state.config.enabled,
        ordered: state.config.ordered,
        deleted: state.deleted,
    }
}

fn stream(id: Uuid) -> StreamId {
    StreamId::new(AggregateKind::WebhookEndpoint, id)
}

/// Checks settings: catalogued event types, a sane rate limit (the URL is the sender's to
/// check, before).
fn check(config: &EndpointConfig) -> Result<(), OutboundServiceError> {
    if let Some(unknown) = config.event_types.iter().find(|t| event_type(t).is_none()) {
        return Err(OutboundServiceError::InvalidEndpoint(format!(
            "unknown event type {unknown:?}: see the OpenAPI document's webhooks"
        )));
    }
    if let Some(email) = &config.contact_email
        && (email.len() > 254 || !email.contains('@') || email.chars().any(char::is_whitespace))
    {
        return Err(OutboundServiceError::InvalidEndpoint(
            "contact_email must be an e-mail address".into(),
        ));
    }
    if config.rate_limit_per_second == Some(0) {
        return Err(OutboundServiceError::InvalidEndpoint(
            "rate_limit_per_second must be at least 1".into(),
        ));
    }
    Ok(())
}

impl OutboundService {
    /// Checks `url` with the sender (scheme, host, no private destination unless allowed).
    ///
    /// # Errors
    /// [`OutboundServiceError::InvalidEndpoint`] with the reason.
    pub async fn check_url(&self, url: &str) -> Result<(), OutboundServiceError> {
        self.sender
            .check_url(url)
            .await
            .map_err(|e| OutboundServiceError::InvalidEndpoint(e.to_string()))
    }

    /// Registers an endpoint signing with `secret` (a fresh `whsec_` secret, shown once by
    /// the caller).
    ///
    /// # Errors
    /// [`OutboundServiceError::InvalidEndpoint`] for a refused URL or an unknown event type;
    /// store failures.
    pub async fn create_endpoint(
        &self,
        tenant: TenantId,
        input: EndpointInput,
        secret: &str,
    ) -> Result<EndpointView, OutboundServiceError> {
        check(&input.config)?;
        self.check_url(&input.config.url).await?;
        debug_assert!(secret.starts_with(SECRET_PREFIX));
        let id = self.core.ids.new_id();
        let sealed = hex::encode(
            self.secrets
                .encrypt(secret.as_bytes(), &secret_context(tenant, id)),
        );
        let at = self.core.clock.now();
        let input = &input;
        let sealed = &sealed;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let event = EndpointEvent::Created {
                    id,
                    config: input.config.clone(),
                    sealed_secret: sealed.clone(),
                    at,
                };
                let after = tx.apply(&Endpoints, id, vec![event])?;
                tx.route(route_of(&after));
                Ok(EndpointView::of(&after, at))
            })
        })
        .await
    }

    /// One endpoint of `tenant`.
    ///
    /// # Errors
    /// [`OutboundServiceError::EndpointNotFound`] (also for a deleted one); store failures.
    pub async fn endpoint(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<EndpointView, OutboundServiceError> {
        let state = self.load(tenant, id).await?;
        Ok(EndpointView::of(&state, self.core.clock.now()))
    }

    /// The endpoint's state, `EndpointNotFound` when absent or deleted.
    pub(super) async fn load(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<EndpointState, OutboundServiceError> {
        match self
            .core
            .load_versioned::<EndpointState>(tenant, &stream(id))
            .await?
        {
            Some(v) if !v.state.deleted => Ok(v.state),
            _ => Err(OutboundServiceError::EndpointNotFound),
        }
    }

    /// Every endpoint of `tenant` (at most 100), newest first.
    ///
    /// # Errors
    /// Store failures.
    pub async fn endpoints(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<EndpointView>, OutboundServiceError> {
        let query = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        let page = self
            .core
            .store
            .list(tenant, AggregateKind::WebhookEndpoint, &query)
            .await?;
        let now = self.core.clock.now();
        let mut views = Vec::with_capacity(page.items.len());
        for row in &page.items {
            let state: EndpointState = super::super::persist::state_of(row, &self.core.flows)?;
            if !state.deleted {
                views.push(EndpointView::of(&state, now));
            }
        }
        Ok(views)
    }

    /// Changes an endpoint's settings.
    ///
    /// # Errors
    /// [`OutboundServiceError::EndpointNotFound`]; [`OutboundServiceError::InvalidEndpoint`];
    /// store failures.
    pub async fn update_endpoint(
        &self,
        tenant: TenantId,
        id: Uuid,
        patch: EndpointPatch,
    ) -> Result<EndpointView, OutboundServiceError> {
        if let Some(url) = &patch.url {
            self.check_url(url).await?;
        }
        let patch = &patch;
        self.change(tenant, id, move |state, at| {
            let mut config = state.config.clone();
            let EndpointPatch {
                url,
                description,
                event_types,
                enabled,
                include_pii,
                ordered,
                rate_limit_per_second,
                contact_email,
            } = patch.clone();
            config.url = url.unwrap_or(config.url);
            config.description = description.unwrap_or(config.description);
            config.event_types = event_types.unwrap_or(config.event_types);
            config.enabled = enabled.unwrap_or(config.enabled);
            config.include_pii = include_pii.unwrap_or(config.include_pii);
            config.ordered = ordered.unwrap_or(config.ordered);
            config.rate_limit_per_second =
                rate_limit_per_second.unwrap_or(config.rate_limit_per_second);
            config.contact_email = contact_email.unwrap_or(config.contact_email);
            check(&config)?;
            Ok(vec![EndpointEvent::Updated { config, at }])
        })
        .await
    }

    /// Rotates the signing secret: `secret` (fresh, shown once by the caller) signs from now,
    /// and the previous one too for [`ROTATION_OVERLAP`] (24 hours).
    ///
    /// # Errors
    /// [`OutboundServiceError::EndpointNotFound`]; store failures.
    pub async fn rotate_secret(
        &self,
        tenant: TenantId,
        id: Uuid,
        secret: &str,
    ) -> Result<EndpointView, OutboundServiceError> {
        let sealed = hex::encode(
            self.secrets
                .encrypt(secret.as_bytes(), &secret_context(tenant, id)),
        );
        let sealed = &sealed;
        self.change(tenant, id, move |_, at| {
            Ok(vec![EndpointEvent::SecretRotated {
                sealed_secret: sealed.clone(),
                previous_until: at + ROTATION_OVERLAP,
                at,
            }])
        })
        .await
    }

    /// Deletes an endpoint: it receives nothing more, its pending messages go.
    ///
    /// # Errors
    /// [`OutboundServiceError::EndpointNotFound`]; store failures.
    pub async fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<(), OutboundServiceError> {
        self.change(tenant, id, |_, at| Ok(vec![EndpointEvent::Deleted { at }]))
            .await
            .map(|_| ())
    }

    /// Applies what `decide` makes of the endpoint's state and writes its route.
    async fn change(
        &self,
        tenant: TenantId,
        id: Uuid,
        decide: impl Fn(
            &EndpointState,
            OffsetDateTime,
        ) -> Result<Vec<EndpointEvent>, OutboundServiceError>
        + Send
        + Sync,
    ) -> Result<EndpointView, OutboundServiceError> {
        let decide = &decide;
        let at = self.core.clock.now();
        self.execute(tenant, |tx: &mut Tx<'_>| {
            Box::pin(async move {
                let state = tx
                    .load::<EndpointState>(id)
                    .await?
                    .filter(|s| !s.deleted)
                    .ok_or(OutboundServiceError::EndpointNotFound)?;
                let events = decide(&state, at)?;
                let after = tx.apply(&Endpoints, id, events)?;
                tx.route(route_of(&after));
                Ok(EndpointView::of(&after, at))
            })
        })
        .await
    }
}
