//! What a payment provider's webhook reports, once verified and parsed by its adapter.

use serde::{Deserialize, Serialize};

use super::{CaptureInfo, SubscriptionStatus};

/// What a payment provider's webhook reports, once verified and parsed by its adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentReport {
    /// `customer.subscription.*` and `invoice.*`: the subscription's status as of `created`.
    Subscription {
        /// `sub_…`.
        subscription: String,
        /// The status this event implies: the subscription's own status, `active` for a paid
        /// renewal invoice (`invoice.paid` with `billing_reason` `subscription_cycle`),
        /// `past_due` for `invoice.payment_failed`; `None` for events that change nothing
        /// (a $0 first invoice).
        status: Option<SubscriptionStatus>,
        /// `customer.subscription.trial_will_end`.
        trial_will_end: bool,
        /// The event's `created`, unix seconds: reports are ordered by it, not by arrival.
        created: i64,
    },
    /// `setup_intent.*`: kept for the audit trail.
    SetupIntent {
        /// `seti_…`.
        setup_intent: String,
        /// The SetupIntent's status (`succeeded`, `requires_payment_method`, `canceled`, ...).
        status: String,
        /// The event's `created`, unix seconds.
        created: i64,
    },
    /// PayPal order and capture events.
    Order {
        /// The provider's order id (for captures, `supplementary_data.related_ids.order_id`);
        /// for a refund that names only its capture, the capture id (Onramp records both as
        /// references of the order when it captures).
        reference: String,
        /// What happened.
        event: OrderEvent,
        /// The event's `create_time`, unix seconds.
        created: i64,
    },
}

impl PaymentReport {
    /// The provider reference webhooks are routed by: the subscription, SetupIntent or order.
    pub fn provider_ref(&self) -> &str {
        match self {
            Self::Subscription { subscription, .. } => subscription,
            Self::SetupIntent { setup_intent, .. } => setup_intent,
            Self::Order { reference, .. } => reference,
        }
    }
}

/// An order event reported by the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    /// `CHECKOUT.ORDER.APPROVED`: the buyer approved; capture may follow.
    Approved,
    /// `PAYMENT.CAPTURE.COMPLETED`.
    CaptureCompleted {
        /// The capture.
        capture: CaptureInfo,
    },
    /// `PAYMENT.CAPTURE.PENDING`.
    CapturePending {
        /// The capture id.
        capture_id: String,
    },
    /// `PAYMENT.CAPTURE.DENIED` (or `DECLINED`).
    CaptureDenied {
        /// The capture id.
        capture_id: String,
    },
    /// `PAYMENT.CAPTURE.REFUNDED`.
    CaptureRefunded {
        /// The capture id.
        capture_id: String,
    },
}
