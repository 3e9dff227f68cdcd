//! The sending side of the verification's `decide`: start, resend, provider attempts, delivery
//! outcomes and reports, and the channel fallback (P-OTP-3).

use time::OffsetDateTime;

use crate::failover::SkippedProvider;
use crate::ports::{ProviderId, ReportedStatus};
use crate::verification::code::Channel;
use crate::verification::model::*;

use super::VerificationDecider;

impl VerificationDecider {
    pub(super) fn start(
        &self,
        state: &VerificationState,
        cmd: &VerificationCommand,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        let VerificationCommand::Start {
            id,
            phone,
            session_id,
            channel,
            code_hash,
            quota,
            at,
        } = cmd
        else {
            return Ok(vec![]);
        };
        if state.status != VerificationStatus::New {
            return Err(VerificationError::AlreadyStarted);
        }
        let plan = match channel {
            // Asking for a channel first puts it first; the rest of the plan stays as fallback.
            Some(c) if self.policy.plan.contains(c) => {
                let mut p = vec![*c];
                p.extend(self.policy.plan.iter().copied().filter(|x| x != c));
                p
            }
            Some(c) => return Err(VerificationError::ChannelUnavailable(*c)),
            None => self.policy.plan.clone(),
        };
        let first = *plan
            .first()
            .ok_or(VerificationError::ChannelUnavailable(Channel::Voice))?;
        if let SendAllowance::Exhausted {
            retry_after_seconds,
        } = quota
        {
            return Err(VerificationError::RateLimited {
                retry_after_seconds: *retry_after_seconds,
            });
        }
        Ok(vec![
            VerificationEvent::Started {
                id: *id,
                phone: phone.clone(),
                session_id: *session_id,
                plan,
                at: *at,
            },
            VerificationEvent::CodeSent {
                seq: 1,
                generation: 1,
                channel: first,
                code_hash: Some(*code_hash),
                fallback: false,
                expires_at: *at + self.policy.ttl,
                at: *at,
            },
        ])
    }

    pub(super) fn resend(
        &self,
        state: &VerificationState,
        channel: Option<Channel>,
        code_hash: crate::verification::CodeHash,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        self.check_live(state, at)?;
        let channel = channel
            .or_else(|| state.channel())
            .or_else(|| state.plan.first().copied());
        let channel = channel.ok_or(VerificationError::ChannelUnavailable(Channel::Sms))?;
        if !state.plan.contains(&channel) {
            return Err(VerificationError::ChannelUnavailable(channel));
        }
        if let Some(last) = state.last_send_at {
            let ready = last + self.policy.resend_cooldown;
            if at < ready {
                let wait = (ready - at).whole_seconds().max(1);
                return Err(VerificationError::ResendTooSoon {
                    retry_after_seconds: u64::try_from(wait).unwrap_or(1),
                });
            }
        }
        if let SendAllowance::Exhausted {
            retry_after_seconds,
        } = quota
        {
            return Err(VerificationError::RateLimited {
                retry_after_seconds,
            });
        }
        Ok(vec![VerificationEvent::CodeSent {
            seq: state.sends.saturating_add(1),
            generation: state.generation.saturating_add(1),
            channel,
            code_hash: Some(code_hash),
            fallback: false,
            expires_at: at + self.policy.ttl,
            at,
        }])
    }

    pub(super) fn record_delivery(
        &self,
        state: &VerificationState,
        seq: u32,
        outcome: &DeliveryOutcome,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        if state.status == VerificationStatus::New {
            return Err(VerificationError::NotStarted);
        }
        let delivery = state
            .deliveries
            .iter()
            .find(|d| d.seq == seq)
            .ok_or(VerificationError::UnknownDelivery(seq))?;
        if delivery.status != DeliveryStatus::Queued {
            // A provider answer seen twice (a retried job, a duplicate webhook) changes nothing.
            return Ok(vec![]);
        }
        let (provider, reason) = match outcome {
            DeliveryOutcome::Delivered { provider } => {
                return Ok(vec![VerificationEvent::DeliverySucceeded {
                    seq,
                    provider: provider.clone(),
                    at,
                }]);
            }
            DeliveryOutcome::Failed { provider, reason } => (provider.clone(), reason.clone()),
        };
        Ok(self.delivery_failed(state, delivery, provider, reason, quota, at))
    }

