//! Secrets at rest: encryption and keyed hashes with server-held keys.

/// A secret could not be decrypted (wrong key, tampered or truncated ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret could not be decrypted: {0}")]
pub struct SecretsError(pub &'static str);

/// Encrypts secrets at rest and computes keyed hashes (DESIGN.md section 4).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Secrets: Send + Sync {
    /// Encrypts `plaintext`, bound to `context` (associated data: a ciphertext made for one
    /// context MUST NOT decrypt under another). Implementations MUST use an AEAD
    /// (AES-256-GCM) with a fresh random nonce per call.
    fn encrypt(&self, plaintext: &[u8], context: &str) -> Vec<u8>;

    /// Decrypts what [`Secrets::encrypt`] produced for the same `context`.
    ///
    /// # Errors
    /// [`SecretsError`] when the ciphertext was not made by this key for this context.
    fn decrypt(&self, ciphertext: &[u8], context: &str) -> Result<Vec<u8>, SecretsError>;

    /// HMAC-SHA256 of `data` under a server key derived for `purpose`; 32 bytes. Used for OTP
    /// code hashes and API-key hashes, so the database alone cannot confirm a guess.
    fn keyed_hash(&self, purpose: &str, data: &[u8]) -> [u8; 32];
}
