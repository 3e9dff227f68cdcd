//! A tenant's integration with a provider (issue 3, item 4; MISSION.md C): its credentials,
//! sealed with AES-256-GCM, and its health as last checked.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ports::ProviderId;

/// Where an integration stands, as `GET /v1/integrations` shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    /// Credentials stored, not checked yet.
    #[default]
    Pending,
    /// The last check succeeded.
    Connected,
    /// The last check failed.
    Error,
    /// Switched off by the tenant: the provider is left out of its chains.
    Disabled,
}

/// The folded state of one integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationState {
    /// The provider.
    pub provider: Option<ProviderId>,
    /// Status.
    pub status: IntegrationStatus,
    /// The credentials as JSON, AES-256-GCM ciphertext in hex (context
    /// [`credentials_context`]); never returned by the API.
    pub sealed_credentials: Option<String>,
    /// Names of the credential fields stored, for display.
    pub fields: Vec<String>,
    /// When it was last checked.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_check_at: Option<OffsetDateTime>,
    /// How long the last check's provider call took, milliseconds.
    pub last_response_ms: Option<u64>,
    /// The provider's error at the last check.
    pub last_error: Option<String>,
    /// When the credentials were last set.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
}

/// What happened to an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IntegrationEvent {
    /// Credentials were stored (sealed).
    CredentialsSet {
        /// The provider.
        provider: ProviderId,
        /// Sealed credentials (hex ciphertext).
        sealed: String,
        /// Field names.
        fields: Vec<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A health check ran.
    Checked {
        /// The error, None when connected.
        error: Option<String>,
        /// Response time, milliseconds.
        response_ms: u64,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The tenant disabled the integration.
    Disabled {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl IntegrationEvent {
    /// Dotted type name for the store.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::CredentialsSet { .. } => "integration.credentials_set",
            Self::Checked { .. } => "integration.checked",
            Self::Disabled { .. } => "integration.disabled",
        }
    }
}

/// Folds one event (total; cannot panic).
pub fn evolve(mut s: IntegrationState, event: &IntegrationEvent) -> IntegrationState {
    match event {
        IntegrationEvent::CredentialsSet {
            provider,
            sealed,
            fields,
            at,
        } => {
            s.provider = Some(*provider);
            s.status = IntegrationStatus::Pending;
            s.sealed_credentials = Some(sealed.clone());
            s.fields = fields.clone();
            s.last_error = None;
            s.updated_at = Some(*at);
        }
        IntegrationEvent::Checked {
            error,
            response_ms,
            at,
        } => {
            if s.status != IntegrationStatus::Disabled {
                s.status = if error.is_some() {
                    IntegrationStatus::Error
                } else {
                    IntegrationStatus::Connected
                };
            }
            s.last_error = error.clone();
            s.last_response_ms = Some(*response_ms);
            s.last_check_at = Some(*at);
        }
        IntegrationEvent::Disabled { at } => {
            s.status = IntegrationStatus::Disabled;
            s.updated_at = Some(*at);
        }
    }
    s
}

/// The AEAD context binding sealed credentials to their tenant and provider, so a ciphertext
/// copied to another tenant's row does not decrypt.
pub fn credentials_context(tenant: crate::ids::TenantId, provider: ProviderId) -> String {
    format!("integration:{tenant}:{provider}")
}
