//! Meta's Embedded Signup for a Solution Partner (MISSION.md D): the code is exchanged inside
//! the request that brings it (it lives about 30 s), then the webhook subscription, the credit
//! line and the number's registration run as outbox jobs, one step per job, each step's result
//! committed with the job's completion and the next step's job, so a crash resumes at the step
//! that had not finished and repeats none that had (P-WABA-1).

use time::{Duration, OffsetDateTime};

use crate::decider::Decider;
use crate::flow::StepKind;
use crate::ids::{JobId, SessionId, TenantId, WabaAccountId};
use crate::ports::{
    BusinessToken, ClaimedJob, ClearSecret, Commit, NewJob, ProviderError, ProviderId,
};
use crate::waba::{SignupIds, SignupStep, StepResult, WabaCommand, WabaError, WabaStatus};

use super::super::jobs::JobOutcome;
use super::super::jobs::kinds::{Job, WabaAccount, WabaStep as StepJob};
use super::super::persist::Versioned;
use super::super::{AppError, Services};
use super::accounts::{WabaAccountView, WabaRecord, WhatsappTarget};

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
    /// or [`AppError::NoPaymentStep`] for a session without a `whatsapp_signup` step.
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
                    StepKind::WhatsappSignup,
                )
                .await?,
            ),
            None => None,
        };
        let id = WabaAccountId::new(self.ids.new_id());
        let empty = Versioned {
            state: WabaRecord {
                id: Some(id),
                session_id: request.session_id,
                step,
                ..WabaRecord::default()
            },
            version: 0,
        };
        let mut commit = Commit::new(tenant);
        let begin = WabaCommand::Begin {
            account: crate::ids::CustomerId::new(id.uuid()),
            ids: request.ids.clone(),
            code_received_at: received,
            at: now,
        };
        // Begin, then ask for the exchange (or expire a code already past its TTL), in one
        // commit.
        let decider = self.waba_decider();
        let mut events = decider.decide(&empty.state.state, &begin)?;
        let begun = events
            .iter()
            .fold(empty.state.state.clone(), |s, e| decider.evolve(s, e));
        let live = match decider.decide(&begun, &WabaCommand::ExchangeCode { at: now }) {
            Ok(more) => {
                events.extend(more);
                true
            }
            Err(WabaError::CodeExpired) => {
                events.extend(decider.decide(&begun, &WabaCommand::ExpireCode { at: now })?);
                false
            }
            Err(e) => return Err(e.into()),
        };
        let mut after = empty.state.clone();
        after.state = events.iter().fold(after.state, |s, e| decider.evolve(s, e));
        after.created_at = Some(now);
        after.updated_at = Some(now);
        self.push_waba_write(&mut commit, 0, &events, &after)?;
        self.point_refs_at(&mut commit, tenant, &request.ids, id, now)
            .await?;
        if live {
            // Should the exchange below fail or never be recorded (a crash), this job retries
            // it within the TTL, or expires the signup once the TTL is past. It waits out the
            // exchange call's own timeout (10 s), so it never races a call still in flight.
            let sealed_code = self.seal(&request.code, &code_context(id));
            let deadline = received + self.whatsapp_policy.code_ttl + Duration::seconds(1);
            commit.jobs.push(self.step_job(
                id,
                Some(sealed_code),
                (now + EXCHANGE_RETRY_AFTER).min(deadline),
            )?);
        }
        self.store.commit(commit).await?;
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
        commit: &mut Commit,
        tenant: TenantId,
        ids: &SignupIds,
        id: WabaAccountId,
        at: OffsetDateTime,
    ) -> Result<(), AppError> {
        let target = WhatsappTarget::Account { id };
        for reference in [ids.waba_id.as_str(), ids.phone_number_id.as_str()] {
            let stream = super::accounts::whatsapp_ref_stream(ProviderId::Meta, reference);
            let version = match self.store.load(tenant, &stream).await? {
                Some(loaded) => loaded.version,
                None => 0,
            };
            self.push_whatsapp_ref(commit, ProviderId::Meta, reference, &target, version, at)?;
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
        self.retrying(|| async {
            let current = self.load_waba(tenant, id).await?;
            let now = self.clock.now();
            let mut commit = Commit::new(tenant);
            let failure = match &result {
                Ok((sealed_token, expires_in)) => {
                    // Only a recorded exchange completes the retry job; a failure leaves it
                    // to run again (or to expire the signup past the TTL).
                    commit.complete_job = job;
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
                    self.waba_commit_parts(&mut commit, &current, &command, now)?;
                    if job.is_none() {
                        commit.cancel_timers.push(exchange_timer_key(id));
                    }
                    commit.jobs.push(self.step_job(id, None, now)?);
                    let refresh_at =
                        (expires_at - self.whatsapp_policy.token_refresh_before).max(now);
                    commit.jobs.push(self.token_job(id, refresh_at)?);
                    None
                }
                Err(e) => {
                    let command = WabaCommand::StepFailed {
                        step: SignupStep::CodeExchange,
                        reason: failure_reason(e),
                        at: now,
                    };
                    self.waba_commit_parts(&mut commit, &current, &command, now)?;
                    Some(clone_error(e))
                }
            };
            self.store.commit(commit).await?;
            Ok(failure)
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
        let activated = self
            .retrying(|| async {
                let current = self.load_waba(tenant, id).await?;
                let now = self.clock.now();
                let mut commit = Commit::new(tenant);
                let command = match &outcome {
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
                let (after, _) = match self.waba_commit_parts(&mut commit, &current, &command, now)
                {
                    // Recorded meanwhile by another run of the same step.
                    Err(AppError::Waba(WabaError::StepOutOfOrder { .. })) => {
                        let mut commit = Commit::new(tenant);
                        commit.complete_job = Some(job.id);
                        self.store.commit(commit).await?;
                        return Ok(false);
                    }
                    other => other?,
                };
                if outcome.is_ok() {
                    commit.complete_job = Some(job.id);
                    if after.state.next_step().is_some() {
                        commit.jobs.push(self.step_job(id, None, now)?);
                    }
                }
                self.store.commit(commit).await?;
                Ok(after.state.status == WabaStatus::Active)
            })
            .await?;
        match outcome {
            Ok(_) => {
                if activated {
                    self.complete_waba_step_of_session(tenant, id).await?;
                }
                Ok(JobOutcome::Done)
            }
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
        let mut commit = Commit::new(tenant);
        commit.complete_job = Some(job.id);
        match self.waba_commit_parts(
            &mut commit,
            current,
            &WabaCommand::ExchangeCode { at: now },
            now,
        ) {
            Err(AppError::Waba(WabaError::CodeExpired)) => {
                let mut commit = Commit::new(tenant);
                commit.complete_job = Some(job.id);
                self.waba_commit_parts(
                    &mut commit,
                    current,
                    &WabaCommand::ExpireCode { at: now },
                    now,
                )?;
                self.store.commit(commit).await?;
                return Ok(JobOutcome::Done);
            }
            other => {
                other?;
            }
        }
        let dead = current
            .state
            .state
            .last_failure
            .as_ref()
            .is_some_and(|f| f.step == SignupStep::CodeExchange && f.reason == DEAD_CODE);
        if dead {
            // Meta said the code is used or expired: it is not sent again; the job comes back
            // once the TTL is past to expire the signup.
            return Ok(JobOutcome::RetryAt {
                run_at: current.state.state.code_received_at.map_or(now, |r| {
                    r + self.whatsapp_policy.code_ttl + Duration::seconds(1)
                }),
                reason: DEAD_CODE.into(),
            });
        }
        let sealed = p
            .sealed_code
            .as_deref()
            .ok_or_else(|| AppError::Corrupt(format!("job {} has no code", job.id)))?;
        let code = self.unseal(sealed, &code_context(id))?;
        commit.complete_job = None;
        self.store.commit(commit).await?;
        let provider = self.whatsapp.embedded_signup(tenant).await?;
        let result = provider.exchange_code(&code).await;
        match self
            .record_exchange(tenant, id, result, Some(job.id))
            .await?
        {
            None => Ok(JobOutcome::Done),
            Some(e) => {
                let deadline = current.state.state.code_received_at.map_or(now, |r| {
                    r + self.whatsapp_policy.code_ttl + Duration::seconds(1)
                });
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
                let mut commit = Commit::new(tenant);
                commit.jobs.push(self.step_job(id, None, self.clock.now())?);
                self.store.commit(commit).await?;
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
        let failed = self
            .retrying(|| async {
                let current = self.load_waba(tenant, id).await?;
                let now = self.clock.now();
                let mut commit = Commit::new(tenant);
                let failed = match &result {
                    Ok(fresh) => {
                        let lifetime = fresh.expires_in.and_then(|s| i64::try_from(s).ok()).map_or(
                            self.whatsapp_policy.default_token_lifetime,
                            Duration::seconds,
                        );
                        let command = WabaCommand::RefreshToken {
                            sealed_token: self.seal(&fresh.access_token, &token_context(id)),
                            expires_at: now + lifetime,
                            at: now,
                        };
                        self.waba_commit_parts(&mut commit, &current, &command, now)?;
                        commit.complete_job = Some(job.id);
                        let next =
                            (now + lifetime - self.whatsapp_policy.token_refresh_before).max(now);
                        commit.jobs.push(self.token_job(id, next)?);
                        false
                    }
                    Err(_) => {
                        self.waba_commit_parts(
                            &mut commit,
                            &current,
                            &WabaCommand::FlagTokenExpiring { at: now },
                            now,
                        )?;
                        true
                    }
                };
                self.store.commit(commit).await?;
                Ok(failed)
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

    /// Completes the session's `whatsapp_signup` or `whatsapp_sender` step with account `id`
    /// when that step is the session's current one; anything else is left as it is (the
    /// client may submit the step itself later).
    pub(crate) async fn complete_waba_step_of_session(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<(), AppError> {
        let record = self.load_waba(tenant, id).await?.state;
        let (Some(session), Some(step)) = (record.session_id, record.step) else {
            return Ok(());
        };
        let answers = serde_json::json!({ "waba_account_id": id.to_string() });
        match self
            .submit_step(tenant, session, step.as_str(), answers)
            .await
        {
            Ok(_) => Ok(()),
            Err(AppError::Session(_) | AppError::SessionNotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
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
