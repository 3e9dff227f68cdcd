//! Verification use cases: start, resend, check, read, and the delivery and expiry jobs.

use time::OffsetDateTime;

use crate::ids::{JobId, SessionId, TenantId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::{AggregateKind, ProviderId, StreamId};
use crate::verification::{
    Channel, CodeHash, OtpCode, QuotaDecider, QuotaState, VerificationCommand, VerificationDecider,
    VerificationState,
};

pub(crate) use super::jobs::kinds::DeliverPayload;
use super::persist::Versioned;
pub use super::verification_view::VerificationView;

mod check;
mod recording;
use super::{CoreError, VerificationService, VerificationServiceError};
pub(crate) use recording::CodeForJobs;

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

/// Input of [`VerificationService::start_verification`].
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

impl VerificationService {
    fn code_hash(&self, id: VerificationId, code: &OtpCode) -> CodeHash {
        let mut data = id.uuid().as_bytes().to_vec();
        data.extend_from_slice(code.expose().as_bytes());
        CodeHash(self.secrets.keyed_hash("otp", &data))
    }

    fn verification_decider(&self) -> VerificationDecider {
        VerificationDecider {
            policy: self.policy.clone(),
        }
    }

    fn quota_decider(&self) -> QuotaDecider {
        QuotaDecider { policy: self.quota }
    }

    pub(crate) async fn load_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
    ) -> Result<Versioned<VerificationState>, VerificationServiceError> {
        self.core
            .load_versioned(tenant, &verification_stream(id))
            .await?
            .ok_or(VerificationServiceError::VerificationNotFound)
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
                .policy
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
    /// [`CoreError::SessionNotFound`] for an unknown session; [`VerificationServiceError::Verification`] with
    /// `RateLimited` when the phone had 5 sends in the last hour (P-OTP-1).
    pub async fn start_verification(
        &self,
        tenant: TenantId,
        input: StartVerification,
    ) -> Result<VerificationView, VerificationServiceError> {
        if let Some(session) = input.session_id {
            self.core.load_session(tenant, session).await?;
        }
        let id = VerificationId::new(self.core.ids.new_id());
        let input = &input;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
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
    /// [`VerificationServiceError::VerificationNotFound`] (also for another tenant's id).
    pub async fn verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
    ) -> Result<VerificationView, VerificationServiceError> {
        let v = self.load_verification(tenant, id).await?;
        let phone = v
            .state
            .phone
            .clone()
            .ok_or(VerificationServiceError::VerificationNotFound)?;
        let quota = self
            .core
            .load_versioned::<QuotaState>(tenant, &quota_stream(&phone))
            .await?
            .map(|q| q.state)
            .unwrap_or_default();
        Ok(self.verification_view(&v.state, &quota, self.core.clock.now()))
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
    ) -> Result<VerificationView, VerificationServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
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

    /// Records a provider's answer for delivery `seq` and, on a failed voice call, queues the SMS
    /// fallback with the same code (P-OTP-3), in one commit that also completes `job`.
    pub(crate) async fn record_delivery(
        &self,
        tenant: TenantId,
        job: JobId,
        payload: &DeliverPayload,
        outcome: crate::verification::DeliveryOutcome,
    ) -> Result<(), VerificationServiceError> {
        let outcome = &outcome;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let at = self.core.clock.now();
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
    pub(crate) fn job_code(&self, payload: &DeliverPayload) -> Result<OtpCode, CoreError> {
        let bytes = hex::decode(&payload.code)
            .map_err(|e| CoreError::Corrupt(format!("delivery code: {e}")))?;
        let clear = self
            .secrets
            .decrypt(&bytes, &code_context(payload.verification_id))
            .map_err(|e| CoreError::Corrupt(format!("delivery code: {e}")))?;
        let text = String::from_utf8(clear).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        OtpCode::parse(&text).map_err(|e| CoreError::Corrupt(e.to_string()))
    }

    /// The expiry timer of a verification.
    pub(crate) async fn expire_verification(
        &self,
        tenant: TenantId,
        id: VerificationId,
        job: JobId,
    ) -> Result<(), VerificationServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job);
                if tx.load::<VerificationState>(id).await?.is_none() {
                    return Ok(());
                }
                let command = VerificationCommand::Expire {
                    at: self.core.clock.now(),
                };
                self.decide_verification(tx, id, &command, &CodeForJobs::None)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
