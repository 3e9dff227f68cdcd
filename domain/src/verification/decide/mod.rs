//! `decide` and `evolve` of the phone verification.
//!
//! This module holds the [`VerificationDecider`], its [`Decider`] impl (the command dispatch and
//! `evolve`); the sending side of `decide` (start, resend, provider attempts, delivery reports
//! and the channel fallback) is in `send`, the code checks in `check`.

mod check;
mod send;

use time::OffsetDateTime;

use super::model::*;
use crate::decider::Decider;

/// The `PhoneVerification` decider, configured with its [`VerificationPolicy`].
#[derive(Debug, Clone, Default)]
pub struct VerificationDecider {
    /// Limits and channel plan.
    pub policy: VerificationPolicy,
}

impl VerificationDecider {
    fn check_live(
        &self,
        state: &VerificationState,
        at: OffsetDateTime,
    ) -> Result<(), VerificationError> {
        match state.status_at(at) {
            VerificationStatus::New => Err(VerificationError::NotStarted),
            VerificationStatus::Pending => Ok(()),
            VerificationStatus::Approved => Err(VerificationError::AlreadyApproved),
            VerificationStatus::Expired => Err(VerificationError::Expired),
            VerificationStatus::Locked => Err(VerificationError::Locked),
        }
    }
}

impl Decider for VerificationDecider {
    type State = VerificationState;
    type Command = VerificationCommand;
    type Event = VerificationEvent;
    type Error = VerificationError;

    fn decide(
        &self,
        state: &VerificationState,
        command: &VerificationCommand,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        match command {
            VerificationCommand::Start { .. } => self.start(state, command),
            VerificationCommand::Resend {
                channel,
                code_hash,
                quota,
                at,
            } => self.resend(state, *channel, *code_hash, *quota, *at),
            VerificationCommand::RecordDelivery {
                seq,
                outcome,
                quota,
                at,
            } => self.record_delivery(state, *seq, outcome, *quota, *at),
            VerificationCommand::RecordAttempt {
                seq,
                provider,
                skipped,
                probe,
                result,
                circuit_opened_until,
                quota,
                at,
            } => self.record_attempt(
                state,
                *seq,
                *provider,
                skipped,
                *probe,
                result,
                *circuit_opened_until,
                *quota,
                *at,
            ),
            VerificationCommand::ApplyReport {
                provider,
                provider_ref,
                status,
                quota,
                at,
            } => self.apply_report(state, *provider, provider_ref, status, *quota, *at),
            VerificationCommand::RecordProviderCheck { approved, at } => {
                self.provider_check(state, *approved, *at)
            }
            VerificationCommand::Check { code_hash, at } => self.check(state, code_hash, *at),
            VerificationCommand::Expire { at } => match (state.status, state.expires_at) {
                (VerificationStatus::Pending, Some(exp)) if *at >= exp => {
                    Ok(vec![VerificationEvent::Expired { at: *at }])
                }
                _ => Ok(vec![]),
            },
        }
    }

    fn evolve(&self, s: VerificationState, event: &VerificationEvent) -> VerificationState {
        evolve(s, event)
    }
}

