//! Meta's Embedded Signup for a Solution Partner (MISSION.md D): the code is exchanged inside
//! the request that brings it (it lives about 30 s), then the webhook subscription, the credit
//! line and the number's registration run as outbox jobs, one step per job, each step's result
//! committed with the job's completion and the next step's job, so a crash resumes at the step
//! that had not finished and repeats none that had (P-WABA-1).

use time::{Duration, OffsetDateTime};

use crate::decider::Decider;
use crate::flow::StepKind;
use crate::ids::{JobId, SessionId, TenantId, WabaAccountId};
use crate::ports::{BusinessToken, ClaimedJob, ClearSecret, NewJob, ProviderError, ProviderId};
use crate::waba::{SignupIds, SignupStep, StepResult, WabaCommand, WabaError, WabaStatus};

use super::super::aggregates::whatsapp::WabaRecords;
use super::super::execute::Tx;
use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::{Job, WabaAccount, WabaStep as StepJob};
use super::super::persist::Versioned;
use super::super::{AppError, Services};
use super::accounts::{WabaAccountView, WabaRecord, WhatsAppTarget};

/// Input of [`Services::begin_signup`]: Embedded Signup's FINISH data and the code.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    /// `waba_id`, `phone_number_id`, `business_id` of the FINISH event.
    pub ids: SignupIds,
    /// The authorization code `FB.login` answered.
    pub code: ClearSecret,
    /// When the browser received the code, if it says; only ever makes the code older (a time
    /// in the future counts as now).
    pub code_issued_at: Option<OffsetDateTime>,
    /// The session whose `whatsapp_signup` step this account completes, if any.
    pub session_id: Option<SessionId>,
    /// That step's id, when the flow has several.
    pub step: Option<String>,
}

/// How long after the request the exchange's retry job waits: past the exchange call's own
/// timeout (10 s, the provider kit's default), within the code's 30 s.
const EXCHANGE_RETRY_AFTER: Duration = Duration::seconds(12);

/// The rejection code of an exchange whose code Meta calls used or expired
/// (`EmbeddedSignup`'s `code_expired`).
const DEAD_CODE: &str = "code_expired";

fn token_context(id: WabaAccountId) -> String {
    format!("waba-token:{id}")
}

fn pin_context(id: WabaAccountId) -> String {
    format!("waba-pin:{id}")
}

fn code_context(id: WabaAccountId) -> String {
    format!("waba-code:{id}")
}

fn token_timer_key(id: WabaAccountId) -> String {
    format!("waba:{id}:token")
}

fn exchange_timer_key(id: WabaAccountId) -> String {
    format!("waba:{id}:exchange")
}

impl Services {
    pub(crate) fn seal(&self, secret: &ClearSecret, context: &str) -> String {
        hex::encode(self.secrets.encrypt(secret.expose().as_bytes(), context))
    }

    pub(crate) fn unseal(&self, sealed: &str, context: &str) -> Result<ClearSecret, AppError> {
        let bytes = hex::decode(sealed).map_err(|e| AppError::Corrupt(e.to_string()))?;
        let clear = self
            .secrets
            .decrypt(&bytes, context)
            .map_err(|e| AppError::Corrupt(format!("sealed secret: {}", e.0)))?;
        String::from_utf8(clear)
            .map(ClearSecret::new)
            .map_err(|e| AppError::Corrupt(e.to_string()))
    }

