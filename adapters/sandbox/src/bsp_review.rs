//! One BSP sender as [`SandboxBsp`](crate::SandboxBsp) keeps it in the sandbox's store, and
//! Sinch's rules for each change to it: creation, a poll advancing the review, a resubmission,
//! a code sent to its number, the code given back. Pure: the simulator reads the entry, applies
//! one of these and writes it back with a compare-and-set.

use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{NewSender, ProviderError, SenderInfo, SenderState};
use onramp_domain::verification::Channel;
use serde::{Deserialize, Serialize};

use crate::magic::{self, Outcome, mentions};

/// A sender as the sandbox holds it, for tests and sandbox pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A sender, the review under way (polls still needed, and the decision they lead to), and
/// the code last sent to its number.
#[derive(Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) sender: SandboxSender,
    review: Option<(u32, SenderState)>,
    pub(crate) code: Option<String>,
}

impl Entry {
    /// A new sender `id` as `sender` asks, in review (or waiting for its number's code).
    ///
    /// # Errors
    /// `Unavailable` for [`magic::PROVIDER_UNAVAILABLE`], `Rejected { code: "invalid_number" }`
    /// for a number that does not parse, `Rejected { code: "invalid_argument" }` for an empty
    /// display name.
    pub(crate) fn create(id: String, sender: &NewSender) -> Result<Self, ProviderError> {
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
        Ok(Entry {
            sender: SandboxSender {
                info: SenderInfo { id, state },
                key: sender.key.clone(),
                display_name: sender.display_name.clone(),
                phone: phone.as_str().to_owned(),
                details: sender.details.clone(),
                corrections: Vec::new(),
                polls: 0,
                codes_sent: 0,
                number_verified: false,
            },
            review: Some((polls, decision(&sender.display_name))),
            code: None,
        })
    }

    /// A poll: advances the review under way (not while the number waits for its
    /// verification); answers the state after it.
    pub(crate) fn poll(&mut self) -> SenderInfo {
        self.sender.polls = self.sender.polls.saturating_add(1);
        if self.sender.info.state == SenderState::PendingVerification {
            return self.sender.info.clone();
        }
        if let Some((left, verdict)) = self.review.take() {
            if left <= 1 {
                self.sender.info.state = verdict;
            } else {
                self.review = Some((left - 1, verdict));
            }
        }
        self.sender.info.clone()
    }

    /// Corrections to a rejected sender: in review again.
    ///
    /// # Errors
    /// `Rejected { code: "not_rejected" }` for a sender that is not `ERROR`.
    pub(crate) fn resubmit(&mut self, corrections: &str) -> Result<SenderInfo, ProviderError> {
        let SenderState::Error { reason } = &self.sender.info.state else {
            return Err(ProviderError::rejected(
                "not_rejected",
                format!(
                    "sandbox: sender {} is not in ERROR, nothing to correct",
                    self.sender.info.id
                ),
            ));
        };
        let verdict = if mentions(corrections, magic::BSP_REJECTED) {
            SenderState::Error {
                reason: reason.clone(),
            }
        } else {
            SenderState::Active
        };
        self.sender.corrections.push(corrections.to_owned());
        self.review = Some((1, verdict));
        self.sender.info.state = SenderState::InProgress;
        Ok(self.sender.info.clone())
    }

    /// A new code for the number of a sender in `PendingVerification`, sent by `channel`
    /// (any earlier code dies): answers the number and the code; `None` for a sender in any
    /// other state (it needs none).
    ///
    /// # Errors
    /// `Rejected` with `call_not_answered`, `sms_undelivered` or `undeliverable` for the magic
    /// numbers that refuse the channel, `Unavailable` for [`magic::PROVIDER_UNAVAILABLE`].
    pub(crate) fn new_code(
        &mut self,
        channel: Channel,
    ) -> Result<Option<(String, String)>, ProviderError> {
        if self.sender.info.state != SenderState::PendingVerification {
            return Ok(None);
        }
        let phone = self.sender.phone.clone();
        match magic::outcome(&phone, channel) {
            Outcome::Delivered => {}
            Outcome::Rejected(code) => {
                return Err(ProviderError::rejected(
                    code,
                    format!("sandbox: the code could not reach {phone}"),
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
        self.code = Some(code.clone());
        self.sender.codes_sent += 1;
        Ok(Some((phone, code)))
    }

    /// Takes the code last sent to the number: the sender is then `IN_PROGRESS`, its review
    /// going on at the next poll. A code is used once.
    ///
    /// # Errors
    /// `Rejected { code: "not_pending_verification" }` for a sender whose number needs no
    /// code, `Rejected { code: "invalid_code" }` for a wrong code or when none was sent.
    pub(crate) fn verify(&mut self, code: &str) -> Result<SenderInfo, ProviderError> {
        if self.sender.info.state != SenderState::PendingVerification {
            return Err(ProviderError::rejected(
                "not_pending_verification",
                format!(
                    "sandbox: sender {} needs no verification code",
                    self.sender.info.id
                ),
            ));
        }
        match self.code.as_deref() {
            None => Err(ProviderError::rejected(
                "invalid_code",
                "sandbox: no code was sent to the number; register it first",
            )),
            Some(expected) if expected != code.trim() => Err(ProviderError::rejected(
                "invalid_code",
                "sandbox: the code is wrong",
            )),
            Some(_) => {
                self.code = None;
                self.sender.number_verified = true;
                self.sender.info.state = SenderState::InProgress;
                Ok(self.sender.info.clone())
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
pub(crate) fn not_found(sender_id: &str) -> ProviderError {
    ProviderError::rejected(
        "sender_not_found",
        format!("sandbox: no sender {sender_id}"),
    )
}
