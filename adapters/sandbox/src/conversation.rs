//! The sandbox's WhatsApp conversation log, shared by [`SandboxWhatsApp`](crate::SandboxWhatsApp)
//! (one log per tenant) and [`SandboxSignup`](crate::SandboxSignup) (one log per client phone
//! number): what it records, its magic numbers, and idempotency by message key.

use std::collections::HashMap;
use std::hash::Hash;

use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{OutboundMessage, ProviderError, ProviderId, SentMessage};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::magic::{self, Outcome};

/// Prefix of the sandbox's WhatsApp message ids: `wamid.sbx_` then the message key, in the
/// shape of Meta's `wamid.…` ids.
pub const WAMID_PREFIX: &str = "wamid.sbx_";

/// The most characters a text message may have (Meta's limit for `text.body`, as
/// [`OutboundMessage::text`] says).
pub const MAX_TEXT_CHARS: usize = 4096;

/// One WhatsApp message the sandbox accepted, as the recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxWhatsAppMessage {
    /// The message id answered in [`SentMessage::provider_ref`]: `wamid.sbx_<key>`.
    pub provider_ref: String,
    /// The idempotency key it was sent with ([`OutboundMessage::key`]).
    pub key: String,
    /// The recipient, E.164 as [`PhoneNumber::parse`] normalizes it (`+12025550123`).
    pub to: String,
    /// The text.
    pub text: String,
    /// When the sandbox accepted it, from its clock; RFC 3339 in JSON.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}

/// A message key came back with another recipient or text than the message already recorded
/// under it: a bug in the caller, since a key names one message.
#[derive(Debug, thiserror::Error)]
#[error("message key {key} was already used for a different message")]
pub struct MessageKeyReused {
    /// The reused key.
    pub key: String,
}

/// Accepted messages, oldest first, each under its owner (a tenant, or a client's phone number
/// id), de-duplicated by (owner, key).
pub(crate) struct Log<O> {
    messages: Vec<(O, SandboxWhatsAppMessage)>,
    by_key: HashMap<(O, String), usize>,
}

impl<O> Default for Log<O> {
    fn default() -> Self {
        Self {
            messages: Vec::new(),
            by_key: HashMap::new(),
        }
    }
}

impl<O: Clone + Eq + Hash> Log<O> {
    /// Accepts `message` for `owner` at `now`, or answers what its key answered before.
    ///
    /// # Errors
    /// - `Rejected { code: "invalid_parameter" }` for a text over [`MAX_TEXT_CHARS`]
    ///   characters (Meta's Graph code 100);
    /// - `Rejected { code: "invalid_number" }` for a recipient [`PhoneNumber::parse`] refuses;
    /// - the magic numbers' outcomes ([`magic::WHATSAPP_NOT_JOINED`], [`magic::UNDELIVERABLE`],
    ///   [`magic::PROVIDER_UNAVAILABLE`]); nothing is recorded for any failure;
    /// - `Unexpected` with [`MessageKeyReused`] for a key already used for another message.
    pub(crate) fn send(
        &mut self,
        owner: &O,
        message: &OutboundMessage,
        now: OffsetDateTime,
    ) -> Result<SentMessage, ProviderError> {
        let to = PhoneNumber::parse(&message.to, None).map_err(|e| {
            ProviderError::rejected(
                "invalid_number",
                format!(
                    "sandbox: recipient {:?} is not a phone number: {e}",
                    message.to
                ),
            )
        })?;
        let index_key = (owner.clone(), message.key.clone());
        let first = self
            .by_key
            .get(&index_key)
            .and_then(|&index| self.messages.get(index));
        if let Some((_, first)) = first {
            if first.to != to.as_str() || first.text != message.text {
                return Err(ProviderError::Unexpected(Box::new(MessageKeyReused {
                    key: message.key.clone(),
                })));
            }
            return Ok(sent(&first.provider_ref));
        }
        let chars = message.text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(ProviderError::rejected(
                "invalid_parameter",
                format!("sandbox: text.body has {chars} characters, at most {MAX_TEXT_CHARS}"),
            ));
        }
        match magic::whatsapp_outcome(to.as_str()) {
            Outcome::Delivered => {}
            Outcome::Rejected(code) => {
                return Err(ProviderError::rejected(
                    code,
                    format!("sandbox magic number {}: {code}", to.as_str()),
                ));
            }
            Outcome::Unavailable => {
                return Err(ProviderError::Unavailable {
                    retry_after: None,
                    reason: magic::OUTAGE_REASON.to_owned(),
                });
            }
        }
        let recorded = SandboxWhatsAppMessage {
            provider_ref: format!("{WAMID_PREFIX}{}", message.key),
            key: message.key.clone(),
            to: to.as_str().to_owned(),
            text: message.text.clone(),
            sent_at: now,
        };
        let answer = sent(&recorded.provider_ref);
        self.by_key.insert(index_key, self.messages.len());
        self.messages.push((owner.clone(), recorded));
        Ok(answer)
    }

    /// The messages of `owner`, oldest first: all of them, or only those to `to` (E.164).
    pub(crate) fn of(&self, owner: &O, to: Option<&str>) -> Vec<SandboxWhatsAppMessage> {
        self.messages
            .iter()
            .filter(|(o, m)| o == owner && to.is_none_or(|to| m.to == to))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// How many messages are recorded, all owners together.
    pub(crate) fn len(&self) -> usize {
        self.messages.len()
    }
}

fn sent(provider_ref: &str) -> SentMessage {
    SentMessage {
        provider: ProviderId::Sandbox,
        provider_ref: provider_ref.to_owned(),
    }
}
