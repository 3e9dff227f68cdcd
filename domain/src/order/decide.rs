//! The `PaymentOrder` decider: created → approved → captured → one customer account
//! (P-PAY-1, P-PAY-2, P-WH-1 in spec/properties.md).

use crate::decider::Decider;
use crate::ports::CaptureStatus;

use super::model::*;

/// The order decider.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderDecider;

impl Decider for OrderDecider {
    type State = OrderState;
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;

    fn decide(
        &self,
        s: &OrderState,
        command: &OrderCommand,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        match command {
            OrderCommand::Create {
                order,
                session,
                step,
                plan,
                amount,
                email,
                external_ref,
                provider,
                provider_order,
                approve_url,
                at,
            } => {
                if s.id.is_some() {
                    return Err(OrderError::AlreadyCreated);
                }
                Ok(vec![OrderEvent::Created {
                    order: *order,
                    session: *session,
                    step: step.clone(),
                    plan: plan.clone(),
                    amount: amount.clone(),
                    email: email.clone(),
                    external_ref: external_ref.clone(),
                    provider: *provider,
                    provider_order: provider_order.clone(),
                    approve_url: approve_url.clone(),
                    expires_at: *at + APPROVAL_WINDOW,
                    at: *at,
                }])
            }
            _ if s.id.is_none() => Err(OrderError::NotFound),
            OrderCommand::Apply { fact, account, at } => Ok(apply(s, fact, *account, *at)),
            OrderCommand::Expire { at } => {
                let due = s.expires_at.is_some_and(|e| *at >= e);
                let untouched = !s.approved && s.capture.is_none() && !s.pending && !s.denied;
                Ok(if due && untouched && !s.expired {
                    vec![OrderEvent::Expired { at: *at }]
                } else {
                    vec![]
                })
            }
        }
    }

    fn evolve(&self, mut s: OrderState, event: &OrderEvent) -> OrderState {
        match event {
            OrderEvent::Created {
                order,
                session,
                step,
                plan,
                amount,
                email,
                external_ref,
                provider,
                provider_order,
                approve_url,
                expires_at,
                ..
            } => {
                s.id = Some(*order);
                s.session_id = *session;
                s.step = step.clone();
                s.plan = plan.clone();
                s.amount = Some(amount.clone());
                s.email = email.clone();
                s.external_ref = external_ref.clone();
                s.provider = Some(*provider);
                s.provider_order = Some(provider_order.clone());
                s.approve_url = Some(approve_url.clone());
                s.expires_at = Some(*expires_at);
            }
            OrderEvent::Approved { .. } => s.approved = true,
            OrderEvent::Expired { .. } => s.expired = true,
            OrderEvent::CaptureCompleted { capture, .. } => match &mut s.capture {
                None => s.capture = Some(capture.clone()),
                Some(known) if known.capture_id == capture.capture_id => {
                    if known.payer_email.is_none() {
                        known.payer_email.clone_from(&capture.payer_email);
                    }
                }
                Some(_) => {}
            },
            OrderEvent::CapturePending { .. } => s.pending = true,
            OrderEvent::CaptureDenied { .. } => s.denied = true,
            OrderEvent::Refunded { .. } => s.refunded = true,
            OrderEvent::AccountOpened { account, .. } => {
                if s.account.is_none() {
                    s.account = Some(*account);
                }
            }
        }
        s
    }
}

/// A provider fact: recorded when it is news; the first completed capture of the order's
/// amount opens the account (P-PAY-1). A capture of another amount opens none (P-PAY-2).
fn apply(
    s: &OrderState,
    fact: &OrderFact,
    account: crate::ids::CustomerId,
    at: time::OffsetDateTime,
) -> Vec<OrderEvent> {
    let mut events = Vec::new();
    match fact {
        OrderFact::Approved if !s.approved => events.push(OrderEvent::Approved { at }),
        OrderFact::Captured(capture) => match capture.status {
            CaptureStatus::Completed if s.capture.is_none() => {
                events.push(OrderEvent::CaptureCompleted {
                    capture: capture.clone(),
                    at,
                });
                let matches = s.amount.as_ref() == Some(&capture.amount);
                if matches && s.account.is_none() {
                    events.push(OrderEvent::AccountOpened { account, at });
                }
            }
            // The same capture reported again with what the first report lacked (the capture
            // call's answer names the payer; the webhook's capture resource does not): recorded,
            // so the state does not depend on which report came first (P-WH-1).
            CaptureStatus::Completed
                if s.capture.as_ref().is_some_and(|c| {
                    c.capture_id == capture.capture_id
                        && c.payer_email.is_none()
                        && capture.payer_email.is_some()
                }) =>
            {
                events.push(OrderEvent::CaptureCompleted {
                    capture: capture.clone(),
                    at,
                });
            }
            CaptureStatus::Pending if !s.pending => {
                events.push(OrderEvent::CapturePending { at });
            }
            CaptureStatus::Declined | CaptureStatus::Failed if !s.denied => {
                events.push(OrderEvent::CaptureDenied { at });
            }
            CaptureStatus::Refunded if !s.refunded => events.push(OrderEvent::Refunded { at }),
            _ => {}
        },
        OrderFact::Pending if !s.pending => events.push(OrderEvent::CapturePending { at }),
        OrderFact::Denied if !s.denied => events.push(OrderEvent::CaptureDenied { at }),
        OrderFact::Refunded if !s.refunded => events.push(OrderEvent::Refunded { at }),
        _ => {}
    }
    events
}
