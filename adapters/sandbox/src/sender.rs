//! [`SandboxVerificationSender`]: the [`VerificationSender`] port, delivering into a
//! [`SandboxInbox`] instead of a phone network.

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ports::{
    Clock, CodeDelivery, CodeOwner, DeliveryReceipt, ProviderCheck, ProviderError, ProviderId,
    ProviderVerdict, VerificationSender,
};
use onramp_domain::verification::Channel;

use crate::inbox::{Recorded, SandboxInbox, SandboxMessage, SandboxStatus};
use crate::magic::{self, Outcome};

/// The provider name the sandbox sender reports in receipts and delivery events.
pub const PROVIDER: &str = "sandbox";

/// Prefix of the sandbox's provider references: `sbx_` then the delivery id.
pub const PROVIDER_REF_PREFIX: &str = "sbx_";

/// Delivers one-time codes into a [`SandboxInbox`], applying the magic numbers of
/// [`crate::magic`] (see the crate documentation for the table).
///
/// Idempotent by delivery id: sending a delivery that is already in the inbox records nothing
/// and answers what the first send answered (the same receipt, or the same rejection).
pub struct SandboxVerificationSender {
    inbox: SandboxInbox,
    clock: Arc<dyn Clock>,
}

/// A delivery id came back with another tenant, destination, channel or code than the message
/// already recorded under it: a bug in the caller, since a delivery id names one delivery.
#[derive(Debug, thiserror::Error)]
#[error("delivery id {delivery_id} was already used for a different delivery")]
pub struct DeliveryIdReused {
    /// The reused delivery id.
    pub delivery_id: String,
}

impl SandboxVerificationSender {
    /// A sender that records into `inbox` (keep a clone to read it) and stamps messages with
    /// `clock`.
    pub fn new(inbox: SandboxInbox, clock: Arc<dyn Clock>) -> Self {
        Self { inbox, clock }
    }
}

impl std::fmt::Debug for SandboxVerificationSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxVerificationSender")
            .field("inbox", &self.inbox)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl VerificationSender for SandboxVerificationSender {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// The sandbox always delivers Onramp's code.
    ///
    /// # Errors
    /// Always `Rejected { code: "unsupported" }`.
    async fn check_code(&self, _check: &ProviderCheck) -> Result<ProviderVerdict, ProviderError> {
        Err(ProviderError::rejected(
            "unsupported",
            "the sandbox delivers Onramp's codes only",
        ))
    }

    /// The sandbox is always healthy.
    async fn health_check(&self) -> Result<(), ProviderError> {
        Ok(())
    }

    /// # Errors
    /// - [`ProviderError::Rejected`] with `call_not_answered`, `sms_undelivered` or
    ///   `undeliverable` for the magic numbers that refuse the channel;
    /// - [`ProviderError::Unavailable`] (`sandbox outage`, no `retry_after`) for
    ///   [`magic::PROVIDER_UNAVAILABLE`];
    /// - [`ProviderError::Unexpected`] when the inbox file cannot be written, or with
    ///   [`DeliveryIdReused`] when the delivery id was recorded for a different delivery.
    async fn send_code(&self, delivery: &CodeDelivery) -> Result<DeliveryReceipt, ProviderError> {
        let id = delivery.delivery_id.to_string();
        if let Some(existing) = self.inbox.find(&id) {
            return replay(&existing, delivery);
        }
        let (status, failure) = match magic::outcome(delivery.to.as_str(), delivery.channel) {
            Outcome::Delivered => (SandboxStatus::Delivered, None),
            Outcome::Rejected(code) => (SandboxStatus::Failed, Some(code.to_string())),
            Outcome::Unavailable => {
                return Err(ProviderError::Unavailable {
                    retry_after: None,
                    reason: magic::OUTAGE_REASON.into(),
                });
            }
        };
        let code = delivery.code.expose();
        let message = SandboxMessage {
            id,
            tenant: delivery.tenant,
            to: delivery.to.as_str().to_string(),
            channel: delivery.channel,
            body: body(delivery.channel, code),
            code: code.to_string(),
            status,
            failure,
            created_at: self.clock.now(),
        };
        match self.inbox.record_once(message) {
            Ok(Recorded::New(message) | Recorded::Existing(message)) => replay(&message, delivery),
            Err(e) => Err(ProviderError::Unexpected(Box::new(e))),
        }
    }
}

/// The answer for `delivery` given the message recorded under its id.
fn replay(
    recorded: &SandboxMessage,
    delivery: &CodeDelivery,
) -> Result<DeliveryReceipt, ProviderError> {
    let same = recorded.tenant == delivery.tenant
        && recorded.to == delivery.to.as_str()
        && recorded.channel == delivery.channel
        && recorded.code == delivery.code.expose();
    if !same {
        return Err(ProviderError::Unexpected(Box::new(DeliveryIdReused {
            delivery_id: recorded.id.clone(),
        })));
    }
    match recorded.status {
        SandboxStatus::Delivered => Ok(DeliveryReceipt {
            provider: ProviderId::Sandbox,
            provider_ref: format!("{PROVIDER_REF_PREFIX}{}", recorded.id),
            code_owner: CodeOwner::Onramp,
        }),
        SandboxStatus::Failed => {
            let code = recorded
                .failure
                .clone()
                .unwrap_or_else(|| magic::CODE_UNDELIVERABLE.to_string());
            Err(ProviderError::Rejected {
                message: format!("sandbox magic number: {code}"),
                code,
            })
        }
    }
}

/// The SMS text, or the voice script with the digits read one at a time, twice.
///
/// The expiry is not mentioned: [`CodeDelivery`] does not carry it, and a wrong promise is
/// worse than none.
pub(crate) fn body(channel: Channel, code: &str) -> String {
    message_of("Your Onramp verification code", channel, code)
}

/// `"{subject} is {code}."` for an SMS; for a voice call the digits read one at a time, twice.
pub(crate) fn message_of(subject: &str, channel: Channel, code: &str) -> String {
    match channel {
        Channel::Sms => format!("{subject} is {code}."),
        Channel::Voice => {
            let spoken = code
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(", ");
            format!("{subject} is {spoken}. Again, your code is {spoken}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sms_body_shows_the_code() {
        assert_eq!(
            body(Channel::Sms, "042917"),
            "Your Onramp verification code is 042917."
        );
    }

    #[test]
    fn a_voice_script_reads_the_digits_one_by_one_twice() {
        assert_eq!(
            body(Channel::Voice, "042917"),
            "Your Onramp verification code is 0, 4, 2, 9, 1, 7. Again, your code is 0, 4, 2, 9, 1, 7."
        );
    }
}
