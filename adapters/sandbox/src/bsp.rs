//! [`SandboxBsp`]: the [`BspProvisioning`] port in memory, following Sinch's Provisioning API
//! (PROVIDERS.md section 5): a sender is created `IN_PROGRESS`, reviewed, then `ACTIVE`,
//! `ERROR` or `SUSPENDED`; a rejected sender is corrected and reviewed again; a sender waiting
//! in `PENDING_VERIFICATION` gets a code to its number (`register`) and gives it back
//! (`verify`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{
    BspProvisioning, Clock, NewSender, NumberRegistration, NumberVerificationMethod, ProviderError,
    ProviderId, SenderInfo, SenderState,
};
use onramp_domain::verification::Channel;
use serde::Serialize;

use crate::ids::lock;
use crate::inbox::{SandboxInbox, SandboxMessage, SandboxStatus};
use crate::magic::{self, Outcome, mentions};
use crate::sender::message_of;

/// Prefix of the sandbox's sender ids: `sbx_sender_` then [`NewSender::key`].
pub const SENDER_ID_PREFIX: &str = "sbx_sender_";

/// Sinch's sender provisioning, simulated, with Meta's review decided by magic display names
/// ([`crate::magic`]; the crate documentation has the table).
///
/// - [`BspProvisioning::create_sender`] answers `IN_PROGRESS` with id `sbx_sender_<key>`; the
///   same key answers the same sender as it stands, whatever the other fields.
/// - The review completes at a poll ([`BspProvisioning::sender`]), never at the creation, so
///   the app sees "in review" first: at the first poll (the second for a display name with
///   [`magic::BSP_SLOW_REVIEW`]) the sender becomes `ERROR` for [`magic::BSP_REJECTED`]
///   (reason [`magic::REJECTED_DISPLAY_NAME_REASON`]), else `SUSPENDED` for
///   [`magic::BSP_SUSPENDED`], else `ACTIVE`.
/// - [`BspProvisioning::resubmit`] of an `ERROR` sender puts it back `IN_PROGRESS`; the next
///   poll makes it `ACTIVE`, or `ERROR` again when the corrections themselves contain
///   [`magic::BSP_REJECTED`].
/// - A display name with [`magic::BSP_UNVERIFIED_NUMBER`] is created `PENDING_VERIFICATION`
///   and stays so at every poll until [`BspProvisioning::verify_number`] gets the code that
///   [`BspProvisioning::register_number`] sent (6 random digits, into the sandbox inbox of the
///   tenant given by [`SandboxBsp::for_tenant`], as an SMS or a voice call to the sender's
///   number; the magic numbers of [`crate::magic`] that refuse a channel refuse it here too);
///   it is then `IN_PROGRESS`, and reviewed as above.
///
/// Cheap to clone: clones share the same senders.
#[derive(Clone, Default)]
pub struct SandboxBsp {
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    state: Arc<Mutex<HashMap<String, Entry>>>,
    phones: Option<Phones>,
    tenant: Option<TenantId>,
}

/// Where the codes sent to senders' numbers land.
#[derive(Clone)]
struct Phones {
    inbox: SandboxInbox,
    clock: Arc<dyn Clock>,
}

/// A sender, the review under way (polls still needed, and the decision they lead to), and
/// the code last sent to its number.
struct Entry {
    sender: SandboxSender,
    review: Option<(u32, SenderState)>,
    code: Option<String>,
}

/// A sender as the sandbox holds it, for tests and sandbox pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxSender {
    /// Its id and state now.
    pub info: SenderInfo,
    /// The key it was created with.
    pub key: String,
    /// The display name submitted.
    pub display_name: String,
    /// The number, E.164.
    pub phone: String,
    /// The details submitted.
    pub details: Vec<(String, String)>,
    /// Every correction resubmitted, oldest first.
    pub corrections: Vec<String>,
    /// How many times it was polled.
    pub polls: u32,
    /// Codes sent to its number.
    pub codes_sent: u32,
    /// True once its number was verified.
    pub number_verified: bool,
}

impl SandboxBsp {
    /// No sender yet; codes sent to numbers are kept only here ([`Self::number_code`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// No sender yet; codes sent to numbers also land in `inbox`, stamped by `clock`, for the
    /// tenant of [`Self::for_tenant`].
    pub fn with_inbox(inbox: SandboxInbox, clock: Arc<dyn Clock>) -> Self {
        Self {
            phones: Some(Phones { inbox, clock }),
            ..Self::default()
        }
    }

