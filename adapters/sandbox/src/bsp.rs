//! [`SandboxBsp`]: the [`BspProvisioning`] port following Sinch's Provisioning API (PROVIDERS.md
//! section 5): a sender is created `IN_PROGRESS`, reviewed, then `ACTIVE`, `ERROR` or
//! `SUSPENDED`; a rejected sender is corrected and reviewed again; a sender waiting in
//! `PENDING_VERIFICATION` gets a code to its number (`register`) and gives it back (`verify`).
//! The senders are kept in a [`SandboxObjects`] store, so that they outlive the process (issue
//! 11, item 8).

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    BspProvisioning, Clock, NewSender, NumberRegistration, NumberVerificationMethod, ProviderError,
    ProviderId, SandboxObjects, SenderInfo,
};
use onramp_domain::verification::Channel;

use crate::bsp_review::{Entry, SandboxSender, not_found};
use crate::inbox::{SandboxInbox, SandboxMessage, SandboxStatus};
use crate::objects::{Objects, SandboxStoreError, UNSCOPED};
use crate::sender::message_of;

/// Prefix of the sandbox's sender ids: `sbx_sender_` then [`NewSender::key`].
pub const SENDER_ID_PREFIX: &str = "sbx_sender_";

/// Kind of the senders in the sandbox's store, by sender id.
const SENDER: &str = "bsp.sender";

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
/// The senders live in the [`SandboxObjects`] store it was built on
/// ([`SandboxBsp::stored_in`]; [`SandboxBsp::new`] and [`SandboxBsp::with_inbox`] keep them in
/// memory), under the tenant of [`SandboxBsp::for_tenant`]; every change is a compare-and-set
/// on the sender's version, so polls racing in several processes advance the review once each.
/// A store failure is `Unexpected` with the [`SandboxStoreError`]. Cheap to clone: clones share
/// the same senders.
///
/// [`magic::BSP_REJECTED`]: crate::magic::BSP_REJECTED
/// [`magic::BSP_SLOW_REVIEW`]: crate::magic::BSP_SLOW_REVIEW
/// [`magic::BSP_SUSPENDED`]: crate::magic::BSP_SUSPENDED
/// [`magic::BSP_UNVERIFIED_NUMBER`]: crate::magic::BSP_UNVERIFIED_NUMBER
/// [`magic::REJECTED_DISPLAY_NAME_REASON`]: crate::magic::REJECTED_DISPLAY_NAME_REASON
#[derive(Clone)]
pub struct SandboxBsp {
    objects: Objects,
    phones: Option<Phones>,
    tenant: Option<TenantId>,
}

/// Where the codes sent to senders' numbers land.
#[derive(Clone)]
struct Phones {
    inbox: SandboxInbox,
    clock: Arc<dyn Clock>,
}

impl Default for SandboxBsp {
    /// As [`SandboxBsp::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxBsp {
    /// No sender yet, kept in memory; codes sent to numbers are kept only here
    /// ([`Self::number_code`]).
    pub fn new() -> Self {
        Self {
            objects: Objects::in_memory(),
            phones: None,
            tenant: None,
        }
    }

    /// No sender yet, kept in memory; codes sent to numbers also land in `inbox`, stamped by
    /// `clock`, for the tenant of [`Self::for_tenant`].
    pub fn with_inbox(inbox: SandboxInbox, clock: Arc<dyn Clock>) -> Self {
        Self {
            phones: Some(Phones { inbox, clock }),
            ..Self::new()
        }
    }