    /// The registration PIN of account `id`: 6 digits derived from a keyed hash of the id, so
    /// every retry of the registration uses the same PIN and the PIN is never stored in clear.
    fn registration_pin(&self, id: WabaAccountId) -> ClearSecret {
        let hash = self.secrets.keyed_hash("waba-pin", id.uuid().as_bytes());
        let n = u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]) % 1_000_000;
        ClearSecret::new(format!("{n:06}"))
    }

    fn step_job(
        &self,
        id: WabaAccountId,
        sealed_code: Option<String>,
        run_at: OffsetDateTime,
    ) -> Result<NewJob, AppError> {
        let timer_key = sealed_code.as_ref().map(|_| exchange_timer_key(id));
        Job::WabaStep(StepJob {
            account_id: id,
            sealed_code,
        })
        .schedule(JobId::new(self.ids.new_id()), run_at, timer_key)
    }

    fn token_job(&self, id: WabaAccountId, run_at: OffsetDateTime) -> Result<NewJob, AppError> {
        Job::WabaToken(WabaAccount { account_id: id }).schedule(
            JobId::new(self.ids.new_id()),
            run_at,
            Some(token_timer_key(id)),
        )
    }

    /// Starts Embedded Signup's server side: records the FINISH data, exchanges the code now if
    /// it is still within its time to live, and queues the next steps.
    ///
    /// # Errors
    /// [`AppError::SignupCodeExpired`] when the code is past its TTL or Meta says it is used
    /// or expired (nothing is exchanged; the user signs up again); [`AppError::SessionNotFound`]
    /// or [`AppError::NoStepOfKind`] for a session without a `whatsapp_signup` step.
    pub async fn begin_signup(
        &self,
        tenant: TenantId,
        request: SignupRequest,
    ) -> Result<WabaAccountView, AppError> {
        let now = self.clock.now();
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
        let id = WabaAccountId::new(self.ids.new_id());
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
        let deadline = received + self.whatsapp_policy.code_ttl + Duration::seconds(1);
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
                        Err(AppError::Waba(WabaError::CodeExpired)) => {
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
            return Err(AppError::SignupCodeExpired);
        }
        let provider = self.whatsapp.embedded_signup(tenant).await?;
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
            return Err(AppError::SignupCodeExpired);
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
    ) -> Result<(), AppError> {
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
    ) -> Result<Option<ProviderError>, AppError> {
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
                let now = self.clock.now();
                match result {
                    Ok((sealed_token, expires_in)) => {
                        // Only a recorded exchange completes the retry job; a failure leaves it
                        // to run again (or to expire the signup past the TTL).
                        if let Some(job) = job {
                            tx.complete_job(job);
                        }
                        let lifetime = expires_in.and_then(|s| i64::try_from(s).ok()).map_or(
                            self.whatsapp_policy.default_token_lifetime,
                            Duration::seconds,
                        );
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
                        let refresh_at =
                            (expires_at - self.whatsapp_policy.token_refresh_before).max(now);
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

    /// Runs the saga's step due for the job's account, exactly one provider call.
    pub(crate) async fn run_waba_step(
        &self,
        job: &ClaimedJob,
        p: StepJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let current = self.load_waba(tenant, id).await?;
        let step = current.state.state.next_step();
        let Some(step) = step.filter(|s| p.sealed_code.is_none() || *s == SignupStep::CodeExchange)
        else {
            // Nothing due, or the exchange's safety net after the exchange was recorded.
            self.complete_bare(tenant, job.id).await?;
            return Ok(JobOutcome::Done);
        };
        let now = self.clock.now();
        let provider = self.whatsapp.embedded_signup(tenant).await?;
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
                .share_credit_line(ids.waba_id.as_str(), &self.whatsapp_policy.credit_currency)
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

    fn account_token(&self, record: &WabaRecord) -> Result<ClearSecret, AppError> {
        let id = record.id.ok_or(AppError::WabaNotFound)?;
        let sealed = record
            .state
            .sealed_token
            .as_deref()
            .ok_or(AppError::Waba(WabaError::NoToken))?;
        self.unseal(sealed, &token_context(id))
    }

    async fn record_step_outcome(
        &self,
        job: &ClaimedJob,
        id: WabaAccountId,
        step: SignupStep,
        outcome: Result<StepResult, ProviderError>,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let recorded = &outcome;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let now = self.clock.now();
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
                    Err(AppError::Waba(WabaError::StepOutOfOrder { .. })) => {
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
                self.complete_bare(tenant, job.id).await?;
                Ok(JobOutcome::Done)
            }
            Err(e) => Ok(JobOutcome::RetryAt {
                run_at: self.clock.now() + backoff(job.attempts),
                reason: e.reason(),
            }),
        }
    }

    /// The exchange's retry from the outbox: allowed within the code's TTL only; past it the
    /// signup expires (P-WABA-2).
    async fn retry_exchange(
        &self,
        job: &ClaimedJob,
        p: &StepJob,
        current: &Versioned<WabaRecord>,
        now: OffsetDateTime,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let deadline = current.state.state.code_received_at.map_or(now, |r| {
            r + self.whatsapp_policy.code_ttl + Duration::seconds(1)
        });
        let step = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let current = tx
                        .load::<WabaRecord>(id)
                        .await?
                        .ok_or(AppError::WabaNotFound)?;
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
            .ok_or_else(|| AppError::Corrupt(format!("job {} has no code", job.id)))?;
        let code = self.unseal(sealed, &code_context(id))?;
        let provider = self.whatsapp.embedded_signup(tenant).await?;
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
                    (self.clock.now() + backoff(job.attempts)).min(deadline)
                };
                Ok(JobOutcome::RetryAt {
                    run_at,
                    reason: e.reason(),
                })
            }
        }
    }

    /// Queues the saga's due step again after a permanent failure was fixed (an operator's
    /// retry).
    ///
    /// # Errors
    /// [`AppError::WabaNotFound`]; [`AppError::Waba`] with `CodeExpired` when the code was never
    /// exchanged (only a new signup helps).
    pub async fn retry_signup(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<WabaAccountView, AppError> {
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
                        tx.enqueue(self.step_job(id, None, self.clock.now())?);
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
    ) -> Result<JobOutcome, AppError> {
        let tenant = job.tenant;
        let id = p.account_id;
        let current = self.load_waba(tenant, id).await?;
        let token = self.account_token(&current.state)?;
        let provider = self.whatsapp.embedded_signup(tenant).await?;
        let result = provider.refresh_token(&token).await;
        let refreshed = &result;
        let failed = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let now = self.clock.now();
                    match refreshed {
                        Ok(fresh) => {
                            let lifetime =
                                fresh.expires_in.and_then(|s| i64::try_from(s).ok()).map_or(
                                    self.whatsapp_policy.default_token_lifetime,
                                    Duration::seconds,
                                );
                            let command = WabaCommand::RefreshToken {
                                sealed_token: self.seal(&fresh.access_token, &token_context(id)),
                                expires_at: now + lifetime,
                                at: now,
                            };
                            self.decide_waba(tx, id, &command).await?;
                            tx.complete_job(job.id);
                            let next = (now + lifetime - self.whatsapp_policy.token_refresh_before)
                                .max(now);
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
                run_at: self.clock.now() + backoff(job.attempts),
                reason: e.reason(),
            }),
            _ => Ok(JobOutcome::Done),
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

/// The reason recorded for a failed step: the rejection's stable code, or the failure's kind.
fn failure_reason(e: &ProviderError) -> String {
    e.reason()
}

/// True when retrying the same call cannot succeed.
fn permanent(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::Rejected { .. } | ProviderError::Unauthorized { .. }
    )
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