    /// The same senders, with codes recorded in the inbox for `tenant`.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        Self {
            tenant: Some(tenant),
            ..self.clone()
        }
    }

    /// The code last sent to the number of `sender_id` and not used yet, as its phone shows it.
    pub fn number_code(&self, sender_id: &str) -> Option<String> {
        lock(&self.state)
            .get(sender_id)
            .and_then(|e| e.code.clone())
    }

    /// The sender `sender_id` as it stands, without polling it (the review does not advance).
    pub fn submission(&self, sender_id: &str) -> Option<SandboxSender> {
        lock(&self.state).get(sender_id).map(|e| e.sender.clone())
    }
}

impl std::fmt::Debug for SandboxBsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBsp")
            .field("senders", &lock(&self.state).len())
            .field("inbox", &self.phones.is_some())
            .field("tenant", &self.tenant)
            .finish()
    }
}

#[async_trait]
impl BspProvisioning for SandboxBsp {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// # Errors
    /// - `Unavailable` (`sandbox outage`) for the number
    ///   [`magic::PROVIDER_UNAVAILABLE`]; nothing is created;
    /// - `Rejected { code: "invalid_number" }` for a number that is not a valid phone number;
    /// - `Rejected { code: "invalid_argument" }` for an empty display name.
    async fn create_sender(&self, sender: &NewSender) -> Result<SenderInfo, ProviderError> {
        let id = format!("{SENDER_ID_PREFIX}{}", sender.key);
        let mut senders = lock(&self.state);
        if let Some(existing) = senders.get(&id) {
            return Ok(existing.sender.info.clone());
        }
        let phone = PhoneNumber::parse(&sender.phone, None).map_err(|e| {
            ProviderError::rejected(
                "invalid_number",
                format!("sandbox: {:?} is not a phone number: {e}", sender.phone),
            )
        })?;
        if phone.as_str() == magic::PROVIDER_UNAVAILABLE {
            return Err(ProviderError::Unavailable {
                retry_after: None,
                reason: magic::OUTAGE_REASON.to_owned(),
            });
        }
        if sender.display_name.trim().is_empty() {
            return Err(ProviderError::rejected(
                "invalid_argument",
                "sandbox: displayName must not be empty",
            ));
        }
        let polls = if mentions(&sender.display_name, magic::BSP_SLOW_REVIEW) {
            2
        } else {
            1
        };
        let state = if mentions(&sender.display_name, magic::BSP_UNVERIFIED_NUMBER) {
            SenderState::PendingVerification
        } else {
            SenderState::InProgress
        };
        let created = SandboxSender {
            info: SenderInfo {
                id: id.clone(),
                state,
            },
            key: sender.key.clone(),
            display_name: sender.display_name.clone(),
            phone: phone.as_str().to_owned(),
            details: sender.details.clone(),
            corrections: Vec::new(),
            polls: 0,
            codes_sent: 0,
            number_verified: false,
        };
        let info = created.info.clone();
        let review = Some((polls, decision(&sender.display_name)));
        senders.insert(
            id,
            Entry {
                sender: created,
                review,
                code: None,
            },
        );
        Ok(info)
    }

    /// A poll: advances the review under way (not while the number waits for its
    /// verification), and answers the state after it.
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id.
    async fn sender(&self, sender_id: &str) -> Result<SenderInfo, ProviderError> {
        let mut senders = lock(&self.state);
        let entry = senders
            .get_mut(sender_id)
            .ok_or_else(|| not_found(sender_id))?;
        entry.sender.polls = entry.sender.polls.saturating_add(1);
        if entry.sender.info.state == SenderState::PendingVerification {
            return Ok(entry.sender.info.clone());
        }
        if let Some((left, verdict)) = entry.review.take() {
            if left <= 1 {
                entry.sender.info.state = verdict;
            } else {
                entry.review = Some((left - 1, verdict));
            }
        }
        Ok(entry.sender.info.clone())
    }

    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id,
    /// `Rejected { code: "not_rejected" }` for a sender that is not `ERROR`.
    async fn resubmit(
        &self,
        sender_id: &str,
        corrections: &str,
    ) -> Result<SenderInfo, ProviderError> {
        let mut senders = lock(&self.state);
        let entry = senders
            .get_mut(sender_id)
            .ok_or_else(|| not_found(sender_id))?;
        let SenderState::Error { reason } = &entry.sender.info.state else {
            return Err(ProviderError::rejected(
                "not_rejected",
                format!("sandbox: sender {sender_id} is not in ERROR, nothing to correct"),
            ));
        };
        let verdict = if mentions(corrections, magic::BSP_REJECTED) {
            SenderState::Error {
                reason: reason.clone(),
            }
        } else {
            SenderState::Active
        };
        entry.sender.corrections.push(corrections.to_owned());
        entry.review = Some((1, verdict));
        entry.sender.info.state = SenderState::InProgress;
        Ok(entry.sender.info.clone())
    }

