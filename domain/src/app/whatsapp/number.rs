//! The proof that a business owns its BSP sender's number (Sinch's `PENDING_VERIFICATION`
//! state, then `POST .../senders/{senderId}/register` and `.../verify`; PROVIDERS.md section
//! 5): the BSP sends a one-time code to the number by SMS or voice call, and the business gives
//! it back.

use crate::decider::Decider as _;
use crate::ids::{TenantId, WabaAccountId};
use crate::ports::{NumberVerificationMethod, ProviderError};
use crate::verification::OtpCode;
use crate::waba::{NumberVerification, WabaCommand, WabaError};

use super::super::{WhatsAppService, WhatsAppServiceError};
use super::accounts::WabaAccountView;

impl WhatsAppService {
    /// Has the tenant's BSP send a one-time code to the sender's number by `method` (SMS or
    /// voice call); each call sends a new code. Allowed once the BSP created the sender and
    /// until the number is verified (or the sender approved). When the BSP answers that no
    /// code was needed (the number was verified by Meta already), nothing is recorded and the
    /// sender's state is read again.
    ///
    /// The BSP is asked only after the decider allowed the request, and the code's sending is
    /// recorded after the BSP's answer; a failed call records nothing.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::Waba`] with `WrongPath` (an Embedded Signup
    /// account), `NoSender` (not created at the BSP yet) or `NumberAlreadyVerified`;
    /// [`WhatsAppServiceError::Provider`] when the BSP fails.
    pub async fn register_sender_number(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        method: NumberVerificationMethod,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let current = self.load_waba(tenant, id).await?;
        let ask = WabaCommand::RecordVerificationCodeSent {
            method,
            at: self.core.clock.now(),
        };
        self.waba_decider().decide(&current.state.state, &ask)?;
        let sender = current
            .state
            .state
            .sender_id
            .clone()
            .ok_or(WhatsAppServiceError::Waba(WabaError::NoSender))?;
        let bsp = self.providers.bsp(tenant).await?;
        let registration = bsp.register_number(&sender, method).await?;
        if !registration.code_sent {
            let info = bsp.sender(&sender).await?;
            self.apply_sender_info(tenant, id, &info, None).await?;
            return self.waba_account(tenant, id).await;
        }
        self.record_number(
            tenant,
            id,
            WabaCommand::RecordVerificationCodeSent {
                method: registration.method,
                at: self.core.clock.now(),
            },
        )
        .await?;
        self.waba_account(tenant, id).await
    }

    /// Gives the BSP back the code sent to the sender's number; once it accepts it, the number
    /// is verified and the sender's state the BSP answers is applied (its review goes on, or it
    /// is approved). A number already verified answers the account as it is.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::Waba`] with `WrongPath`, `NoSender` or
    /// `NoCodeSent`; [`WhatsAppServiceError::SenderCodeIncorrect`] when the BSP refuses the code (nothing
    /// is recorded: another try, or a new code, may follow); [`WhatsAppServiceError::Provider`] when the
    /// BSP fails otherwise.
    pub async fn verify_sender_number(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        code: &OtpCode,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        let current = self.load_waba(tenant, id).await?;
        if current.state.state.number == NumberVerification::Verified {
            return current.state.view();
        }
        let done = WabaCommand::RecordNumberVerified {
            at: self.core.clock.now(),
        };
        self.waba_decider().decide(&current.state.state, &done)?;
        let sender = current
            .state
            .state
            .sender_id
            .clone()
            .ok_or(WhatsAppServiceError::Waba(WabaError::NoSender))?;
        let bsp = self.providers.bsp(tenant).await?;
        let info = match bsp.verify_number(&sender, code.expose()).await {
            Ok(info) => info,
            Err(ProviderError::Rejected { code, message }) if code == "invalid_code" => {
                return Err(WhatsAppServiceError::SenderCodeIncorrect(message));
            }
            Err(e) => return Err(e.into()),
        };
        self.record_number(
            tenant,
            id,
            WabaCommand::RecordNumberVerified {
                at: self.core.clock.now(),
            },
        )
        .await?;
        self.apply_sender_info(tenant, id, &info, None).await?;
        self.waba_account(tenant, id).await
    }

    /// Decides `command` on the account as it stands and commits its events, with their mails.
    async fn record_number(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
        command: WabaCommand,
    ) -> Result<(), WhatsAppServiceError> {
        let command = &command;
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let (after, events) = self.decide_waba(tx, id, command).await?;
                self.notify_bsp(tx, &after, &events)
            })
        })
        .await
    }
}
