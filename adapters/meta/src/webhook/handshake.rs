//! The subscription handshake: Meta calls `GET <callback>?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`
//! and expects the raw challenge back with 200 when mode and token match, a 4xx otherwise
//! (PROVIDERS.md section 6, "Webhooks"; WhatsApp/WhatsApp-Nodejs-SDK: src/api/webhooks.ts,
//! which answers 401).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The only `hub.mode` Meta sends for a subscription.
pub const HANDSHAKE_MODE: &str = "subscribe";
/// The longest `hub.challenge` echoed back, in bytes. Meta's challenges are short numbers; a
/// longer one is not Meta's, and the endpoint must not become a reflector of arbitrary text.
pub const MAX_CHALLENGE_BYTES: usize = 1024;

/// Why a handshake was refused. The server answers 403 and echoes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// `hub.mode` is not `subscribe` (the value, cut to 64 characters).
    #[error("hub.mode must be subscribe, not {0:?}")]
    WrongMode(String),
    /// No verify token is configured, so no handshake can succeed.
    #[error("no webhook verify token is configured")]
    NotConfigured,
    /// `hub.verify_token` is not the configured token.
    #[error("hub.verify_token does not match")]
    TokenMismatch,
    /// `hub.challenge` is absent or empty.
    #[error("hub.challenge is empty")]
    MissingChallenge,
    /// `hub.challenge` is longer than [`MAX_CHALLENGE_BYTES`].
    #[error("hub.challenge is {0} bytes long; at most 1024 are echoed")]
    ChallengeTooLong(usize),
    /// `hub.challenge` contains a control character (a line break could split the answer).
    #[error("hub.challenge contains control characters")]
    ChallengeControlCharacters,
}

/// Answers a subscription handshake: the challenge, verbatim, when `mode` is `subscribe` and
/// `verify_token` equals `expected_token`.
///
/// The tokens are compared in constant time (their SHA-256 digests, so neither the content nor
/// the length of the expected token leaks through timing).
///
/// # Errors
/// In this order: [`HandshakeError::WrongMode`], [`HandshakeError::NotConfigured`] (an empty
/// `expected_token`), [`HandshakeError::TokenMismatch`], [`HandshakeError::MissingChallenge`],
/// [`HandshakeError::ChallengeTooLong`], [`HandshakeError::ChallengeControlCharacters`].
pub fn handshake(
    mode: &str,
    verify_token: &str,
    challenge: &str,
    expected_token: &str,
) -> Result<String, HandshakeError> {
    if mode != HANDSHAKE_MODE {
        return Err(HandshakeError::WrongMode(mode.chars().take(64).collect()));
    }
    if expected_token.is_empty() {
        return Err(HandshakeError::NotConfigured);
    }
    let given = Sha256::digest(verify_token.as_bytes());
    let expected = Sha256::digest(expected_token.as_bytes());
    if !bool::from(given.as_slice().ct_eq(expected.as_slice())) {
        return Err(HandshakeError::TokenMismatch);
    }
    if challenge.is_empty() {
        return Err(HandshakeError::MissingChallenge);
    }
    if challenge.len() > MAX_CHALLENGE_BYTES {
        return Err(HandshakeError::ChallengeTooLong(challenge.len()));
    }
    if challenge.chars().any(char::is_control) {
        return Err(HandshakeError::ChallengeControlCharacters);
    }
    Ok(challenge.to_string())
}
