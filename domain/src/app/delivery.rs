//! The delivery job with cross-provider failover (issue 3): pick the next provider of the
//! channel's chain whose circuit breaker lets a call through, call it, and record the answer on
//! the verification and on the breaker in one commit.

use std::sync::Arc;

use crate::decider::Decider;
use crate::failover::{
    Availability, BreakerCommand, BreakerDecider, BreakerEvent, BreakerState, Pick,
    SkippedProvider, pick,
};
use crate::ids::JobId;
use crate::ids::TenantId;
use crate::ports::{
    AggregateKind, ClaimedJob, CodeDelivery, DeliveryReceipt, ProviderError, ProviderId, StreamId,
    VerificationSender,
};
use crate::verification::{
    AttemptResult, Channel, DeliveryOutcome, DeliveryStatus, VerificationCommand,
    VerificationEvent, VerificationState, VerificationStatus,
};

use super::execute::Tx;
use super::jobs::{Job, JobOutcome};
use super::persist::Versioned;
use super::verifications::{CodeForJobs, DeliverPayload, ProviderRefState, provider_ref_stream};
use super::{CoreError, VerificationService, VerificationServiceError};

/// The stream of the circuit breaker of (tenant, `provider`, `channel`).
pub(crate) fn breaker_stream(provider: ProviderId, channel: Channel) -> StreamId {
    StreamId::new(
        AggregateKind::Breaker,
        format!("{provider}:{}", channel_name(channel)),
    )
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Voice => "voice",
        Channel::Sms => "sms",
    }
}

/// A provider of the chain with its sender.
pub(crate) type Link = (ProviderId, Arc<dyn VerificationSender>);

/// One provider call's outcome, ready to record.
struct Call {
    provider: ProviderId,
    probe: bool,
    skipped: Vec<SkippedProvider>,
    answer: Result<DeliveryReceipt, ProviderError>,
}

impl VerificationService {
    fn breaker_decider(&self) -> BreakerDecider {
        BreakerDecider {
            policy: self.failover.breaker,
        }
    }

    /// The providers of `channel`'s chain that have credentials for `tenant`, in order; the
    /// sandbox alone when none has (issue 3: "a provider with no credentials anywhere stays on
    /// the sandbox").
    pub(crate) async fn live_chain(
        &self,
        tenant: TenantId,
        channel: Channel,
    ) -> Result<Vec<Link>, VerificationServiceError> {
        let mut links = Vec::new();
        for &provider in self.failover.chain(channel) {
            // Credentials that cannot be read leave the provider out of the chain; the
            // integration's status shows the error (GET /v1/integrations).
            if let Ok(Some(sender)) = self.senders.sender(tenant, provider).await {
                links.push((provider, sender));
            }
        }
        if links.is_empty() {
            links.push((ProviderId::Sandbox, self.senders.sandbox()));
        }
        Ok(links)
    }

    /// The circuit breaker of `provider` on `channel` for `tenant` (closed when never used).
    ///
    /// # Errors
    /// Store failures.
    pub async fn breaker(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        channel: Channel,
    ) -> Result<BreakerState, VerificationServiceError> {
        Ok(self.load_breaker(tenant, provider, channel).await?.state)
    }

    pub(crate) async fn load_breaker(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        channel: Channel,
    ) -> Result<Versioned<BreakerState>, VerificationServiceError> {
        Ok(self
            .core
            .load_versioned(tenant, &breaker_stream(provider, channel))
            .await?
            .unwrap_or(Versioned {
                state: Default::default(),
            }))
    }

