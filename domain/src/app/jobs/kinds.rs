//! Every kind of outbox job and timer, with its payload and its retry policy, in one place
//! (issue 11, item 3).
//!
//! A job is stored as its kind (`verification.deliver`) and its payload (JSON): [`Job`] is
//! serde's adjacently tagged form of the pair, so the stored kinds never change with a rename in
//! code. A payload whose shape changes incompatibly gets a new kind (`….v2`) beside the old one,
//! which keeps running the jobs already queued.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{JobId, OrderId, SessionId, TrialId, VerificationId, WabaAccountId};
use crate::ports::{ClaimedJob, NewJob};
use crate::verification::Channel;

use super::super::CoreError;

/// A job: an effect to run after its commit, or a timer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub(crate) enum Job {
    /// Delivers one code of a verification through its provider chain.
    #[serde(rename = "verification.deliver")]
    DeliverCode(DeliverPayload),
    /// A verification's expiry (its code's time to live).
    #[serde(rename = "verification.expire")]
    ExpireVerification {
        /// The verification.
        verification_id: VerificationId,
    },
    /// A session's inactivity timeout.
    #[serde(rename = "session.expire")]
    ExpireSession {
        /// The session.
        session_id: SessionId,
    },
    /// Applies a stored provider webhook.
    #[serde(rename = "webhook.process")]
    ProcessWebhook(ProcessWebhook),
    /// The next step of an Embedded Signup saga.
    #[serde(rename = "waba.step")]
    WabaStep(WabaStep),
    /// Refreshes a client's business token before it expires.
    #[serde(rename = "waba.token")]
    WabaToken(WabaAccount),
    /// Creates a sender at the BSP.
    #[serde(rename = "waba.submit")]
    BspSubmit(WabaAccount),
    /// Polls a sender's review at the BSP.
    #[serde(rename = "waba.poll")]
    BspPoll(WabaAccount),
    /// Sends one WhatsApp message of a conversation.
    #[serde(rename = "whatsapp.send")]
    WhatsAppSend(WhatsAppSend),
    /// Sends one e-mail.
    #[serde(rename = "mail.send")]
    Mail(MailMessage),
    /// The trial-will-end reminder.
    #[serde(rename = "trial.reminder")]
    TrialReminder(TrialTimer),
    /// The trial's end.
    #[serde(rename = "trial.end")]
    TrialEnd(TrialTimer),
    /// Voids a card-check authorization the request could not void.
    #[serde(rename = "trial.void")]
    TrialVoid(TrialTimer),
    /// An order's approval deadline.
    #[serde(rename = "order.expire")]
    OrderExpire(OrderTimer),
    /// Applies the payment webhooks parked under a reference just recorded.
    #[serde(rename = "webhook.unpark")]
    UnparkWebhooks(UnparkWebhooks),
}

/// The payload of [`Job::UnparkWebhooks`]: the reference (`{provider}:{id}`) just recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UnparkWebhooks {
    pub provider: crate::ports::ProviderId,
    pub reference: String,
}

/// The payload of [`Job::DeliverCode`]: the code travels sealed (AES-256-GCM through the
/// [`Secrets`](crate::ports::Secrets) port) and only inside the outbox row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DeliverPayload {
    pub verification_id: VerificationId,
    pub seq: u32,
    pub channel: Channel,
    pub code: String,
}

/// The payload of [`Job::ProcessWebhook`]: the webhook log stream of the webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProcessWebhook {
    pub stream_id: String,
}

/// The payload of [`Job::WabaStep`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WabaStep {
    pub account_id: WabaAccountId,
    /// The code, sealed, while it has not been exchanged (a retry of the exchange needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_code: Option<String>,
}

/// The payload of the jobs about one WhatsApp account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WabaAccount {
    pub account_id: WabaAccountId,
}

/// The payload of [`Job::WhatsAppSend`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WhatsAppSend {
    pub conversation: Uuid,
    pub seq: u32,
    pub to: String,
    pub text: String,
    /// The text sealed, for a message that holds a secret (`text` is then masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_text: Option<String>,
    /// Sent from this client's number with its business token, instead of the tenant's
    /// channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<WabaAccountId>,
}

/// The payload of [`Job::Mail`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MailMessage {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The payload of the trial timers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TrialTimer {
    pub trial_id: TrialId,
    /// When the timer is due, RFC 3339: the time it judges by (see `timer_now`).
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
}

/// Which of a trial's timers a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrialTimerKind {
    /// The trial-will-end reminder.
    Reminder,
    /// The trial's end.
    End,
    /// Voiding a card-check authorization.
    Void,
}

/// The payload of [`Job::OrderExpire`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OrderTimer {
    pub order_id: OrderId,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
}

/// The stored form of a job: serde's adjacent tagging.
#[derive(Serialize, Deserialize)]
struct Stored {
    kind: String,
    payload: serde_json::Value,
}

