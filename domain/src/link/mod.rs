//! The `ChannelLink` decider (MISSION.md B, issue 5): linking a person's WhatsApp conversation
//! and web session with a one-time code.
//!
//! A session asks for a link code; the code (6 digits, generated outside) is sent over
//! WhatsApp and only its keyed hash reaches this decider; the person types it on the web, and
//! the verifying side gives only the phone (the aggregate's key) and the typed code's hash.
//!
//! **One aggregate per (tenant, phone)**: the verifying side knows the phone, not the session,
//! so the stream is found by the phone, and the code it holds names the session that asked for
//! it. A code links only that session, once, within its TTL (300 s by default), and 5 wrong
//! attempts lock it (P-LNK-1). A new request replaces the old code (and its attempt count);
//! how often codes may be requested is the per-phone send quota's business (P-OTP-1).

mod decide;
mod model;

pub use decide::LinkDecider;
pub use model::*;
