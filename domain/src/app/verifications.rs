//! Verification use cases: start, resend, check, read, and the delivery and expiry jobs.

use time::OffsetDateTime;

use crate::decider::Decider;
use crate::flow::StepKind;
use crate::ids::{JobId, SessionId, TenantId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{
    AggregateKind, CodeOwner, ProviderCheck, ProviderId, ProviderVerdict, StreamId,
};
use crate::session::{SessionCommand, SessionDecider, SessionState, VerifiedPhone};
use crate::verification::{
    Channel, CodeHash, OtpCode, QuotaCommand, QuotaDecider, QuotaState, SendAllowance,
    VerificationCommand, VerificationDecider, VerificationEvent, VerificationState,
    VerificationStatus,
};

use super::execute::Tx;
use super::jobs::Job;
pub(crate) use super::jobs::kinds::DeliverPayload;
use super::persist::Versioned;
pub use super::verification_view::VerificationView;
use super::{AppError, Services};

pub(crate) fn verification_stream(id: VerificationId) -> StreamId {
    StreamId::new(AggregateKind::Verification, id)
}

/// The stream mapping a provider's reference of a delivery to its verification.
pub(crate) fn provider_ref_stream(provider: ProviderId, provider_ref: &str) -> StreamId {
    StreamId::new(
        AggregateKind::ProviderRef,
        format!("{provider}:{provider_ref}"),
    )
}

/// What a provider reference points at.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProviderRefState {
    pub verification_id: VerificationId,
    pub seq: u32,
}

fn quota_stream(phone: &PhoneNumber) -> StreamId {
    StreamId::new(AggregateKind::PhoneQuota, phone)
}

/// Input of [`Services::start_verification`].
#[derive(Debug, Clone)]
pub struct StartVerification {
    /// Destination, parsed.
    pub phone: PhoneNumber,
    /// First channel (voice by default).
    pub channel: Option<Channel>,
    /// The session whose phone step this verifies.
    pub session_id: Option<SessionId>,
}

fn code_context(id: VerificationId) -> String {
    format!("otp-delivery:{id}")
}

impl Services {
    fn code_hash(&self, id: VerificationId, code: &OtpCode) -> CodeHash {
        let mut data = id.uuid().as_bytes().to_vec();
        data.extend_from_slice(code.expose().as_bytes());
        CodeHash(self.secrets.keyed_hash("otp", &data))
    }

    fn verification_decider(&self) -> VerificationDecider {
        VerificationDecider {
            policy: self.verification_policy.clone(),
        }
    }

    fn quota_decider(&self) -> QuotaDecider {
        QuotaDecider {
            policy: self.quota_policy,
        }
    }

