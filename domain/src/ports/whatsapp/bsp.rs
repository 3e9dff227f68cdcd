//! The BSP provisioning port (`BspProvisioning`, Sinch): a sender created and reviewed at the
//! BSP, and its number's registration and verification.

use serde::{Deserialize, Serialize};

use crate::ports::{ProviderError, ProviderId};

/// A WhatsApp sender to create at a BSP (Sinch Provisioning API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSender {
    /// Onramp's id of the WABA onboarding, used as the idempotency key of the creation.
    pub key: String,
    /// The business's display name (reviewed by Meta through the BSP).
    pub display_name: String,
    /// The sender's number, E.164.
    pub phone: String,
    /// Free text details (business description, website), as the user gave them.
    pub details: Vec<(String, String)>,
}

/// A sender's state at the BSP (PROVIDERS.md section 5: `IN_PROGRESS` -> `ACTIVE`, or `ERROR`,
/// `SUSPENDED`, `INACTIVE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SenderState {
    /// `IN_PROGRESS`: under review.
    InProgress,
    /// `PENDING_VERIFICATION`: the sender waits for proof that the business owns its number:
    /// [`BspProvisioning::register_number`] sends a code to the number, and
    /// [`BspProvisioning::verify_number`] gives it back.
    PendingVerification,
    /// `ACTIVE`: approved and live.
    Active,
    /// `ERROR`: rejected, with the reason given.
    Error {
        /// The BSP's reason.
        reason: String,
    },
    /// `SUSPENDED` or `INACTIVE`.
    Suspended {
        /// The BSP's reason, or its state word.
        reason: String,
    },
}

/// How the BSP sends the code that proves a sender's number belongs to the business (Sinch's
/// `register` `method`: `SMS` or `VOICE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberVerificationMethod {
    /// A text message to the number.
    Sms,
    /// A voice call to the number, the code read out.
    Voice,
}

impl NumberVerificationMethod {
    /// `sms` or `voice`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Voice => "voice",
        }
    }
}

/// The BSP's answer to [`BspProvisioning::register_number`] (Sinch: `{id, method, accepted,
/// verificationCodeSent}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRegistration {
    /// The method the BSP used.
    pub method: NumberVerificationMethod,
    /// Whether the code went out (Sinch's `verificationCodeSent`); false when the number needs
    /// no code (already verified by Meta).
    pub code_sent: bool,
}

/// A sender as the BSP reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderInfo {
    /// The BSP's sender id.
    pub id: String,
    /// Its state.
    pub state: SenderState,
}

/// A BSP's WhatsApp sender lifecycle (Sinch Provisioning API, PROVIDERS.md section 5).
///
/// # Errors
/// As [`WhatsAppMessaging`](super::WhatsAppMessaging); a refusal of the submission is `Rejected` with the BSP's code.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait BspProvisioning: Send + Sync {
    /// The provider (Sinch, or the sandbox).
    fn provider(&self) -> ProviderId;

    /// `POST /v1/projects/{projectId}/whatsapp/senders`: submits a new sender for review.
    async fn create_sender(&self, sender: &NewSender) -> Result<SenderInfo, ProviderError>;

    /// `GET .../senders/{senderId}`: the sender's state now.
    async fn sender(&self, sender_id: &str) -> Result<SenderInfo, ProviderError>;

    /// Submits corrections of a rejected sender for another review (Sinch: a comment on the
    /// sender, `POST .../senders/{senderId}/comments`, its Provisioning API having no change
    /// request resource); answers the state after the resubmission.
    async fn resubmit(
        &self,
        sender_id: &str,
        corrections: &str,
    ) -> Result<SenderInfo, ProviderError>;

    /// `POST .../senders/{senderId}/register` `{"method": "SMS" | "VOICE"}`: has a one-time
    /// code sent to the sender's number by `method`, to prove the business owns it (a sender in
    /// [`SenderState::PendingVerification`]). Asking again sends a new code.
    async fn register_number(
        &self,
        sender_id: &str,
        method: NumberVerificationMethod,
    ) -> Result<NumberRegistration, ProviderError>;

    /// `POST .../senders/{senderId}/verify` `{"code"}`: gives back the code sent by
    /// [`Self::register_number`] (6 digits); answers the sender's state after it.
    ///
    /// # Errors
    /// `Rejected { code: "invalid_code" }` when the BSP refuses the code.
    async fn verify_number(&self, sender_id: &str, code: &str)
    -> Result<SenderInfo, ProviderError>;
}