/// A verification's state after `event`. It needs no policy: the limits and the channel plan
/// are in force when deciding, and recorded in the events they produce, so a stored state and
/// the events after it fold to the same state anywhere ([`VerificationDecider`]'s `evolve`).
pub fn evolve(mut s: VerificationState, event: &VerificationEvent) -> VerificationState {
    match event {
        VerificationEvent::Started {
            id,
            phone,
            session_id,
            plan,
            at,
        } => {
            s.id = Some(*id);
            s.phone = Some(phone.clone());
            s.session_id = *session_id;
            s.plan = plan.clone();
            s.status = VerificationStatus::Pending;
            s.created_at = Some(*at);
        }
        VerificationEvent::CodeSent {
            seq,
            generation,
            channel,
            code_hash,
            fallback,
            expires_at,
            at,
        } => {
            s.blocked_fallback = None;
            if let Some(h) = code_hash {
                s.code_hash = Some(*h);
            }
            s.generation = *generation;
            s.sends = s.sends.saturating_add(1);
            s.expires_at = Some(*expires_at);
            if !fallback {
                s.last_send_at = Some(*at);
            }
            s.deliveries.push(Delivery {
                seq: *seq,
                generation: *generation,
                channel: *channel,
                status: DeliveryStatus::Queued,
                fallback: *fallback,
                provider: None,
                reason: None,
                at: *at,
                attempts: Vec::new(),
            });
        }
        VerificationEvent::ProviderAccepted {
            seq,
            provider,
            provider_ref,
            code_owner,
            sealed_code,
            skipped,
            probe,
            at,
        } => {
            if let Some(d) = s.deliveries.iter_mut().find(|d| d.seq == *seq) {
                d.status = DeliveryStatus::Sent;
                d.provider = Some(provider.to_string());
                d.attempts.push(ProviderAttempt {
                    provider: *provider,
                    provider_ref: Some(provider_ref.clone()),
                    code_owner: Some(*code_owner),
                    failure: None,
                    skipped: skipped.clone(),
                    probe: *probe,
                    at: *at,
                });
            }
            s.sealed_codes.insert(*seq, sealed_code.clone());
        }
        VerificationEvent::ProviderFailed {
            seq,
            provider,
            reason,
            skipped,
            probe,
            at,
            ..
        } => {
            if let Some(d) = s.deliveries.iter_mut().find(|d| d.seq == *seq) {
                d.status = DeliveryStatus::Queued;
                d.reason = Some(reason.clone());
                match d
                    .attempts
                    .iter_mut()
                    .rev()
                    .find(|a| a.provider == *provider && a.failure.is_none())
                {
                    // A delivery report failing an accepted attempt.
                    Some(a) => a.failure = Some(reason.clone()),
                    None => d.attempts.push(ProviderAttempt {
                        provider: *provider,
                        provider_ref: None,
                        code_owner: None,
                        failure: Some(reason.clone()),
                        skipped: skipped.clone(),
                        probe: *probe,
                        at: *at,
                    }),
                }
            }
        }
        VerificationEvent::DeliverySucceeded { seq, provider, .. } => {
            if let Some(d) = s.deliveries.iter_mut().find(|d| d.seq == *seq) {
                d.status = DeliveryStatus::Delivered;
                d.provider = Some(provider.clone());
            }
        }
        VerificationEvent::DeliveryFailed {
            seq,
            provider,
            reason,
            ..
        } => {
            if let Some(d) = s.deliveries.iter_mut().find(|d| d.seq == *seq) {
                d.status = DeliveryStatus::Failed;
                d.provider = Some(provider.clone());
                d.reason = Some(reason.clone());
            }
        }
        VerificationEvent::FallbackBlocked {
            channel,
            retry_after_seconds,
            at,
        } => {
            s.blocked_fallback = Some(BlockedFallback {
                channel: *channel,
                retry_after_seconds: *retry_after_seconds,
                at: *at,
            });
        }
        VerificationEvent::CheckFailed { failed_checks, .. } => s.failed_checks = *failed_checks,
        VerificationEvent::Locked { .. } => s.status = VerificationStatus::Locked,
        VerificationEvent::Approved { at } => {
            s.status = VerificationStatus::Approved;
            s.approved_at = Some(*at);
        }
        VerificationEvent::Expired { .. } => {
            if s.status == VerificationStatus::Pending {
                s.status = VerificationStatus::Expired;
            }
        }
    }
    if let Some(at) = event_time(event) {
        s.updated_at = Some(at);
    }
    s
}

fn event_time(e: &VerificationEvent) -> Option<OffsetDateTime> {
    Some(match e {
        VerificationEvent::Started { at, .. }
        | VerificationEvent::CodeSent { at, .. }
        | VerificationEvent::DeliverySucceeded { at, .. }
        | VerificationEvent::DeliveryFailed { at, .. }
        | VerificationEvent::ProviderAccepted { at, .. }
        | VerificationEvent::ProviderFailed { at, .. }
        | VerificationEvent::FallbackBlocked { at, .. }
        | VerificationEvent::CheckFailed { at, .. }
        | VerificationEvent::Locked { at }
        | VerificationEvent::Approved { at }
        | VerificationEvent::Expired { at } => *at,
    })
}
