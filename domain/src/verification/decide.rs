//! `decide` and `evolve` of the phone verification.

use time::OffsetDateTime;

use super::code::Channel;
use super::model::*;
use crate::decider::Decider;
use crate::failover::SkippedProvider;
use crate::ports::{ProviderId, ReportedStatus};

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

    fn start(
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

    fn resend(
        &self,
        state: &VerificationState,
        channel: Option<Channel>,
        code_hash: super::CodeHash,
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

    fn record_delivery(
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
    fn record_attempt(
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
    fn apply_report(
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

    fn check(
        &self,
        state: &VerificationState,
        code_hash: &super::CodeHash,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        self.check_live(state, at)?;
        if state.failed_checks >= self.policy.max_failed_checks {
            return Err(VerificationError::Locked);
        }
        if state.code_hash.is_some_and(|h| h.matches(code_hash)) {
            return Ok(vec![VerificationEvent::Approved { at }]);
        }
        Ok(self.failed_check(state, at))
    }

    /// The verdict of the provider on a provider-owned code: the same limits as Onramp's own
    /// checks (expiry, lock after `max_failed_checks`).
    fn provider_check(
        &self,
        state: &VerificationState,
        approved: bool,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        self.check_live(state, at)?;
        if state.failed_checks >= self.policy.max_failed_checks {
            return Err(VerificationError::Locked);
        }
        if approved {
            return Ok(vec![VerificationEvent::Approved { at }]);
        }
        Ok(self.failed_check(state, at))
    }

    fn failed_check(
        &self,
        state: &VerificationState,
        at: OffsetDateTime,
    ) -> Vec<VerificationEvent> {
        let failed_checks = state.failed_checks.saturating_add(1);
        let mut events = vec![VerificationEvent::CheckFailed { failed_checks, at }];
        if failed_checks >= self.policy.max_failed_checks {
            events.push(VerificationEvent::Locked { at });
        }
        events
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

    fn evolve(&self, mut s: VerificationState, event: &VerificationEvent) -> VerificationState {
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
            VerificationEvent::CheckFailed { failed_checks, .. } => {
                s.failed_checks = *failed_checks
            }
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