    pub(crate) async fn load_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
    ) -> Result<Versioned<VerificationState>, AppError> {
        self.load_versioned(tenant, &verification_stream(id))
            .await?
            .ok_or(AppError::VerificationNotFound)
    }

    /// A verification and its phone's send quota, read in `tx` for one decision.
    ///
    /// # Errors
    /// [`AppError::VerificationNotFound`].
    pub(crate) async fn load_with_quota(
        &self,
        tx: &mut Tx<'_>,
        id: VerificationId,
    ) -> Result<(VerificationState, QuotaState), AppError> {
        let current = tx
            .load::<VerificationState>(id)
            .await?
            .ok_or(AppError::VerificationNotFound)?;
        let phone = current
            .phone
            .clone()
            .ok_or(AppError::VerificationNotFound)?;
        let quota = tx.load::<QuotaState>(&phone).await?.unwrap_or_default();
        Ok((current, quota))
    }

    pub(crate) fn allowance(&self, quota: &QuotaState, at: OffsetDateTime) -> SendAllowance {
        match self
            .quota_decider()
            .decide(quota, &QuotaCommand::Reserve { at })
        {
            Ok(_) => SendAllowance::Allowed,
            Err(e) => SendAllowance::Exhausted {
                retry_after_seconds: e.retry_after_seconds,
            },
        }
    }

    /// Records a decision in `tx`: the verification's events, one quota reservation and one
    /// delivery job per send, the expiry timer, the failover's writes. `code` is the clear code
    /// of a new send, or the encrypted one carried over for a fallback.
    fn apply_verification(
        &self,
        tx: &mut Tx<'_>,
        id: VerificationId,
        events: Vec<VerificationEvent>,
        code: &CodeForJobs,
    ) -> Result<(VerificationState, QuotaState), AppError> {
        let after = tx.apply(&self.verification_decider(), id, events.clone())?;
        let phone = after.phone.clone().ok_or(AppError::VerificationNotFound)?;
        let quota_decider = self.quota_decider();
        let mut quota = tx.apply(&quota_decider, &phone, Vec::new())?;
        for event in &events {
            self.failover_writes(tx, &after, &events, event, code)?;
            let VerificationEvent::CodeSent {
                seq,
                channel,
                at,
                expires_at,
                ..
            } = event
            else {
                continue;
            };
            let reserved = quota_decider
                .decide(&quota, &QuotaCommand::Reserve { at: *at })
                .map_err(|e| crate::verification::VerificationError::RateLimited {
                    retry_after_seconds: e.retry_after_seconds,
                })?;
            quota = tx.apply(&quota_decider, &phone, reserved)?;
            let encrypted = match code {
                CodeForJobs::Clear(c) => hex::encode(
                    self.secrets
                        .encrypt(c.expose().as_bytes(), &code_context(id)),
                ),
                CodeForJobs::Encrypted(e) => e.clone(),
                CodeForJobs::None => {
                    return Err(AppError::Corrupt(
                        "a send was decided without a code".into(),
                    ));
                }
            };
            let payload = DeliverPayload {
                verification_id: id,
                seq: *seq,
                channel: *channel,
                code: encrypted,
            };
            tx.enqueue(Job::DeliverCode(payload).schedule(
                JobId::new(self.ids.new_id()),
                *at,
                None,
            )?);
            tx.enqueue(
                Job::ExpireVerification {
                    verification_id: id,
                }
                .schedule(
                    JobId::new(self.ids.new_id()),
                    *expires_at,
                    Some(format!("verification-expiry:{id}")),
                )?,
            );
        }
        if matches!(
            after.status,
            VerificationStatus::Approved | VerificationStatus::Locked | VerificationStatus::Expired
        ) {
            tx.cancel_timer(format!("verification-expiry:{id}"));
        }
        Ok((after, quota))
    }

    /// Decides `command` on the verification `id` as `tx` reads it and records the decision
    /// (nothing when the decider records nothing). Returns the events and the verification and
    /// quota states after them, so callers build their answer without reading again.
    pub(crate) async fn decide_verification(
        &self,
        tx: &mut Tx<'_>,
        id: VerificationId,
        command: &VerificationCommand,
        code: &CodeForJobs,
    ) -> Result<(Vec<VerificationEvent>, VerificationState, QuotaState), AppError> {
        // A verification being started is new: nothing to read.
        let (current, phone) = match command {
            VerificationCommand::Start { phone, .. } => {
                (VerificationState::default(), phone.clone())
            }
            _ => {
                let current = tx
                    .load::<VerificationState>(id)
                    .await?
                    .ok_or(AppError::VerificationNotFound)?;
                let phone = current
                    .phone
                    .clone()
                    .ok_or(AppError::VerificationNotFound)?;
                (current, phone)
            }
        };
        let quota = tx.load::<QuotaState>(&phone).await?.unwrap_or_default();
        let events = self.verification_decider().decide(&current, command)?;
        if events.is_empty() {
            return Ok((events, current, quota));
        }
        let (after, quota) = self.apply_verification(tx, id, events.clone(), code)?;
        Ok((events, after, quota))
    }

    fn verification_view(
        &self,
        state: &VerificationState,
        quota: &QuotaState,
        at: OffsetDateTime,
    ) -> VerificationView {
        VerificationView {
            id: state.id.map(|i| i.to_string()).unwrap_or_default(),
            status: state.status_at(at),
            channel: state.channel(),
            phone: state
                .phone
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            session_id: state.session_id.map(|s| s.to_string()),
            expires_at: state.expires_at,
            sends_remaining: self.quota_decider().remaining(quota, at),
            checks_remaining: self
                .verification_policy
                .max_failed_checks
                .saturating_sub(state.failed_checks),
            deliveries: state.deliveries.clone(),
            blocked_fallback: state.blocked_fallback,
            created_at: state.created_at,
            approved_at: state.approved_at,
        }
    }

    /// Starts a verification and queues the first code (voice by default).
    ///
    /// # Errors
    /// [`AppError::SessionNotFound`] for an unknown session; [`AppError::Verification`] with
    /// `RateLimited` when the phone had 5 sends in the last hour (P-OTP-1).
    pub async fn start_verification(
        &self,
        tenant: TenantId,
        input: StartVerification,
    ) -> Result<VerificationView, AppError> {
        if let Some(session) = input.session_id {
            self.load_session(tenant, session).await?;
        }
        let id = VerificationId::new(self.ids.new_id());
        let input = &input;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.clock.now();
                let quota = tx
                    .load::<QuotaState>(&input.phone)
                    .await?
                    .unwrap_or_default();
                let code = self.codes.otp();
                let command = VerificationCommand::Start {
                    id,
                    phone: input.phone.clone(),
                    session_id: input.session_id,
                    channel: input.channel,
                    code_hash: self.code_hash(id, &code),
                    quota: self.allowance(&quota, at),
                    at,
                };
                let (_, after, quota) = self
                    .decide_verification(tx, id, &command, &CodeForJobs::Clear(code))
                    .await?;
                let answer = self.verification_view(&after, &quota, at);
                tx.answer(&answer);
                Ok(answer)
            })
        })
        .await
    }

    /// The verification's view.
    ///
    /// # Errors
    /// [`AppError::VerificationNotFound`] (also for another tenant's id).
    pub async fn verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
    ) -> Result<VerificationView, AppError> {
        let v = self.load_verification(tenant, id).await?;
        let phone = v
            .state
            .phone
            .clone()
            .ok_or(AppError::VerificationNotFound)?;
        let quota = self
            .load_versioned::<QuotaState>(tenant, &quota_stream(&phone))
            .await?
            .map(|q| q.state)
            .unwrap_or_default();
        Ok(self.verification_view(&v.state, &quota, self.clock.now()))
    }

    /// Sends a new code, on `channel` or the last channel used (the user may ask for SMS at any
    /// time). The previous code stops being accepted.
    ///
    /// # Errors
    /// `ResendTooSoon` within 30 s of the last send, `RateLimited`, `Expired`, `Locked`,
    /// `AlreadyApproved`.
    pub async fn resend_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
        channel: Option<Channel>,
    ) -> Result<VerificationView, AppError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.clock.now();
                let (_, quota) = self.load_with_quota(tx, id).await?;
                let code = self.codes.otp();
                let command = VerificationCommand::Resend {
                    channel,
                    code_hash: self.code_hash(id, &code),
                    quota: self.allowance(&quota, at),
                    at,
                };
                let (_, after, quota) = self
                    .decide_verification(tx, id, &command, &CodeForJobs::Clear(code))
                    .await?;
                let answer = self.verification_view(&after, &quota, at);
                tx.answer(&answer);
                Ok(answer)
            })
        })
        .await
    }

    /// Checks a typed code. On approval, the session's current phone verification step (if the
    /// verification belongs to a session and that step is current) completes in the same commit.
    ///
    /// # Errors
    /// [`AppError::CodeIncorrect`] (the failed check is recorded), `Locked` after 5 wrong codes,
    /// `Expired` after 300 s, `AlreadyApproved`.
    pub async fn check_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
        code: &OtpCode,
    ) -> Result<VerificationView, AppError> {
        // A provider-owned code is checked by its provider once, before deciding (never inside
        // the commit path, which may decide again).
        let code_hash = self.code_hash(id, code);
        let verdict = self
            .provider_verdict(
                tenant,
                &self.load_verification(tenant, id).await?.state,
                &code_hash,
                code,
                self.clock.now(),
            )
            .await?;
        let (view, failed) = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let at = self.clock.now();
                    let command = match verdict {
                        Some(approved) => VerificationCommand::RecordProviderCheck { approved, at },
                        None => VerificationCommand::Check { code_hash, at },
                    };
                    let (events, after, quota) = self
                        .decide_verification(tx, id, &command, &CodeForJobs::None)
                        .await?;
                    if after.status == VerificationStatus::Approved {
                        self.complete_phone_step(tx, &after, at).await?;
                    }
                    let failed = events
                        .iter()
                        .any(|e| matches!(e, VerificationEvent::CheckFailed { .. }));
                    let answer = self.verification_view(&after, &quota, at);
                    if !failed {
                        tx.answer(&answer);
                    }
                    Ok((answer, failed))
                })
            })
            .await?;
        match (failed, view.status) {
            (true, VerificationStatus::Locked) => {
                Err(crate::verification::VerificationError::Locked.into())
            }
            (true, _) => Err(AppError::CodeIncorrect {
                checks_remaining: view.checks_remaining,
            }),
            _ => Ok(view),
        }
    }

    /// When the current code was generated by a provider ([`CodeOwner::Provider`], Sinch) and
    /// the typed code is not Onramp's, asks that provider (issue 3: "a provider-owned code
    /// checked through the provider"). None when Onramp's own check applies.
    async fn provider_verdict(
        &self,
        tenant: TenantId,
        state: &VerificationState,
        code_hash: &CodeHash,
        code: &OtpCode,
        at: OffsetDateTime,
    ) -> Result<Option<bool>, AppError> {
        if state.code_hash.is_some_and(|h| h.matches(code_hash))
            || state.status_at(at) != VerificationStatus::Pending
        {
            return Ok(None);
        }
        let owned = state
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.generation == state.generation)
            .find_map(|d| {
                d.accepted()
                    .filter(|a| a.code_owner == Some(CodeOwner::Provider))
                    .map(|a| (d.channel, a.clone()))
            });
        let (Some((channel, attempt)), Some(phone)) = (owned, state.phone.clone()) else {
            return Ok(None);
        };
        let (Some(provider_ref), Some(sender)) = (
            attempt.provider_ref.clone(),
            self.senders.sender(tenant, attempt.provider).await?,
        ) else {
            return Ok(None);
        };
        let verdict = sender
            .check_code(&ProviderCheck {
                tenant,
                to: phone,
                channel,
                provider_ref,
                code: code.clone(),
            })
            .await?;
        Ok(Some(verdict == ProviderVerdict::Approved))
    }

    /// Records the session's phone step completion in `tx` when that step is current.
    async fn complete_phone_step(
        &self,
        tx: &mut Tx<'_>,
        v: &VerificationState,
        at: OffsetDateTime,
    ) -> Result<(), AppError> {
        let (Some(session_id), Some(vid), Some(phone)) = (v.session_id, v.id, v.phone.clone())
        else {
            return Ok(());
        };
        let current = tx
            .load::<SessionState>(session_id)
            .await?
            .ok_or(AppError::SessionNotFound)?;
        let Some(flow_id) = current.flow_id.clone() else {
            return Ok(());
        };
        let flow = self.flows.pinned(&flow_id, current.flow_version)?;
        let Some(step) = crate::session::current_step(&flow, &current) else {
            return Ok(());
        };
        if step.kind() != StepKind::PhoneVerification {
            return Ok(());
        }
        let command = SessionCommand::SubmitStep {
            proof: None,
            step: step.id().clone(),
            answers: serde_json::json!({ "verification_id": vid.to_string() }),
            verified_phone: Some(VerifiedPhone {
                verification_id: vid,
                phone,
            }),
            at,
        };
        // A session that cannot take the step now (paused, finished) keeps the approval only:
        // the step can be submitted later with the verification id.
        if let Ok(events) = SessionDecider::new(&flow).decide(&current, &command) {
            self.apply_session(tx, &flow, session_id, events)?;
        }
        Ok(())
    }

    /// Records a provider's answer for delivery `seq` and, on a failed voice call, queues the SMS
    /// fallback with the same code (P-OTP-3), in one commit that also completes `job`.
    pub(crate) async fn record_delivery(
        &self,
        tenant: TenantId,
        job: JobId,
        payload: &DeliverPayload,
        outcome: crate::verification::DeliveryOutcome,
    ) -> Result<(), AppError> {
        let outcome = &outcome;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.clock.now();
                let (_, quota) = self.load_with_quota(tx, payload.verification_id).await?;
                let command = VerificationCommand::RecordDelivery {
                    seq: payload.seq,
                    outcome: outcome.clone(),
                    quota: self.allowance(&quota, at),
                    at,
                };
                tx.complete_job(job);
                self.decide_verification(
                    tx,
                    payload.verification_id,
                    &command,
                    &CodeForJobs::Encrypted(payload.code.clone()),
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Decrypts the code of a delivery job.
    pub(crate) fn job_code(&self, payload: &DeliverPayload) -> Result<OtpCode, AppError> {
        let bytes = hex::decode(&payload.code)
            .map_err(|e| AppError::Corrupt(format!("delivery code: {e}")))?;
        let clear = self
            .secrets
            .decrypt(&bytes, &code_context(payload.verification_id))
            .map_err(|e| AppError::Corrupt(format!("delivery code: {e}")))?;
        let text = String::from_utf8(clear).map_err(|e| AppError::Corrupt(e.to_string()))?;
        OtpCode::parse(&text).map_err(|e| AppError::Corrupt(e.to_string()))
    }

    /// The expiry timer of a verification.
    pub(crate) async fn expire_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
        job: JobId,
    ) -> Result<(), AppError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job);
                if tx.load::<VerificationState>(id).await?.is_none() {
                    return Ok(());
                }
                let command = VerificationCommand::Expire {
                    at: self.clock.now(),
                };
                self.decide_verification(tx, id, &command, &CodeForJobs::None)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

/// The code a decision's delivery jobs carry.
#[derive(Debug, Clone)]
pub(crate) enum CodeForJobs {
    /// A new code, to encrypt.
    Clear(OtpCode),
    /// The encrypted code of the failed delivery a fallback repeats.
    Encrypted(String),
    /// No send can follow from this decision.
    None,
}
