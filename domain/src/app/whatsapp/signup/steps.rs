//! The saga's steps after the exchange (webhook subscription, credit line, registration), one
//! provider call per job, an operator's retry of a failed step, and the token timer.

use time::Duration;

use crate::ids::{TenantId, WabaAccountId};
use crate::ports::{ClaimedJob, ClearSecret, ProviderError};
use crate::waba::{SignupStep, StepResult, WabaCommand, WabaError, WabaStatus};

use super::{failure_reason, permanent, pin_context, token_context};
use crate::app::jobs::JobOutcome;
use crate::app::jobs::kinds::{WabaAccount, WabaStep as StepJob};
use crate::app::whatsapp::accounts::{WabaAccountView, WabaRecord};
use crate::app::{WhatsAppService, WhatsAppServiceError};

impl WhatsAppService {
    /// Runs the saga's step due for the job's account, exactly one provider call.
    pub(crate) async fn run_waba_step(
        &self,
        job: &ClaimedJob,
        p: StepJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let current = self.load_waba(tenant, id).await?;
        let step = current.state.state.next_step();
        let Some(step) = step.filter(|s| p.sealed_code.is_none() || *s == SignupStep::CodeExchange)
        else {
            // Nothing due, or the exchange's safety net after the exchange was recorded.
            self.core.complete_bare(tenant, job.id).await?;
            return Ok(JobOutcome::Done);
        };
        let now = self.core.clock.now();
        let provider = self.providers.embedded_signup(tenant).await?;
        let ids = current.state.signup_ids()?.clone();
        let outcome: Result<StepResult, ProviderError> = match step {
            SignupStep::CodeExchange => {
                return self.retry_exchange(job, &p, &current, now, backoff).await;
            }
            SignupStep::WebhookSubscription => {
                let token = self.account_token(&current.state)?;
                provider
                    .subscribe_webhooks(ids.waba_id.as_str(), &token)
                    .await
                    .map(|()| StepResult::WebhooksSubscribed)
            }
            SignupStep::CreditLineSharing => provider
                .share_credit_line(ids.waba_id.as_str(), &self.policy.credit_currency)
                .await
                .map(|allocation_config_id| StepResult::CreditLineShared {
                    allocation_config_id,
                }),
            SignupStep::PhoneRegistration => {
                let token = self.account_token(&current.state)?;
                let pin = self.registration_pin(id);
                provider
                    .register_phone(ids.phone_number_id.as_str(), &token, &pin)
                    .await
                    .map(|()| StepResult::PhoneRegistered {
                        sealed_pin: self.seal(&pin, &pin_context(id)),
                    })
            }
        };
        self.record_step_outcome(job, id, step, outcome, backoff)
            .await
    }

    fn account_token(&self, record: &WabaRecord) -> Result<ClearSecret, WhatsAppServiceError> {
        let id = record.id.ok_or(WhatsAppServiceError::WabaNotFound)?;
        let sealed = record
            .state
            .sealed_token
            .as_deref()
            .ok_or(WhatsAppServiceError::Waba(WabaError::NoToken))?;
        Ok(self.unseal(sealed, &token_context(id))?)
    }

    async fn record_step_outcome(
        &self,
        job: &ClaimedJob,
        id: WabaAccountId,
        step: SignupStep,
        outcome: Result<StepResult, ProviderError>,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let recorded = &outcome;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let now = self.core.clock.now();
                let command = match recorded {
                    Ok(result) => WabaCommand::RecordStep {
                        result: result.clone(),
                        at: now,
                    },
                    Err(e) => WabaCommand::StepFailed {
                        step,
                        reason: failure_reason(e),
                        at: now,
                    },
                };
                let (after, _) = match self.decide_waba(tx, id, &command).await {
                    // Recorded meanwhile by another run of the same step.
                    Err(WhatsAppServiceError::Waba(WabaError::StepOutOfOrder { .. })) => {
                        tx.complete_job(job.id);
                        return Ok(());
                    }
                    other => other?,
                };
                if recorded.is_ok() {
                    tx.complete_job(job.id);
                    if after.state.next_step().is_some() {
                        tx.enqueue(self.step_job(id, None, now)?);
                    }
                }
                if after.state.status == WabaStatus::Active {
                    // The account's session step completes in the activation's commit.
                    self.complete_waba_step(tx, &after).await?;
                }
                Ok(())
            })
        })
        .await?;
        match outcome {
            Ok(_) => Ok(JobOutcome::Done),
            Err(e) if permanent(&e) => {
                // Retrying cannot help (a refused PIN, missing permissions): the failure is on
                // the account for an operator, who retries with `retry_signup`.
                self.core.complete_bare(tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
            Err(e) => Ok(JobOutcome::RetryAt {
                run_at: self.core.clock.now() + backoff(job.attempts),
                reason: e.reason(),
            }),
        }
    }

    /// Queues the saga's due step again after a permanent failure was fixed (an operator's
    /// retry).
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::Waba`] with `CodeExpired` when the code was never
    /// exchanged (only a new signup helps).
    pub async fn retry_signup(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let current = self.load_waba(tenant, id).await?;
        if current.state.state.path == Some(crate::waba::WabaPath::Bsp) {
            return self.resume_bsp_review(tenant, id).await;
        }
        match current.state.state.next_step() {
            None => {}
            Some(SignupStep::CodeExchange) => return Err(WabaError::CodeExpired.into()),
            Some(_) => {
                self.execute(tenant, |tx| {
                    Box::pin(async move {
                        tx.enqueue(self.step_job(id, None, self.core.clock.now())?);
                        Ok(())
                    })
                })
                .await?;
            }
        }
        current.state.view()
    }

    /// The token timer: refreshes the business token before it expires, or flags it.
    pub(crate) async fn refresh_waba_token(
        &self,
        job: &ClaimedJob,
        p: WabaAccount,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let current = self.load_waba(tenant, id).await?;
        let token = self.account_token(&current.state)?;
        let provider = self.providers.embedded_signup(tenant).await?;
        let result = provider.refresh_token(&token).await;
        let refreshed = &result;
        let failed = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let now = self.core.clock.now();
                    match refreshed {
                        Ok(fresh) => {
                            let lifetime = fresh
                                .expires_in
                                .and_then(|s| i64::try_from(s).ok())
                                .map_or(self.policy.default_token_lifetime, Duration::seconds);
                            let command = WabaCommand::RefreshToken {
                                sealed_token: self.seal(&fresh.access_token, &token_context(id)),
                                expires_at: now + lifetime,
                                at: now,
                            };
                            self.decide_waba(tx, id, &command).await?;
                            tx.complete_job(job.id);
                            let next = (now + lifetime - self.policy.token_refresh_before).max(now);
                            tx.enqueue(self.token_job(id, next)?);
                            Ok(false)
                        }
                        Err(_) => {
                            let flag = WabaCommand::FlagTokenExpiring { at: now };
                            self.decide_waba(tx, id, &flag).await?;
                            Ok(true)
                        }
                    }
                })
            })
            .await?;
        match (failed, result) {
            (true, Err(e)) => Ok(JobOutcome::RetryAt {
                run_at: self.core.clock.now() + backoff(job.attempts),
                reason: e.reason(),
            }),
            _ => Ok(JobOutcome::Done),
        }
    }
}
