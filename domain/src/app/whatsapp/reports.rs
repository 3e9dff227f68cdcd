//! What WhatsApp webhooks report, applied: inbound messages (to a session's conversation, or a
//! client's history), delivery statuses, quality ratings, and BSP sender states; and sending on
//! a Solution Partner client's behalf (MISSION.md D).

use crate::ids::{TenantId, WabaAccountId};
use crate::phone::PhoneNumber;
use crate::ports::{ClientChannel, ProviderId, WhatsAppReport};
use crate::waba::{QualityMark, WabaCommand, WabaStatus};

use super::super::persist::Versioned;
use super::super::webhooks::InboundWebhook;
use super::super::{CoreError, WhatsAppService, WhatsAppServiceError};
use super::accounts::{WhatsAppTarget, whatsapp_ref_stream};
use super::chat::InboundChat;
use super::conversation::{Author, ChatMessage, MessageChannel, NewMessage};

impl WhatsAppReport {
    /// The provider reference a report is routed by: the business number (inbound), the
    /// message (statuses), the WABA, or the sender.
    pub fn routing_ref(&self) -> &str {
        match self {
            Self::Inbound { to, .. } => to,
            Self::Status { message_id, .. } => message_id,
            Self::AccountReview { waba_id, .. }
            | Self::AccountUpdate { waba_id, .. }
            | Self::Quality { waba_id, .. }
            | Self::TemplateStatus { waba_id, .. } => waba_id,
            Self::SenderState { sender_id, .. } => sender_id,
        }
    }
}

impl WhatsAppService {
    /// The tenant a WhatsApp report on shared credentials belongs to: the owner of the
    /// reference it is routed by, if Onramp knows it.
    pub(crate) async fn whatsapp_tenant(
        &self,
        webhook: &InboundWebhook,
        report: &WhatsAppReport,
    ) -> Result<Option<TenantId>, WhatsAppServiceError> {
        Ok(self
            .core
            .store
            .stream_owner(&whatsapp_ref_stream(webhook.provider, report.routing_ref()))
            .await?)
    }

