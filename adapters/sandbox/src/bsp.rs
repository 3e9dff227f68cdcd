//! [`SandboxBsp`]: the [`BspProvisioning`] port in memory, following Sinch's Provisioning API
//! (PROVIDERS.md section 5): a sender is created `IN_PROGRESS`, reviewed, then `ACTIVE`,
//! `ERROR` or `SUSPENDED`; a rejected sender is corrected and reviewed again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{
    BspProvisioning, NewSender, ProviderError, ProviderId, SenderInfo, SenderState,
};
use serde::Serialize;

use crate::ids::lock;
use crate::magic::{self, mentions};

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
///
/// Cheap to clone: clones share the same senders.
#[derive(Clone, Default)]
pub struct SandboxBsp {
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    state: Arc<Mutex<HashMap<String, Entry>>>,
}

/// A sender and the review under way: polls still needed, and the decision they lead to.
struct Entry {
    sender: SandboxSender,
    review: Option<(u32, SenderState)>,
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
}

impl SandboxBsp {
    /// No sender yet.
    pub fn new() -> Self {
        Self::default()
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
        let created = SandboxSender {
            info: SenderInfo {
                id: id.clone(),
                state: SenderState::InProgress,
            },
            key: sender.key.clone(),
            display_name: sender.display_name.clone(),
            phone: phone.as_str().to_owned(),
            details: sender.details.clone(),
            corrections: Vec::new(),
            polls: 0,
        };
        let info = created.info.clone();
        let review = Some((polls, decision(&sender.display_name)));
        senders.insert(
            id,
            Entry {
                sender: created,
                review,
            },
        );
        Ok(info)
    }

    /// A poll: advances the review under way, and answers the state after it.
    ///
    /// # Errors
    /// `Rejected { code: "sender_not_found" }` for an unknown id.
    async fn sender(&self, sender_id: &str) -> Result<SenderInfo, ProviderError> {
        let mut senders = lock(&self.state);
        let entry = senders
            .get_mut(sender_id)
            .ok_or_else(|| not_found(sender_id))?;
        entry.sender.polls = entry.sender.polls.saturating_add(1);
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
