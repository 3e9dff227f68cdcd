//! The `ChannelLink` aggregate's data: state, commands, events and errors.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::SessionId;
use crate::verification::CodeHash;

/// A link code's time to live by default: 300 s (MISSION.md B).
pub const DEFAULT_LINK_TTL: time::Duration = time::Duration::seconds(300);

/// Wrong attempts that lock a link code by default.
pub const DEFAULT_MAX_WRONG: u32 = 5;

/// The code currently asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCode {
    /// The session that asked for it: the only one it links.
    pub session_id: SessionId,
    /// The code's keyed hash (the code itself is never here).
    pub code_hash: CodeHash,
    /// When it was asked for (its TTL counts from here).
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Wrong attempts so far.
    pub wrong: u32,
    /// True once the wrong attempts reached the limit.
    pub locked: bool,
    /// True once it linked its session.
    pub used: bool,
}

/// The folded state of one (tenant, phone)'s link codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    /// The current code, if one was asked for.
    pub code: Option<LinkCode>,
    /// Sessions linked so far, in order (one per successful code).
    pub linked: Vec<SessionId>,
}

/// An intention about a phone's link codes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkCommand {
    /// A session asks for a link code; it replaces any earlier code.
    Request {
        /// The asking session.
        session_id: SessionId,
        /// The new code's keyed hash.
        code_hash: CodeHash,
        /// Now.
        at: OffsetDateTime,
    },
    /// The other side typed a code for this phone.
    Verify {
        /// The typed code's keyed hash.
        code_hash: CodeHash,
        /// Now.
        at: OffsetDateTime,
    },
}

/// Something that happened to a phone's link codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LinkEvent {
    /// A code was asked for (replacing any earlier one).
    CodeRequested {
        /// The asking session.
        session_id: SessionId,
        /// The code's keyed hash.
        code_hash: CodeHash,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A wrong code was typed.
    WrongCode {
        /// Wrong attempts on this code so far.
        attempts: u32,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Too many wrong codes: the code is locked.
    Locked {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The right code, in time: the asking session is linked.
    Linked {
        /// The session the code was asked for.
        session_id: SessionId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl LinkEvent {
    /// The stored type name, `link.<snake_case>`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::CodeRequested { .. } => "link.code_requested",
            Self::WrongCode { .. } => "link.wrong_code",
            Self::Locked { .. } => "link.locked",
            Self::Linked { .. } => "link.linked",
        }
    }

    /// When it happened.
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::CodeRequested { at, .. }
            | Self::WrongCode { at, .. }
            | Self::Locked { at }
            | Self::Linked { at, .. } => *at,
        }
    }
}

/// Why a link command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No code was asked for this phone.
    #[error("no link code was requested")]
    NoCode,
    /// The code already linked its session.
    #[error("the link code was used already")]
    AlreadyUsed,
    /// The code is past its TTL.
    #[error("the link code expired")]
    Expired,
    /// Too many wrong attempts.
    #[error("the link code is locked after too many wrong attempts")]
    Locked,
}
