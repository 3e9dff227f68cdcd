//! Cross-channel links (MISSION.md B, P-LNK-1): a session on WhatsApp asks for a code, the code
//! is sent over WhatsApp (never to the requester), and typed on the web with the phone number
//! it returns an end-user token bound to that same session.

use serde::Serialize;

use crate::decider::Decider;
use crate::ids::{SessionId, TenantId};
use crate::link::{LinkCommand, LinkDecider, LinkError, LinkEvent, LinkState};
use crate::phone::PhoneNumber;
use crate::token::Platform;
use crate::verification::{CodeHash, OtpCode};

use super::super::execute::Tx;
use super::super::whatsapp::conversation::{Author, MessageChannel, NewMessage};
use super::super::{EndUserService, EndUserServiceError};
use super::tokens::IssuedToken;

/// A link code asked for: where it went and until when it works; never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkRequested {
    /// The session the code links.
    pub session_id: String,
    /// Where the code was sent (E.164), over WhatsApp.
    pub phone: String,
    /// Seconds the code works (300).
    pub expires_in_seconds: i64,
}

impl EndUserService {
    fn link_decider(&self) -> LinkDecider {
        LinkDecider {
            ttl: self.policy.link_ttl,
            max_wrong: self.policy.link_max_wrong,
        }
    }

    fn link_hash(&self, phone: &PhoneNumber, code: &str) -> CodeHash {
        let data = format!("{phone}:{code}");
        CodeHash(self.secrets.keyed_hash("link-code", data.as_bytes()))
    }

    /// Sends a new link code for `session` over WhatsApp to the session's phone; any earlier
    /// code of that phone stops working.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`](crate::app::CoreError::SessionNotFound); [`EndUserServiceError::NoWhatsAppChannel`] when the session has no
    /// phone number or is finished.
    pub async fn request_link(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> Result<LinkRequested, EndUserServiceError> {
        let current = self.core.load_session(tenant, session).await?;
        let phone = current.state.phone.clone().ok_or_else(|| {
            EndUserServiceError::NoWhatsAppChannel("the session has no phone number".into())
        })?;
        if current.state.status.is_final() {
            return Err(EndUserServiceError::NoWhatsAppChannel(format!(
                "the session is {}",
                current.state.status.as_str()
            )));
        }
        let code: OtpCode = self.codes.otp();
        let hash = self.link_hash(&phone, code.expose());
        let phone = &phone;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let command = LinkCommand::Request {
                    session_id: session,
                    code_hash: hash,
                    at: self.core.clock.now(),
                };
                self.link_command(tx, phone, &command).await
            })
        })
        .await?;
        let minutes = self.policy.link_ttl.whole_minutes().max(1);
        self.whatsapp.add_messages(
            tenant,
            session,
            Some(phone.as_str()),
            vec![NewMessage {
                author: Author::Bot,
                channel: MessageChannel::WhatsApp,
                text: format!(
                    "Your link code is {}. Type it on the web page to continue there. It works for {minutes} minutes; never share it.",
                    code.expose()
                ),
                step: None,
                inbound: None,
                secret: None,
            }
            .holding(code.expose())],
            None,
        )
        .await?;
        Ok(LinkRequested {
            session_id: session.to_string(),
            phone: phone.to_string(),
            expires_in_seconds: self.policy.link_ttl.whole_seconds(),
        })
    }

    /// Decides `command` on `phone`'s link codes as `tx` reads them and records its events.
    async fn link_command(
        &self,
        tx: &mut Tx<'_>,
        phone: &PhoneNumber,
        command: &LinkCommand,
    ) -> Result<Vec<LinkEvent>, EndUserServiceError> {
        let current = tx.load::<LinkState>(phone).await?.unwrap_or_default();
        let decider = self.link_decider();
        let events = decider.decide(&current, command)?;
        tx.apply(&decider, phone, events.clone())?;
        Ok(events)
    }

    /// Verifies a link code typed on `platform` for `phone`: the session that asked for it is
    /// linked, once, within the code's TTL, and an end-user token for it is issued.
    ///
    /// # Errors
    /// [`EndUserServiceError::LinkCodeIncorrect`] for a wrong code (attempts left);
    /// [`EndUserServiceError::Link`] with `NoCode`, `AlreadyUsed`, `Expired` or `Locked`.
    pub async fn verify_link(
        &self,
        tenant: TenantId,
        phone: &PhoneNumber,
        code: &str,
        platform: Platform,
    ) -> Result<IssuedToken, EndUserServiceError> {
        let hash = self.link_hash(phone, code.trim());
        let outcome = self
            .execute(tenant, |tx| {
                Box::pin(async move {
                    let links = tx
                        .load::<LinkState>(phone)
                        .await?
                        .ok_or(EndUserServiceError::Link(LinkError::NoCode))?;
                    let command = LinkCommand::Verify {
                        code_hash: hash,
                        at: self.core.clock.now(),
                    };
                    let events = self.link_command(tx, phone, &command).await?;
                    let wrong = links.code.as_ref().map_or(0, |c| c.wrong) + 1;
                    Ok(events
                        .iter()
                        .find_map(|e| match e {
                            LinkEvent::Linked { session_id, .. } => Some(Ok(*session_id)),
                            _ => None,
                        })
                        .unwrap_or(Err(wrong)))
                })
            })
            .await?;
        match outcome {
            Ok(session) => self.issue_token(tenant, session, platform).await,
            Err(wrong) => Err(EndUserServiceError::LinkCodeIncorrect {
                attempts_remaining: self.policy.link_max_wrong.saturating_sub(wrong),
            }),
        }
    }
}
