//! Customer accounts: opened exactly once per paid order or converted trial (P-PAY-1, MISSION.md
//! E.1), with the plan bought and a status that follows the payment.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{CustomerId, OrderId, SessionId, TrialId};

/// An account's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Paid and in use.
    #[default]
    Active,
    /// A payment is late (the subscription is past due).
    PastDue,
    /// Closed: refunded or canceled.
    Closed,
}

impl AccountStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Closed => "closed",
        }
    }
}

/// What paid for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AccountSource {
    /// A captured order.
    Order(OrderId),
    /// A converted trial.
    Trial(TrialId),
}

/// The folded state of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerState {
    /// Its id.
    pub id: Option<CustomerId>,
    /// The plan bought.
    pub plan: String,
    /// Status.
    pub status: AccountStatus,
    /// What paid for it.
    pub source: Option<AccountSource>,
    /// The onboarding session it came from.
    pub session_id: Option<SessionId>,
    /// E-mail, when known.
    pub email: Option<String>,
    /// The tenant's reference.
    pub external_ref: Option<String>,
    /// When it was opened.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub opened_at: Option<OffsetDateTime>,
}

/// Something that happened to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CustomerEvent {
    /// Opened.
    Opened {
        /// Id.
        id: CustomerId,
        /// Plan.
        plan: String,
        /// Initial status.
        status: AccountStatus,
        /// Source.
        source: AccountSource,
        /// Session.
        session_id: Option<SessionId>,
        /// E-mail.
        email: Option<String>,
        /// Reference.
        external_ref: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The status changed with the payment.
    StatusChanged {
        /// New status.
        status: AccountStatus,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl CustomerEvent {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Opened { .. } => "customer.opened",
            Self::StatusChanged { .. } => "customer.status_changed",
        }
    }
}

/// Folds one account event.
pub fn evolve(mut s: CustomerState, event: &CustomerEvent) -> CustomerState {
    match event {
        CustomerEvent::Opened {
            id,
            plan,
            status,
            source,
            session_id,
            email,
            external_ref,
            at,
        } => {
            s.id = Some(*id);
            s.plan = plan.clone();
            s.status = *status;
            s.source = Some(*source);
            s.session_id = *session_id;
            s.email = email.clone();
            s.external_ref = external_ref.clone();
            s.opened_at = Some(*at);
        }
        CustomerEvent::StatusChanged { status, .. } => s.status = *status,
    }
    s
}
