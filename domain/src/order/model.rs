//! The `PaymentOrder` aggregate's data.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::flow::StepId;
use crate::ids::{CustomerId, OrderId, SessionId};
use crate::money::Money;
use crate::ports::{CaptureInfo, ProviderId};

/// How long a buyer has to approve an order: PayPal's payer approval window is 6 hours by
/// default (PROVIDERS.md section 2, doc/models/order.md).
pub const APPROVAL_WINDOW: time::Duration = time::Duration::hours(6);

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created at the provider; waiting for the buyer's approval.
    #[default]
    Created,
    /// Approved by the buyer: it may be captured.
    Approved,
    /// Not approved within the window.
    Expired,
    /// A capture is held by the provider.
    CapturePending,
    /// The capture was denied or failed.
    CaptureDenied,
    /// The captured amount differs from the order's (P-PAY-2): no account; needs review.
    AmountMismatch,
    /// Captured: the customer account is open (P-PAY-1).
    Captured,
    /// Refunded after the capture: the account is closed.
    Refunded,
}

impl OrderStatus {
    /// Whether an order in this status keeps its session step's checkout: every status but
    /// the ones that can never be captured any more (expired, capture denied), after which the
    /// step may have a new order.
    pub fn holds_its_step(self) -> bool {
        !matches!(self, Self::Expired | Self::CaptureDenied)
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Approved => "approved",
            Self::Expired => "expired",
            Self::CapturePending => "capture_pending",
            Self::CaptureDenied => "capture_denied",
            Self::AmountMismatch => "amount_mismatch",
            Self::Captured => "captured",
            Self::Refunded => "refunded",
        }
    }
}

/// The folded state of one order. Every field after the order's terms only ever moves one way
/// (a flag set, a capture recorded once), so any permutation of the provider's events, with
/// duplicates, folds to the same state (P-WH-1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    /// Its id; `None` before `Create`.
    pub id: Option<OrderId>,
    /// The session it pays for, when any.
    pub session_id: Option<SessionId>,
    /// The `paypal_checkout` step, when any.
    pub step: Option<StepId>,
    /// The plan bought.
    pub plan: String,
    /// The amount to capture.
    pub amount: Option<Money>,
    /// The buyer's e-mail, when known.
    pub email: Option<String>,
    /// The tenant's reference.
    pub external_ref: Option<String>,
    /// The provider.
    pub provider: Option<ProviderId>,
    /// The provider's order id.
    pub provider_order: Option<String>,
    /// Where the buyer approves.
    pub approve_url: Option<String>,
    /// Approval deadline.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub expires_at: Option<OffsetDateTime>,
    /// Approved by the buyer.
    pub approved: bool,
    /// The approval window passed before an approval or a capture.
    pub expired: bool,
    /// The completed capture (the first one reported; a provider captures an order once).
    pub capture: Option<CaptureInfo>,
    /// A pending capture was reported.
    pub pending: bool,
    /// A capture was denied.
    pub denied: bool,
    /// The capture was refunded.
    pub refunded: bool,
    /// The account opened for this order (exactly once, P-PAY-1).
    pub account: Option<CustomerId>,
}

impl OrderState {
    /// The status, derived from the one-way facts.
    pub fn status(&self) -> OrderStatus {
        let matches = self
            .capture
            .as_ref()
            .zip(self.amount.as_ref())
            .map(|(c, a)| c.amount == *a);
        match matches {
            _ if self.refunded => OrderStatus::Refunded,
            Some(true) => OrderStatus::Captured,
            Some(false) => OrderStatus::AmountMismatch,
            None if self.denied => OrderStatus::CaptureDenied,
            None if self.pending => OrderStatus::CapturePending,
            None if self.expired => OrderStatus::Expired,
            None if self.approved => OrderStatus::Approved,
            None => OrderStatus::Created,
        }
    }
}

/// What the provider (or the sandbox) says about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderFact {
    /// The buyer approved.
    Approved,
    /// A capture completed (from the capture call's answer or the webhook).
    Captured(CaptureInfo),
    /// A capture is pending.
    Pending,
    /// A capture was denied or failed.
    Denied,
    /// The capture was refunded.
    Refunded,
}

/// An intention about an order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderCommand {
    /// Record an order created at the provider.
    Create {
        /// New id.
        order: OrderId,
        /// Session, when it pays for one.
        session: Option<SessionId>,
        /// Step.
        step: Option<StepId>,
        /// Plan.
        plan: String,
        /// Amount.
        amount: Money,
        /// E-mail.
        email: Option<String>,
        /// Tenant's reference.
        external_ref: Option<String>,
        /// Provider.
        provider: ProviderId,
        /// Provider's order id.
        provider_order: String,
        /// Approval link.
        approve_url: String,
        /// Now.
        at: OffsetDateTime,
    },
    /// Record what the provider says.
    Apply {
        /// The fact.
        fact: OrderFact,
        /// The account to open if this is the capture.
        account: CustomerId,
        /// Now.
        at: OffsetDateTime,
    },
    /// The approval timer.
    Expire {
        /// Now.
        at: OffsetDateTime,
    },
}

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    /// Created at the provider.
    Created {
        /// Id.
        order: OrderId,
        /// Session.
        session: Option<SessionId>,
        /// Step.
        step: Option<StepId>,
        /// Plan.
        plan: String,
        /// Amount.
        amount: Money,
        /// E-mail.
        email: Option<String>,
        /// Reference.
        external_ref: Option<String>,
        /// Provider.
        provider: ProviderId,
        /// Provider's order id.
        provider_order: String,
        /// Approval link.
        approve_url: String,
        /// Approval deadline.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Approved by the buyer.
    Approved {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Not approved in time.
    Expired {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A capture completed.
    CaptureCompleted {
        /// The capture.
        capture: CaptureInfo,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A capture is pending.
    CapturePending {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A capture was denied.
    CaptureDenied {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Refunded.
    Refunded {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The customer account was opened (once per order, P-PAY-1).
    AccountOpened {
        /// The account.
        account: CustomerId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl OrderEvent {
    /// The stored type name, `order.<snake_case>`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "order.created",
            Self::Approved { .. } => "order.approved",
            Self::Expired { .. } => "order.expired",
            Self::CaptureCompleted { .. } => "order.capture_completed",
            Self::CapturePending { .. } => "order.capture_pending",
            Self::CaptureDenied { .. } => "order.capture_denied",
            Self::Refunded { .. } => "order.refunded",
            Self::AccountOpened { .. } => "order.account_opened",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Created { at, .. }
            | Self::Approved { at }
            | Self::Expired { at }
            | Self::CaptureCompleted { at, .. }
            | Self::CapturePending { at }
            | Self::CaptureDenied { at }
            | Self::Refunded { at }
            | Self::AccountOpened { at, .. } => *at,
        }
    }
}

/// Why an order command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order does not exist.
    #[error("the order does not exist")]
    NotFound,
    /// `Create` on an existing order.
    #[error("the order exists already")]
    AlreadyCreated,
}

/// The state of a session step's order claim: the order that holds the step's checkout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderClaim {
    /// The order holding the step.
    pub order: Option<crate::ids::OrderId>,
}
