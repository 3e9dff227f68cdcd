//! Recording a verification decision: the verification's events with the send quota's
//! reservations, the delivery and expiry jobs, and the failover's writes, in the decision's
//! [`Tx`].

use time::OffsetDateTime;

use crate::decider::Decider;
use crate::ids::{JobId, VerificationId};
use crate::verification::{
    OtpCode, QuotaCommand, QuotaState, SendAllowance, VerificationCommand, VerificationEvent,
    VerificationState, VerificationStatus,
};

use super::super::execute::Tx;
use super::super::jobs::Job;
use super::super::{CoreError, VerificationService, VerificationServiceError};
use super::{DeliverPayload, code_context};

impl VerificationService {
    /// A verification and its phone's send quota, read in `tx` for one decision.
    ///
    /// # Errors
    /// [`VerificationServiceError::VerificationNotFound`].
    pub(crate) async fn load_with_quota(
        &self,
        tx: &mut Tx<'_>,
        id: VerificationId,
    ) -> Result<(VerificationState, QuotaState), VerificationServiceError> {
        let current = tx
            .load::<VerificationState>(id)
            .await?
            .ok_or(VerificationServiceError::VerificationNotFound)?;
        let phone = current
            .phone
            .clone()
            .ok_or(VerificationServiceError::VerificationNotFound)?;
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
    ) -> Result<(VerificationState, QuotaState), VerificationServiceError> {
        let after = tx.apply(&self.verification_decider(), id, events.clone())?;
        let phone = after
            .phone
            .clone()
            .ok_or(VerificationServiceError::VerificationNotFound)?;
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
                    return Err(
                        CoreError::Corrupt("a send was decided without a code".into()).into(),
                    );
                }
            };
            let payload = DeliverPayload {
                verification_id: id,
                seq: *seq,
                channel: *channel,
                code: encrypted,
            };
            tx.enqueue(Job::DeliverCode(payload).schedule(
                JobId::new(self.core.ids.new_id()),
                *at,
                None,
            )?);
            tx.enqueue(
                Job::ExpireVerification {
                    verification_id: id,
                }
                .schedule(
                    JobId::new(self.core.ids.new_id()),
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
    ) -> Result<(Vec<VerificationEvent>, VerificationState, QuotaState), VerificationServiceError>
    {
        // A verification being started is new: nothing to read.
        let (current, phone) = match command {
            VerificationCommand::Start { phone, .. } => {
                (VerificationState::default(), phone.clone())
            }
            _ => {
                let current = tx
                    .load::<VerificationState>(id)
                    .await?
                    .ok_or(VerificationServiceError::VerificationNotFound)?;
                let phone = current
                    .phone
                    .clone()
                    .ok_or(VerificationServiceError::VerificationNotFound)?;
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