    /// Runs a delivery job: one provider call, then its record. A provider that fails over
    /// leaves a new job for the next provider (written in the same commit).
    pub(crate) async fn deliver_code(
        &self,
        job: &ClaimedJob,
        p: DeliverPayload,
    ) -> Result<JobOutcome, VerificationServiceError> {
        let tenant = job.tenant;
        let current = self.load_verification(tenant, p.verification_id).await?;
        let now = self.core.clock.now();
        let delivery = current.state.deliveries.iter().find(|d| d.seq == p.seq);
        // Nothing to send for an answered delivery (a re-run job) or a code nobody can use.
        let Some(delivery) = delivery.filter(|d| {
            d.status == DeliveryStatus::Queued
                && current.state.status_at(now) == VerificationStatus::Pending
        }) else {
            self.core.complete_bare(tenant, job.id).await?;
            return Ok(JobOutcome::Done);
        };
        let phone = current
            .state
            .phone
            .clone()
            .ok_or(VerificationServiceError::VerificationNotFound)?;
        let tried = delivery.tried();
        let last_tried = tried.last().copied();
        let chain = self.live_chain(tenant, p.channel).await?;
        let mut taken = Vec::new();
        loop {
            let mut breakers = Vec::new();
            for (provider, _) in &chain {
                breakers.push((
                    *provider,
                    self.load_breaker(tenant, *provider, p.channel).await?,
                ));
            }
            let ids: Vec<ProviderId> = chain.iter().map(|(id, _)| *id).collect();
            let policy = self.failover.breaker;
            let (choice, skipped) = pick(&ids, &tried, |id| {
                if taken.contains(&id) {
                    return Availability::ProbeInFlight;
                }
                breakers
                    .iter()
                    .find(|(p, _)| *p == id)
                    .map_or(Availability::Available, |(_, b)| {
                        b.state.availability(&policy, now)
                    })
            });
            let (provider, probe) = match choice {
                Pick::Exhausted => {
                    let outcome = DeliveryOutcome::Failed {
                        provider: last_tried.map_or_else(|| "none".into(), |p| p.to_string()),
                        reason: exhausted_reason(&skipped),
                    };
                    self.record_delivery(tenant, job.id, &p, outcome).await?;
                    return Ok(JobOutcome::Done);
                }
                Pick::Use { provider, probe } => (provider, probe),
            };
            if probe && !self.begin_probe(tenant, provider, p.channel).await? {
                // Another worker took the probe between our read and our write.
                taken.push(provider);
                continue;
            }
            let sender = chain
                .iter()
                .find(|(id, _)| *id == provider)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| CoreError::Corrupt(format!("{provider} left the chain")))?;
            let code = self.job_code(&p)?;
            let answer = sender
                .send_code(&CodeDelivery {
                    delivery_id: job.id,
                    tenant,
                    to: phone.clone(),
                    channel: p.channel,
                    code,
                })
                .await;
            let call = Call {
                provider,
                probe,
                skipped,
                answer,
            };
            self.record_call(tenant, job, &p, call).await?;
            return Ok(JobOutcome::Done);
        }
    }

    /// Takes the probe slot of a breaker whose cooldown is over. False when it is not due any
    /// more (another worker took it).
    async fn begin_probe(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        channel: Channel,
    ) -> Result<bool, VerificationServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
                let key = breaker_stream(provider, channel).id;
                let current = tx.load::<BreakerState>(&key).await?.unwrap_or_default();
                let Ok(events) = self
                    .breaker_decider()
                    .decide(&current, &BreakerCommand::BeginProbe { at })
                else {
                    return Ok(false);
                };
                tx.apply(&self.breaker_decider(), key, events)?;
                Ok(true)
            })
        })
        .await
    }

    /// Records one provider call on the verification and on the provider's breaker, completing
    /// `job`, in one commit.
    async fn record_call(
        &self,
        tenant: TenantId,
        job: &ClaimedJob,
        p: &DeliverPayload,
        call: Call,
    ) -> Result<(), VerificationServiceError> {
        let result = match &call.answer {
            Ok(receipt) => AttemptResult::Accepted {
                provider_ref: receipt.provider_ref.clone(),
                code_owner: receipt.code_owner,
                sealed_code: p.code.clone(),
                delivered: call.provider == ProviderId::Sandbox,
            },
            Err(e) => AttemptResult::Failed {
                reason: e.reason(),
                moves_on: e.moves_on(),
            },
        };
        let breaker_command = match &call.answer {
            Ok(_) => Some(BreakerCommand::RecordSuccess {
                at: self.core.clock.now(),
            }),
            Err(e) if e.counts_against_provider() => Some(BreakerCommand::RecordFailure {
                reason: e.reason(),
                at: self.core.clock.now(),
            }),
            Err(_) => None,
        };
        let breaker_command = &breaker_command;
        let call = &call;
        let result = &result;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
                tx.complete_job(job.id);
                let mut opened_until = None;
                if let Some(command) = &breaker_command {
                    let key = breaker_stream(call.provider, p.channel).id;
                    let current = tx.load::<BreakerState>(&key).await?.unwrap_or_default();
                    let events = self
                        .breaker_decider()
                        .decide(&current, command)
                        .unwrap_or_default();
                    opened_until = events.iter().find_map(|e| match e {
                        BreakerEvent::Tripped { open_until, .. } => Some(*open_until),
                        _ => None,
                    });
                    tx.apply(&self.breaker_decider(), key, events)?;
                }
                let (_, quota) = self.load_with_quota(tx, p.verification_id).await?;
                let command = VerificationCommand::RecordAttempt {
                    seq: p.seq,
                    provider: call.provider,
                    skipped: call.skipped.clone(),
                    probe: call.probe,
                    result: result.clone(),
                    circuit_opened_until: opened_until,
                    quota: self.allowance(&quota, at),
                    at,
                };
                self.decide_verification(
                    tx,
                    p.verification_id,
                    &command,
                    &CodeForJobs::Encrypted(p.code.clone()),
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}

/// Why no provider could take a delivery: every one was tried, or its breaker is open.
fn exhausted_reason(skipped: &[SkippedProvider]) -> String {
    if skipped.is_empty() {
        return "no_provider_available: every provider failed".into();
    }
    let open: Vec<String> = skipped
        .iter()
        .map(|s| format!("{} {}", s.provider, s.reason))
        .collect();
    format!("no_provider_available: {}", open.join(", "))
}

impl VerificationService {
    /// The writes the failover's events need besides the verification stream: the provider
    /// reference of an accepted delivery (to route its delivery reports), and a new delivery job
    /// for a delivery moving on to the next provider, carrying the same encrypted code (P-FO-4).
    pub(crate) fn failover_writes(
        &self,
        tx: &mut Tx<'_>,
        after: &VerificationState,
        events: &[VerificationEvent],
        event: &VerificationEvent,
        code: &CodeForJobs,
    ) -> Result<(), VerificationServiceError> {
        let id = after
            .id
            .ok_or(VerificationServiceError::VerificationNotFound)?;
        match event {
            VerificationEvent::ProviderAccepted {
                seq,
                provider,
                provider_ref,
                ..
            } => {
                let key = provider_ref_stream(*provider, provider_ref).id;
                tx.record(
                    key,
                    ProviderRefState {
                        verification_id: id,
                        seq: *seq,
                    },
                )?;
            }
            VerificationEvent::ProviderFailed { seq, at, .. } => {
                let ends_delivery = events.iter().any(
                    |e| matches!(e, VerificationEvent::DeliveryFailed { seq: s, .. } if s == seq),
                );
                if ends_delivery {
                    return Ok(());
                }
                let sealed = match code {
                    CodeForJobs::Encrypted(e) => e.clone(),
                    _ => after.sealed_codes.get(seq).cloned().ok_or_else(|| {
                        CoreError::Corrupt(format!("no sealed code for delivery {seq} of {id}"))
                    })?,
                };
                let channel = after
                    .deliveries
                    .iter()
                    .find(|d| d.seq == *seq)
                    .map(|d| d.channel)
                    .ok_or(crate::verification::VerificationError::UnknownDelivery(
                        *seq,
                    ))?;
                let payload = DeliverPayload {
                    verification_id: id,
                    seq: *seq,
                    channel,
                    code: sealed,
                };
                tx.enqueue(Job::DeliverCode(payload).schedule(
                    JobId::new(self.core.ids.new_id()),
                    *at,
                    None,
                )?);
            }
            _ => {}
        }
        Ok(())
    }
}
