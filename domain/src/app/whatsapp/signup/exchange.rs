//! The start of Embedded Signup and the code's exchange: recording the FINISH data, exchanging
//! the code now when it is still within its TTL, and the exchange's retry from the outbox.

use time::{Duration, OffsetDateTime};

use crate::decider::Decider;
use crate::flow::StepKind;
use crate::ids::{JobId, TenantId, WabaAccountId};
use crate::ports::{BusinessToken, ClaimedJob, ProviderError, ProviderId};
use crate::waba::{SignupIds, SignupStep, StepResult, WabaCommand, WabaError, WabaStatus};

use super::{
    DEAD_CODE, EXCHANGE_RETRY_AFTER, SignupRequest, code_context, exchange_timer_key,
    failure_reason, permanent, token_context,
};
use crate::app::aggregates::whatsapp::WabaRecords;
use crate::app::execute::Tx;
use crate::app::jobs::JobOutcome;
use crate::app::jobs::kinds::WabaStep as StepJob;
use crate::app::persist::Versioned;
use crate::app::whatsapp::accounts::{WabaAccountView, WabaRecord, WhatsAppTarget};
use crate::app::{CoreError, WhatsAppService, WhatsAppServiceError};

impl WhatsAppService {
    /// Starts Embedded Signup's server side: records the FINISH data, exchanges the code now if
    /// it is still within its time to live, and queues the next steps.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::SignupCodeExpired`] when the code is past its TTL or Meta says it is used
    /// or expired (nothing is exchanged; the user signs up again); [`CoreError::SessionNotFound`]
    /// or [`WhatsAppServiceError::NoStepOfKind`] for a session without a `whatsapp_signup` step.
    pub async fn begin_signup(
        &self,
        tenant: TenantId,
        request: SignupRequest,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let now = self.core.clock.now();
        let received = request.code_issued_at.map_or(now, |t| t.min(now));
        let step = match request.session_id {
            Some(session) => Some(
                self.whatsapp_step_of(
                    tenant,
                    session,
                    request.step.as_deref(),
                    StepKind::WhatsAppSignup,
                )
                .await?,
            ),
            None => None,
        };
        let id = WabaAccountId::new(self.core.ids.new_id());
        let record = &WabaRecord {
            id: Some(id),
            session_id: request.session_id,
            step,
            ..WabaRecord::default()
        };
        let begin = &WabaCommand::Begin {
            account: crate::ids::CustomerId::new(id.uuid()),
            ids: request.ids.clone(),
            code_received_at: received,
            at: now,
        };
        let ids = &request.ids;
        // Should the exchange below fail or never be recorded (a crash), this job retries it
        // within the TTL, or expires the signup once the TTL is past. It waits out the exchange
        // call's own timeout (10 s), so it never races a call still in flight.
        let sealed_code = &self.seal(&request.code, &code_context(id));
        let deadline = received + self.policy.code_ttl + Duration::seconds(1);
        // Begin, then ask for the exchange (or expire a code already past its TTL), in one
        // commit.
        let live = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    tx.stage(id, record.clone());
                    self.decide_waba(tx, id, begin).await?;
                    let exchange = WabaCommand::ExchangeCode { at: now };
                    let live = match self.decide_waba(tx, id, &exchange).await {
                        Ok(_) => true,
                        Err(WhatsAppServiceError::Waba(WabaError::CodeExpired)) => {
                            let expire = WabaCommand::ExpireCode { at: now };
                            self.decide_waba(tx, id, &expire).await?;
                            false
                        }
                        Err(e) => return Err(e),
                    };
                    self.point_refs_at(tx, ids, id).await?;
                    if live {
                        let run_at = (now + EXCHANGE_RETRY_AFTER).min(deadline);
                        tx.enqueue(self.step_job(id, Some(sealed_code.clone()), run_at)?);
                    }
                    Ok(live)
                })
            })
            .await?;
        if !live {
            return Err(WhatsAppServiceError::SignupCodeExpired);
        }
        let provider = self.providers.embedded_signup(tenant).await?;
        let result = provider.exchange_code(&request.code).await;
        self.record_exchange(tenant, id, result, None).await?;
        let view = self.waba_account(tenant, id).await?;
        let exchanged = view
            .steps_done
            .iter()
            .any(|s| s == SignupStep::CodeExchange.as_str());
        if view.status == WabaStatus::SignupExpired.as_str()
            || (!exchanged
                && view
                    .last_failure
                    .as_ref()
                    .is_some_and(|f| f.step == SignupStep::CodeExchange && f.reason == DEAD_CODE))
        {
            return Err(WhatsAppServiceError::SignupCodeExpired);
        }
        Ok(view)
    }

    /// Points the WABA id and the phone number id at account `id` (a later signup of the same
    /// WABA takes them over: webhooks then concern the newest account).
    async fn point_refs_at(
        &self,
        tx: &mut Tx<'_>,
        ids: &SignupIds,
        id: WabaAccountId,
    ) -> Result<(), WhatsAppServiceError> {
        let target = WhatsAppTarget::Account { id };
        for reference in [ids.waba_id.as_str(), ids.phone_number_id.as_str()] {
            self.point_whatsapp_ref(tx, ProviderId::Meta, reference, &target)
                .await?;
        }
        Ok(())
    }

    /// Records the exchange's outcome: the sealed token and the next step's job, or the
    /// failure (a dead code is final; anything else is retried by `retry_job` within the TTL).
    async fn record_exchange(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        result: Result<BusinessToken, ProviderError>,
        job: Option<JobId>,
    ) -> Result<Option<ProviderError>, WhatsAppServiceError> {
        let result = match result {
            Ok(token) => Ok((
                self.seal(&token.access_token, &token_context(id)),
                token.expires_in,
            )),
            Err(e) => Err(e),
        };
        let result = &result;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let now = self.core.clock.now();
                match result {
                    Ok((sealed_token, expires_in)) => {
                        // Only a recorded exchange completes the retry job; a failure leaves it
                        // to run again (or to expire the signup past the TTL).
                        if let Some(job) = job {
                            tx.complete_job(job);
                        }
                        let lifetime = expires_in
                            .and_then(|s| i64::try_from(s).ok())
                            .map_or(self.policy.default_token_lifetime, Duration::seconds);
                        let expires_at = now + lifetime;
                        let command = WabaCommand::RecordStep {
                            result: StepResult::CodeExchanged {
                                sealed_token: sealed_token.clone(),
                                expires_at,
                            },
                            at: now,
                        };
                        self.decide_waba(tx, id, &command).await?;
                        if job.is_none() {
                            tx.cancel_timer(exchange_timer_key(id));
                        }
                        tx.enqueue(self.step_job(id, None, now)?);
                        let refresh_at = (expires_at - self.policy.token_refresh_before).max(now);
                        tx.enqueue(self.token_job(id, refresh_at)?);
                        Ok(None)
                    }
                    Err(e) => {
                        let command = WabaCommand::StepFailed {
                            step: SignupStep::CodeExchange,
                            reason: failure_reason(e),
                            at: now,
                        };
                        self.decide_waba(tx, id, &command).await?;
                        Ok(Some(clone_error(e)))
                    }
                }
            })
        })
        .await
    }

    /// The exchange's retry from the outbox: allowed within the code's TTL only; past it the
    /// signup expires (P-WABA-2).
    pub(super) async fn retry_exchange(
        &self,
        job: &ClaimedJob,
        p: &StepJob,
        current: &Versioned<WabaRecord>,
        now: OffsetDateTime,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let deadline = current
            .state
            .state
            .code_received_at
            .map_or(now, |r| r + self.policy.code_ttl + Duration::seconds(1));
        let step = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let current = tx
                        .load::<WabaRecord>(id)
                        .await?
                        .ok_or(WhatsAppServiceError::WabaNotFound)?;
                    let decider = self.waba_decider();
                    let exchange = WabaCommand::ExchangeCode { at: now };
                    let events = match decider.decide(&current.state, &exchange) {
                        Err(WabaError::CodeExpired) => {
                            tx.complete_job(job.id);
                            let expire = WabaCommand::ExpireCode { at: now };
                            self.decide_waba(tx, id, &expire).await?;
                            return Ok(Exchange::Expired);
                        }
                        other => other?,
                    };
                    let dead = current.state.last_failure.as_ref().is_some_and(|f| {
                        f.step == SignupStep::CodeExchange && f.reason == DEAD_CODE
                    });
                    if dead {
                        return Ok(Exchange::Dead);
                    }
                    tx.apply(&WabaRecords(&decider), id, events)?;
                    Ok(Exchange::Due)
                })
            })
            .await?;
        match step {
            Exchange::Expired => return Ok(JobOutcome::Done),
            // Meta said the code is used or expired: it is not sent again; the job comes back
            // once the TTL is past to expire the signup.
            Exchange::Dead => {
                return Ok(JobOutcome::RetryAt {
                    run_at: deadline,
                    reason: DEAD_CODE.into(),
                });
            }
            Exchange::Due => {}
        }
        let sealed = p
            .sealed_code
            .as_deref()
            .ok_or_else(|| CoreError::Corrupt(format!("job {} has no code", job.id)))?;
        let code = self.unseal(sealed, &code_context(id))?;
        let provider = self.providers.embedded_signup(tenant).await?;
        let result = provider.exchange_code(&code).await;
        match self
            .record_exchange(tenant, id, result, Some(job.id))
            .await?
        {
            None => Ok(JobOutcome::Done),
            Some(e) => {
                // A dead code (Meta says used or expired) is not tried again: the job comes
                // back at the deadline to expire the signup. Anything else is retried within
                // the TTL.
                let run_at = if permanent(&e) {
                    deadline
                } else {
                    (self.core.clock.now() + backoff(job.attempts)).min(deadline)
                };
                Ok(JobOutcome::RetryAt {
                    run_at,
                    reason: e.reason(),
                })
            }
        }
    }
}

/// Where an exchange retried from the outbox stands.
enum Exchange {
    /// The code's TTL is past: the signup expired.
    Expired,
    /// Meta said the code is used or expired: not sent again.
    Dead,
    /// The exchange is asked for again.
    Due,
}

fn clone_error(e: &ProviderError) -> ProviderError {
    match e {
        ProviderError::Unavailable {
            retry_after,
            reason,
        } => ProviderError::Unavailable {
            retry_after: *retry_after,
            reason: reason.clone(),
        },
        ProviderError::Unauthorized { reason } => ProviderError::Unauthorized {
            reason: reason.clone(),
        },
        ProviderError::Rejected { code, message } => ProviderError::Rejected {
            code: code.clone(),
            message: message.clone(),
        },
        ProviderError::Unexpected(source) => ProviderError::Unavailable {
            retry_after: None,
            reason: format!("unexpected: {source}"),
        },
    }
}