impl Job {
    /// The stored kind, e.g. `verification.deliver`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DeliverCode(_) => "verification.deliver",
            Self::ExpireVerification { .. } => "verification.expire",
            Self::ExpireSession { .. } => "session.expire",
            Self::ProcessWebhook(_) => "webhook.process",
            Self::WabaStep(_) => "waba.step",
            Self::WabaToken(_) => "waba.token",
            Self::BspSubmit(_) => "waba.submit",
            Self::BspPoll(_) => "waba.poll",
            Self::WhatsAppSend(_) => "whatsapp.send",
            Self::Mail(_) => "mail.send",
            Self::TrialReminder(_) => "trial.reminder",
            Self::TrialEnd(_) => "trial.end",
            Self::TrialVoid(_) => "trial.void",
            Self::OrderExpire(_) => "order.expire",
            Self::UnparkWebhooks(_) => "webhook.unpark",
        }
    }

    /// Attempts before the job is dead. The wait between attempts is the worker's exponential
    /// backoff with jitter (1 s doubling to 5 min), or the job's own answer (`RetryAt`); a claim
    /// leases a job for the worker's lease (30 s).
    pub fn max_attempts(&self) -> u32 {
        match self {
            // A code is worth little late: three tries, then the channel fallback takes over.
            Self::DeliverCode(_) => 3,
            Self::ExpireVerification { .. } | Self::ExpireSession { .. } => 5,
            Self::ProcessWebhook(_) => 10,
            Self::WabaStep(_) => 12,
            Self::WabaToken(_) => 8,
            // Hourly polls of a review: a day of them.
            Self::BspSubmit(_) | Self::BspPoll(_) => 24,
            Self::WhatsAppSend(_) => 6,
            // MISSION.md E: notifications retried up to 3 times.
            Self::Mail(_) => 4,
            Self::TrialReminder(_) => 5,
            // The end and the void ask the provider: many attempts, with backoff.
            Self::TrialEnd(_) | Self::TrialVoid(_) => 20,
            Self::OrderExpire(_) => 5,
            Self::UnparkWebhooks(_) => 10,
        }
    }

    /// The job to enqueue with `id`, not before `run_at`; a timer has a `timer_key` (a new
    /// timer with the key replaces the pending one).
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] when the payload does not serialize (it always does).
    pub fn schedule(
        self,
        id: JobId,
        run_at: OffsetDateTime,
        timer_key: Option<String>,
    ) -> Result<NewJob, CoreError> {
        let max_attempts = self.max_attempts();
        let stored: Stored = serde_json::to_value(&self)
            .and_then(serde_json::from_value)
            .map_err(|e| CoreError::Corrupt(format!("job {}: {e}", self.kind())))?;
        Ok(NewJob {
            id,
            kind: stored.kind,
            payload: stored.payload,
            run_at,
            timer_key,
            max_attempts,
        })
    }

    /// The job a worker claimed.
    ///
    /// # Errors
    /// [`CoreError::Corrupt`] for an unknown kind or a payload of the wrong shape.
    pub fn of(claimed: &ClaimedJob) -> Result<Self, CoreError> {
        let stored = Stored {
            kind: claimed.kind.clone(),
            payload: claimed.payload.clone(),
        };
        serde_json::to_value(stored)
            .and_then(serde_json::from_value)
            .map_err(|e| CoreError::Corrupt(format!("job {} ({}): {e}", claimed.id, claimed.kind)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(job: NewJob) -> ClaimedJob {
        ClaimedJob {
            id: job.id,
            tenant: crate::ids::TenantId::new(Uuid::nil()),
            kind: job.kind,
            payload: job.payload,
            attempts: 1,
            max_attempts: job.max_attempts,
        }
    }

    #[test]
    fn a_job_is_stored_as_its_kind_and_payload_and_read_back_whole() {
        let at = time::macros::datetime!(2026-01-01 00:00 UTC);
        let job = Job::TrialEnd(TrialTimer {
            trial_id: TrialId::new(Uuid::from_u128(7)),
            due_at: at,
        });
        let stored = job
            .clone()
            .schedule(JobId::new(Uuid::from_u128(1)), at, None)
            .unwrap();
        assert_eq!(stored.kind, "trial.end");
        assert_eq!(stored.payload["due_at"], "2026-01-01T00:00:00Z");
        assert_eq!(stored.max_attempts, 20);
        assert_eq!(Job::of(&claimed(stored)).unwrap(), job);
    }

    #[test]
    fn an_unknown_kind_or_a_payload_of_another_shape_is_corrupt() {
        let at = time::macros::datetime!(2026-01-01 00:00 UTC);
        let mut stored = Job::ExpireSession {
            session_id: SessionId::new(Uuid::from_u128(3)),
        }
        .schedule(JobId::new(Uuid::from_u128(1)), at, None)
        .unwrap();
        stored.kind = "session.explode".into();
        assert!(matches!(
            Job::of(&claimed(stored.clone())),
            Err(CoreError::Corrupt(_))
        ));
        stored.kind = "trial.end".into();
        assert!(matches!(
            Job::of(&claimed(stored)),
            Err(CoreError::Corrupt(_))
        ));
    }
}
