//! One trial per customer per tenant (P-TRI-3): a card fingerprint or a phone number that
//! started (or is starting) one trial cannot start another.
//!
//! Each key is its own stream in the store (`trial_claim` `card:{fingerprint}` /
//! `phone:{e164}`), written at version 0 in the same commit as the card check: two trials
//! racing for a key conflict, and the loser reads the winner's claim.

use serde::{Deserialize, Serialize};

use crate::ids::TrialId;
use crate::phone::PhoneNumber;

/// A key that identifies a customer across trials.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ClaimKey {
    /// The card provider's fingerprint of the card number.
    Card(String),
    /// A verified phone, E.164.
    Phone(String),
}

impl ClaimKey {
    /// The keys of a trial: its card's fingerprint, and its phone when it has one.
    pub fn of(fingerprint: &str, phone: Option<&PhoneNumber>) -> Vec<Self> {
        let mut keys = vec![Self::Card(fingerprint.to_owned())];
        keys.extend(phone.map(|p| Self::Phone(p.as_str().to_owned())));
        keys
    }

    /// The stream id: `card:{fingerprint}` or `phone:{e164}`.
    pub fn stream_id(&self) -> String {
        match self {
            Self::Card(f) => format!("card:{f}"),
            Self::Phone(p) => format!("phone:{p}"),
        }
    }
}

/// The state of one claim stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialClaim {
    /// The trial holding the key.
    pub trial: Option<TrialId>,
}

/// The key is held by another trial.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this customer has had a free trial already ({key:?})")]
pub struct TrialAlreadyUsed {
    /// The key that is taken.
    pub key: ClaimKey,
}

/// The registry's rule, pure: `trial` may claim `keys` when every key is free or its own.
/// Returns the keys to write (the free ones).
///
/// # Errors
/// [`TrialAlreadyUsed`] naming the first key another trial holds.
pub fn claim<'k>(
    trial: TrialId,
    keys: impl IntoIterator<Item = (&'k ClaimKey, &'k TrialClaim)>,
) -> Result<Vec<ClaimKey>, TrialAlreadyUsed> {
    let mut free = Vec::new();
    for (key, held) in keys {
        match held.trial {
            Some(other) if other != trial => return Err(TrialAlreadyUsed { key: key.clone() }),
            Some(_) => {}
            None => free.push(key.clone()),
        }
    }
    Ok(free)
}