    /// Applies a verified WhatsApp report; `Ok(None)` when it names nothing of the tenant yet
    /// (the caller retries for a while: a status can overtake the commit of its send).
    pub(crate) async fn apply_whatsapp_report(
        &self,
        tenant: TenantId,
        webhook: &InboundWebhook,
        report: &WhatsAppReport,
    ) -> Result<Option<&'static str>, WhatsAppServiceError> {
        let target = self
            .whatsapp_target(tenant, webhook.provider, report.routing_ref())
            .await?;
        match (report, target) {
            (
                WhatsAppReport::Inbound {
                    from,
                    text,
                    message_id,
                    ..
                },
                Some(WhatsAppTarget::Account { id }),
            ) => {
                // A customer of a Solution Partner's client wrote to the client's number.
                self.add_to_conversation(
                    tenant,
                    id.uuid(),
                    Some(id),
                    Some(from),
                    vec![NewMessage {
                        author: Author::User,
                        channel: MessageChannel::WhatsApp,
                        text: text.clone(),
                        step: None,
                        inbound: Some((webhook.provider, message_id.clone())),
                        secret: None,
                    }],
                    None,
                )
                .await?;
                Ok(Some("processed"))
            }
            (
                WhatsAppReport::Inbound {
                    from,
                    text,
                    message_id,
                    ..
                },
                _,
            ) => {
                self.receive_whatsapp(
                    tenant,
                    InboundChat {
                        from: from.clone(),
                        text: text.clone(),
                        provider: webhook.provider,
                        message_id: message_id.clone(),
                    },
                )
                .await?;
                Ok(Some("processed"))
            }
            (
                WhatsAppReport::Status { status, .. },
                Some(WhatsAppTarget::Message { conversation, seq }),
            ) => {
                self.record_message_status(tenant, conversation, seq, *status)
                    .await?;
                Ok(Some("processed"))
            }
            (WhatsAppReport::Quality { rating, at, .. }, Some(WhatsAppTarget::Account { id })) => {
                let Some(rating) = rating else {
                    return Ok(Some("ignored"));
                };
                let reported_at = time::OffsetDateTime::from_unix_timestamp(*at)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                self.waba_command(
                    tenant,
                    id,
                    WabaCommand::ReportQuality {
                        mark: QualityMark {
                            reported_at,
                            rating: *rating,
                        },
                        at: self.core.clock.now(),
                    },
                )
                .await?;
                Ok(Some("processed"))
            }
            (
                WhatsAppReport::SenderState { sender_id, state },
                Some(WhatsAppTarget::Account { id }),
            ) => {
                let info = crate::ports::SenderInfo {
                    id: sender_id.clone(),
                    state: state.clone(),
                };
                self.apply_sender_info(tenant, id, &info, None).await?;
                Ok(Some("processed"))
            }
            // Kept on the account for the partner to see (`account_review`, `account_event`,
            // `templates`); they change no onboarding step.
            (
                report @ (WhatsAppReport::AccountReview { .. }
                | WhatsAppReport::AccountUpdate { .. }
                | WhatsAppReport::TemplateStatus { .. }),
                Some(WhatsAppTarget::Account { id }),
            ) => {
                let at = self.core.clock.now();
                let command = match report {
                    WhatsAppReport::AccountReview { decision, .. } => {
                        WabaCommand::RecordAccountReview {
                            decision: decision.clone(),
                            at,
                        }
                    }
                    WhatsAppReport::AccountUpdate { event, .. } => {
                        WabaCommand::RecordAccountUpdate {
                            event: event.clone(),
                            at,
                        }
                    }
                    WhatsAppReport::TemplateStatus {
                        template_id,
                        name,
                        event,
                        reason,
                        ..
                    } => WabaCommand::RecordTemplateStatus {
                        template_id: template_id.clone(),
                        name: name.clone(),
                        status: event.clone(),
                        reason: reason.clone(),
                        at,
                    },
                    _ => return Ok(None),
                };
                self.waba_command(tenant, id, command).await?;
                Ok(Some("processed"))
            }
            (_, _) => Ok(None),
        }
    }

    /// Decides one command on an account and commits it.
    pub(crate) async fn waba_command(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        command: WabaCommand,
    ) -> Result<(), WhatsAppServiceError> {
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                self.decide_waba(tx, id, command).await?;
                Ok(())
            })
        })
        .await
    }

    /// The client's number and business token, for sending on its behalf.
    pub(crate) async fn client_channel(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<ClientChannel, WhatsAppServiceError> {
        let record = self.load_waba(tenant, id).await?.state;
        let phone_number_id = record.signup_ids()?.phone_number_id.as_str().to_owned();
        let sealed = record
            .state
            .sealed_token
            .as_deref()
            .ok_or(WhatsAppServiceError::Waba(crate::waba::WabaError::NoToken))?;
        Ok(ClientChannel {
            phone_number_id,
            token: self.unseal(sealed, &format!("waba-token:{id}"))?,
        })
    }

    /// Sends a text message on behalf of an active client to `to` (E.164): stored in the
    /// client's history at once and sent by the outbox.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::InvalidPhone`]; [`WhatsAppServiceError::Waba`] with
    /// `InvalidTransition` when the account is not active yet.
    pub async fn send_client_message(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        to: &str,
        text: String,
    ) -> Result<ChatMessage, WhatsAppServiceError> {
        let phone = PhoneNumber::parse(to, None)?;
        let current: Versioned<_> = self.load_waba(tenant, id).await?;
        if current.state.state.status != WabaStatus::Active {
            return Err(crate::waba::WabaError::InvalidTransition {
                from: current.state.state.status,
                to: WabaStatus::Active,
            }
            .into());
        }
        let seqs = self
            .add_to_conversation(
                tenant,
                id.uuid(),
                Some(id),
                Some(phone.as_str()),
                vec![NewMessage {
                    author: Author::Bot,
                    channel: MessageChannel::WhatsApp,
                    text,
                    step: None,
                    inbound: None,
                    secret: None,
                }],
                None,
            )
            .await?;
        let messages = self.client_messages(tenant, id).await?;
        messages
            .into_iter()
            .find(|m| seqs.contains(&m.seq))
            .ok_or_else(|| CoreError::Corrupt("message vanished".into()).into())
    }

    /// True when the tenant's WhatsApp channel answers its health check.
    ///
    /// # Errors
    /// `Unexpected` provider errors when stored credentials cannot be read.
    pub async fn whatsapp_status(
        &self,
        tenant: TenantId,
    ) -> Result<(ProviderId, Result<(), crate::ports::ProviderError>), WhatsAppServiceError> {
        let messaging = self.providers.messaging(tenant).await?;
        Ok((messaging.provider(), messaging.health_check().await))
    }
}
