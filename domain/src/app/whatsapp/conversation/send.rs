//! The send job of a bot message over the tenant's WhatsApp channel, and the delivery statuses
//! reported for it.

use time::Duration;

use uuid::Uuid;

use crate::ids::TenantId;
use crate::ports::{ClaimedJob, MessageStatus, OutboundMessage, ProviderError};

use super::{ConversationEvent, text_context};
use crate::app::jobs::JobOutcome;
use crate::app::jobs::kinds::WhatsAppSend as SendJob;
use crate::app::whatsapp::accounts::WhatsAppTarget;
use crate::app::{WhatsAppService, WhatsAppServiceError};

impl WhatsAppService {
    /// The send job: one bot message over the tenant's WhatsApp channel; the provider's id is
    /// recorded with the job's completion, and routes the message's delivery statuses.
    pub(crate) async fn send_whatsapp(
        &self,
        job: &ClaimedJob,
        p: SendJob,
        backoff: impl Fn(u32) -> Duration,
    ) -> Result<JobOutcome, WhatsAppServiceError> {
        let tenant = job.tenant;
        let text = match &p.sealed_text {
            Some(sealed) => self
                .unseal(sealed, &text_context(p.conversation, p.seq))?
                .expose()
                .to_owned(),
            None => p.text.clone(),
        };
        let message = OutboundMessage {
            key: format!("{}:{}", p.conversation, p.seq),
            to: p.to.clone(),
            text,
        };
        let result = match p.client {
            None => {
                self.providers
                    .messaging(tenant)
                    .await?
                    .send_text(&message)
                    .await
            }
            Some(client) => {
                let channel = self.client_channel(tenant, client).await?;
                self.providers
                    .embedded_signup(tenant)
                    .await?
                    .send_as_client(&channel, &message)
                    .await
            }
        };
        let retry = matches!(
            &result,
            Err(ProviderError::Unavailable { .. } | ProviderError::Unexpected(_))
                if job.attempts + 1 < job.max_attempts
        );
        if retry {
            let e = result.err().map(|e| e.reason()).unwrap_or_default();
            return Ok(JobOutcome::RetryAt {
                run_at: self.core.clock.now() + backoff(job.attempts),
                reason: e,
            });
        }
        let p = &p;
        let result = &result;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                tx.complete_job(job.id);
                let event = match result {
                    Ok(sent) => {
                        let target = WhatsAppTarget::Message {
                            conversation: p.conversation,
                            seq: p.seq,
                        };
                        self.point_whatsapp_ref(tx, sent.provider, &sent.provider_ref, &target)
                            .await?;
                        ConversationEvent::Sent {
                            seq: p.seq,
                            provider: sent.provider,
                            provider_ref: sent.provider_ref.clone(),
                        }
                    }
                    Err(e) => ConversationEvent::SendFailed {
                        seq: p.seq,
                        reason: e.reason(),
                    },
                };
                self.apply_conversation(tx, p.conversation, None, vec![event])
                    .await?;
                Ok(())
            })
        })
        .await?;
        Ok(JobOutcome::Done)
    }

    /// Records a delivery status of a bot message.
    pub(crate) async fn record_message_status(
        &self,
        tenant: TenantId,
        conversation: Uuid,
        seq: u32,
        status: MessageStatus,
    ) -> Result<(), WhatsAppServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let event = ConversationEvent::Status { seq, status };
                self.apply_conversation(tx, conversation, None, vec![event])
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