    /// Delivery `delivery` failed for good: its record, then the channel fallback (P-OTP-3).
    fn delivery_failed(
        &self,
        state: &VerificationState,
        delivery: &Delivery,
        provider: String,
        reason: String,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Vec<VerificationEvent> {
        let mut events = vec![VerificationEvent::DeliveryFailed {
            seq: delivery.seq,
            provider,
            reason,
            at,
        }];
        events.extend(self.fallback(state, delivery.generation, quota, at));
        events
    }

    /// The channel fallback after delivery of `generation` failed: only for the current code,
    /// only while it can still be used, and only to a channel of the plan this code has not been
    /// tried on yet (P-OTP-3).
    fn fallback(
        &self,
        state: &VerificationState,
        generation: u32,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Option<VerificationEvent> {
        let live = self.check_live(state, at).is_ok() && generation == state.generation;
        let tried: Vec<Channel> = state
            .deliveries
            .iter()
            .filter(|d| d.generation == state.generation)
            .map(|d| d.channel)
            .collect();
        let next = state.plan.iter().copied().find(|c| !tried.contains(c));
        let (true, Some(channel)) = (live, next) else {
            return None;
        };
        Some(match quota {
            SendAllowance::Allowed => VerificationEvent::CodeSent {
                seq: state.sends.saturating_add(1),
                generation: state.generation,
                channel,
                code_hash: None,
                fallback: true,
                expires_at: state.expires_at.unwrap_or(at),
                at,
            },
            SendAllowance::Exhausted {
                retry_after_seconds,
            } => VerificationEvent::FallbackBlocked {
                channel,
                retry_after_seconds,
                at,
            },
        })
    }

    /// One provider call for delivery `seq`: accepted, failed over to the next provider, or
    /// rejected (the delivery fails and the channel fallback applies).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_attempt(
        &self,
        state: &VerificationState,
        seq: u32,
        provider: ProviderId,
        skipped: &[SkippedProvider],
        probe: bool,
        result: &AttemptResult,
        circuit_opened_until: Option<OffsetDateTime>,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        if state.status == VerificationStatus::New {
            return Err(VerificationError::NotStarted);
        }
        let delivery = state
            .deliveries
            .iter()
            .find(|d| d.seq == seq)
            .ok_or(VerificationError::UnknownDelivery(seq))?;
        // Only a queued delivery takes a provider's answer; a re-run job's answer is ignored,
        // as is a second answer from a provider already recorded for it.
        if delivery.status != DeliveryStatus::Queued || delivery.tried().contains(&provider) {
            return Ok(vec![]);
        }
        let skipped = skipped.to_vec();
        Ok(match result {
            AttemptResult::Accepted {
                provider_ref,
                code_owner,
                sealed_code,
                delivered,
            } => {
                let mut events = vec![VerificationEvent::ProviderAccepted {
                    seq,
                    provider,
                    provider_ref: provider_ref.clone(),
                    code_owner: *code_owner,
                    sealed_code: sealed_code.clone(),
                    skipped,
                    probe,
                    at,
                }];
                if *delivered {
                    events.push(VerificationEvent::DeliverySucceeded {
                        seq,
                        provider: provider.to_string(),
                        at,
                    });
                }
                events
            }
            AttemptResult::Failed {
                reason,
                moves_on: true,
            } => vec![VerificationEvent::ProviderFailed {
                seq,
                provider,
                reason: reason.clone(),
                circuit_opened_until,
                skipped,
                probe,
                at,
            }],
            AttemptResult::Failed {
                reason,
                moves_on: false,
            } => {
                let mut events = vec![VerificationEvent::ProviderFailed {
                    seq,
                    provider,
                    reason: reason.clone(),
                    circuit_opened_until,
                    skipped,
                    probe,
                    at,
                }];
                events.extend(self.delivery_failed(
                    state,
                    delivery,
                    provider.to_string(),
                    reason.clone(),
                    quota,
                    at,
                ));
                events
            }
        })
    }

    /// A provider's delivery report: delivered marks the delivery; a failed voice call falls back
    /// to the next channel; a failed SMS moves to the next provider of the chain.
    pub(super) fn apply_report(
        &self,
        state: &VerificationState,
        provider: ProviderId,
        provider_ref: &str,
        status: &ReportedStatus,
        quota: SendAllowance,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        let Some(delivery) = state.deliveries.iter().find(|d| {
            d.accepted().is_some_and(|a| {
                a.provider == provider && a.provider_ref.as_deref() == Some(provider_ref)
            })
        }) else {
            return Ok(vec![]);
        };
        if delivery.status != DeliveryStatus::Sent {
            // Reports after the delivery's outcome is known (duplicates, reordering) change
            // nothing.
            return Ok(vec![]);
        }
        let seq = delivery.seq;
        Ok(match status {
            ReportedStatus::Delivered => vec![VerificationEvent::DeliverySucceeded {
                seq,
                provider: provider.to_string(),
                at,
            }],
            ReportedStatus::Failed { reason } => match delivery.channel {
                Channel::Voice => self.delivery_failed(
                    state,
                    delivery,
                    provider.to_string(),
                    reason.clone(),
                    quota,
                    at,
                ),
                Channel::Sms => vec![VerificationEvent::ProviderFailed {
                    seq,
                    provider,
                    reason: format!("reported: {reason}"),
                    circuit_opened_until: None,
                    skipped: vec![],
                    probe: false,
                    at,
                }],
            },
            ReportedStatus::Sent | ReportedStatus::Other { .. } => vec![],
        })
    }
}