    /// As [`SandboxBsp::with_inbox`], the senders kept in `store` (the server's database), where
    /// another process on the same store finds them.
    pub fn stored_in(
        store: Arc<dyn SandboxObjects>,
        inbox: SandboxInbox,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            objects: Objects::new(store, UNSCOPED),
            ..Self::with_inbox(inbox, clock)
        }
    }

    /// The same simulator, on `tenant`'s senders, with codes recorded in the inbox for
    /// `tenant`.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        Self {
            objects: self.objects.scoped(tenant),
            phones: self.phones.clone(),
            tenant: Some(tenant),
        }
    }

    /// The code last sent to the number of `sender_id` and not used yet, as its phone shows it.
    ///
    /// # Errors
    /// The store failed.
    pub async fn number_code(&self, sender_id: &str) -> Result<Option<String>, SandboxStoreError> {
        let entry: Option<Entry> = self.objects.get(SENDER, sender_id).await?;
        Ok(entry.and_then(|e| e.code))
    }

    /// The sender `sender_id` as it stands, without polling it (the review does not advance).
    ///
    /// # Errors
    /// The store failed.
    pub async fn submission(
        &self,
        sender_id: &str,
    ) -> Result<Option<SandboxSender>, SandboxStoreError> {
        let entry: Option<Entry> = self.objects.get(SENDER, sender_id).await?;
        Ok(entry.map(|e| e.sender))
    }

    /// Records `code`, just sent to `phone` by `channel`, in the tenant's sandbox inbox.
    fn deliver(&self, phone: &str, channel: Channel, code: &str) -> Result<(), ProviderError> {
        let (Some(phones), Some(tenant)) = (&self.phones, self.tenant) else {
            return Ok(());
        };
        let message = SandboxMessage {
            id: uuid::Uuid::new_v4().to_string(),
            tenant,
            to: phone.to_owned(),
            channel,
            body: message_of("Your WhatsApp Business verification code", channel, code),
            code: code.to_owned(),
            status: SandboxStatus::Delivered,
            failure: None,
            created_at: phones.clock.now(),
        };
        phones
            .inbox
            .record_once(message)
            .map(|_| ())
            .map_err(|e| ProviderError::Unexpected(Box::new(e)))
    }
}

impl std::fmt::Debug for SandboxBsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBsp")
            .field("inbox", &self.phones.is_some())
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl BspProvisioning for SandboxBsp {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// # Errors
    /// - `Unavailable` (`sandbox outage`) for the number
    ///   [`crate::magic::PROVIDER_UNAVAILABLE`]; nothing is created;
    /// - `Rejected { code: "invalid_number" }` for a number that is not a valid phone number;
    /// - `Rejected { code: "invalid_argument" }` for an empty display name.
    async fn create_sender(&self, sender: &NewSender) -> Result<SenderInfo, ProviderError> {
        let id = format!("{SENDER_ID_PREFIX}{}", sender.key);
        if let Some(existing) = self.objects.get::<Entry>(SENDER, &id).await? {
            return Ok(existing.sender.info);
        }
        let entry = Entry::create(id.clone(), sender)?;
        // Of two creations racing with one key, the first stored wins and both answer it.
        let (stored, _) = self.objects.insert(SENDER, &id, &entry).await?;
        Ok(stored.sender.info)
    }

    /// A poll: advances the review under way (not while the number waits for its
    /// verification), and answers the state after it.
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id.
    async fn sender(&self, sender_id: &str) -> Result<SenderInfo, ProviderError> {
        self.objects
            .update(SENDER, sender_id, |entry: &mut Entry| {
                Ok::<_, ProviderError>(entry.poll())
            })
            .await?
            .ok_or_else(|| not_found(sender_id))
    }

    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id,
    /// `Rejected { code: "not_rejected" }` for a sender that is not `ERROR`.
    async fn resubmit(
        &self,
        sender_id: &str,
        corrections: &str,
    ) -> Result<SenderInfo, ProviderError> {
        self.objects
            .update(SENDER, sender_id, |entry: &mut Entry| {
                entry.resubmit(corrections)
            })
            .await?
            .ok_or_else(|| not_found(sender_id))
    }

    /// Sends a new code to the number of a sender in `PendingVerification` (any earlier code
    /// dies); a sender in any other state needs none (`code_sent: false`).
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id; `Rejected` with
    /// `call_not_answered`, `sms_undelivered` or `undeliverable` for the magic numbers that
    /// refuse the channel, `Unavailable` for [`crate::magic::PROVIDER_UNAVAILABLE`];
    /// `Unexpected` when the inbox file cannot be written (the new code is then the number's,
    /// but no phone shows it: register again).
    async fn register_number(
        &self,
        sender_id: &str,
        method: NumberVerificationMethod,
    ) -> Result<NumberRegistration, ProviderError> {
        let channel = match method {
            NumberVerificationMethod::Sms => Channel::Sms,
            NumberVerificationMethod::Voice => Channel::Voice,
        };
        let sent = self
            .objects
            .update(SENDER, sender_id, |entry: &mut Entry| {
                entry.new_code(channel)
            })
            .await?
            .ok_or_else(|| not_found(sender_id))?;
        let Some((phone, code)) = sent else {
            return Ok(NumberRegistration {
                method,
                code_sent: false,
            });
        };
        self.deliver(&phone, channel, &code)?;
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
        self.objects
            .update(SENDER, sender_id, |entry: &mut Entry| entry.verify(code))
            .await?
            .ok_or_else(|| not_found(sender_id))
    }
}