    /// Sends a new code to the number of a sender in `PendingVerification` (any earlier code
    /// dies); a sender in any other state needs none (`code_sent: false`).
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id; `Rejected` with
    /// `call_not_answered`, `sms_undelivered` or `undeliverable` for the magic numbers that
    /// refuse the channel, `Unavailable` for [`magic::PROVIDER_UNAVAILABLE`]; `Unexpected` when
    /// the inbox file cannot be written.
    async fn register_number(
        &self,
        sender_id: &str,
        method: NumberVerificationMethod,
    ) -> Result<NumberRegistration, ProviderError> {
        let channel = match method {
            NumberVerificationMethod::Sms => Channel::Sms,
            NumberVerificationMethod::Voice => Channel::Voice,
        };
        let mut senders = lock(&self.state);
        let entry = senders
            .get_mut(sender_id)
            .ok_or_else(|| not_found(sender_id))?;
        if entry.sender.info.state != SenderState::PendingVerification {
            return Ok(NumberRegistration {
                method,
                code_sent: false,
            });
        }
        match magic::outcome(&entry.sender.phone, channel) {
            Outcome::Delivered => {}
            Outcome::Rejected(code) => {
                return Err(ProviderError::rejected(
                    code,
                    format!("sandbox: the code could not reach {}", entry.sender.phone),
                ));
            }
            Outcome::Unavailable => {
                return Err(ProviderError::Unavailable {
                    retry_after: None,
                    reason: magic::OUTAGE_REASON.to_owned(),
                });
            }
        }
        let code = format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000);
        if let (Some(phones), Some(tenant)) = (&self.phones, self.tenant) {
            let message = SandboxMessage {
                id: uuid::Uuid::new_v4().to_string(),
                tenant,
                to: entry.sender.phone.clone(),
                channel,
                body: message_of("Your WhatsApp Business verification code", channel, &code),
                code: code.clone(),
                status: SandboxStatus::Delivered,
                failure: None,
                created_at: phones.clock.now(),
            };
            phones
                .inbox
                .record_once(message)
                .map_err(|e| ProviderError::Unexpected(Box::new(e)))?;
        }
        entry.code = Some(code);
        entry.sender.codes_sent += 1;
        Ok(NumberRegistration {
            method,
            code_sent: true,
        })
    }

    /// Takes the code last sent to the number: the sender is then `IN_PROGRESS`, its review
    /// going on at the next poll. A code is used once.
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id, `Rejected { code:
    /// "not_pending_verification" }` for a sender whose number needs no code, `Rejected {
    /// code: "invalid_code" }` for a wrong code or when none was sent.
    async fn verify_number(
        &self,
        sender_id: &str,
        code: &str,
    ) -> Result<SenderInfo, ProviderError> {
        let mut senders = lock(&self.state);
        let entry = senders
            .get_mut(sender_id)
            .ok_or_else(|| not_found(sender_id))?;
        if entry.sender.info.state != SenderState::PendingVerification {
            return Err(ProviderError::rejected(
                "not_pending_verification",
                format!("sandbox: sender {sender_id} needs no verification code"),
            ));
        }
        match entry.code.as_deref() {
            None => Err(ProviderError::rejected(
                "invalid_code",
                "sandbox: no code was sent to the number; register it first",
            )),
            Some(expected) if expected != code.trim() => Err(ProviderError::rejected(
                "invalid_code",
                "sandbox: the code is wrong",
            )),
            Some(_) => {
                entry.code = None;
                entry.sender.number_verified = true;
                entry.sender.info.state = SenderState::InProgress;
                Ok(entry.sender.info.clone())
            }
        }
    }
}

/// The review's decision for `display_name`.
fn decision(display_name: &str) -> SenderState {
    if mentions(display_name, magic::BSP_REJECTED) {
        SenderState::Error {
            reason: magic::REJECTED_DISPLAY_NAME_REASON.to_owned(),
        }
    } else if mentions(display_name, magic::BSP_SUSPENDED) {
        SenderState::Suspended {
            reason: "SUSPENDED".to_owned(),
        }
    } else {
        SenderState::Active
    }
}

/// Sinch's 404 for an unknown sender.
fn not_found(sender_id: &str) -> ProviderError {
    ProviderError::rejected(
        "sender_not_found",
        format!("sandbox: no sender {sender_id}"),
    )
}
