//! [`AesGcmSecrets`]: the [`Secrets`] port with AES-256-GCM and HMAC-SHA256 under HKDF subkeys.

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use onramp_domain::ports::{Secrets, SecretsError};
use rand::Rng as _;
use secrecy::zeroize::Zeroizing;
use sha2::Sha256;

use crate::MasterKey;

/// First byte of every ciphertext: the format and key-derivation version.
pub const FORMAT_V1: u8 = 0x01;
/// AES-GCM nonce length in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag length in bytes (128 bits).
pub const TAG_LEN: usize = 16;
/// The shortest valid ciphertext: version, nonce and tag around an empty plaintext (29 bytes).
pub const MIN_CIPHERTEXT_LEN: usize = 1 + NONCE_LEN + TAG_LEN;

/// HKDF `info` of the encryption subkey. Changing it makes every stored secret unreadable.
const ENCRYPTION_INFO: &[u8] = b"onramp/encryption/v1";
/// HKDF `info` prefix of the keyed-hash subkeys; the purpose follows it.
const HASH_INFO_PREFIX: &[u8] = b"onramp/hash/";

/// The [`Secrets`] port over one [`MasterKey`] (DESIGN.md section 4).
///
/// Subkeys are derived with HKDF-SHA256 (no salt: the master key is already uniformly random):
/// the AES-256-GCM key with info `onramp/encryption/v1`, and one HMAC-SHA256 key per keyed-hash
/// purpose with info `onramp/hash/{purpose}`, so an OTP hash can never be confused with an
/// API-key hash and no subkey reveals another.
///
/// Ciphertext layout (v1): `0x01 || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes)`,
/// with the caller's `context` as associated data. Nonces are random, which is safe for about
/// 2^32 encryptions under one master key (NIST SP 800-38D section 8.3); rotate the key well
/// before that.
pub struct AesGcmSecrets {
    cipher: Aes256Gcm,
    /// HKDF state after Extract (holds the pseudorandom key), for per-purpose hash keys.
    kdf: Hkdf<Sha256>,
}

impl AesGcmSecrets {
    /// Derives the encryption subkey from `master` and keeps what is needed to derive hash
    /// subkeys later.
    pub fn new(master: &MasterKey) -> Self {
        let kdf = Hkdf::<Sha256>::new(None, master.bytes());
        let key = derive_subkey(&kdf, &[ENCRYPTION_INFO]);
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
        Self { cipher, kdf }
    }
}

impl std::fmt::Debug for AesGcmSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesGcmSecrets([redacted])")
    }
}

impl Secrets for AesGcmSecrets {
    /// # Panics
    /// Only if `plaintext` is longer than AES-GCM's limit of 2^36 - 32 bytes (64 GiB), which no
    /// secret comes near; the port's signature leaves no error to return.
    fn encrypt(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let sealed = match self.cipher.encrypt(&nonce.into(), payload) {
            Ok(sealed) => sealed,
            Err(_) => panic!(
                "AES-GCM refused a {}-byte plaintext (limit 64 GiB)",
                plaintext.len()
            ),
        };
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    fn decrypt(&self, ciphertext: &[u8], context: &str) -> Result<Vec<u8>, SecretsError> {
        if ciphertext.len() < MIN_CIPHERTEXT_LEN {
            return Err(SecretsError("ciphertext too short"));
        }
        let (version, rest) = ciphertext.split_at(1);
        if version != [FORMAT_V1] {
            return Err(SecretsError("unknown ciphertext version"));
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| SecretsError("ciphertext too short"))?;
        let payload = Payload {
            msg: sealed,
            aad: context.as_bytes(),
        };
        self.cipher
            .decrypt(&nonce.into(), payload)
            .map_err(|_| SecretsError("wrong key or context, or tampered ciphertext"))
    }

    fn keyed_hash(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let key = derive_subkey(&self.kdf, &[HASH_INFO_PREFIX, purpose.as_bytes()]);
        hmac_sha256(key.as_ref(), data)
    }
}

/// HKDF-Expand of a 32-byte subkey; `info` is the concatenation of `info_parts`.
fn derive_subkey(kdf: &Hkdf<Sha256>, info_parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut okm = Zeroizing::new([0u8; 32]);
    // HKDF-SHA256 refuses only outputs longer than 255 * 32 bytes; 32 bytes always succeed.
    if kdf.expand_multi_info(info_parts, okm.as_mut()).is_err() {
        unreachable!("HKDF-SHA256 can always produce 32 bytes");
    }
    okm
}

/// HMAC-SHA256 (RFC 2104) of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length (long ones are hashed, short ones padded), so this never fails.
    let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length");
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hkdf_matches_rfc_5869_test_case_3_without_salt() {
        // RFC 5869 A.3: IKM = 22 x 0x0b, no salt, empty info; first 32 of the 42 OKM bytes.
        let kdf = Hkdf::<Sha256>::new(None, &[0x0b; 22]);
        let okm = derive_subkey(&kdf, &[b""]);
        assert_eq!(
            hex(okm.as_ref()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        );
    }

    #[test]
    fn info_parts_are_concatenated() {
        let kdf = Hkdf::<Sha256>::new(None, &[1; 32]);
        assert_eq!(
            *derive_subkey(&kdf, &[b"onramp/hash/", b"otp"]),
            *derive_subkey(&kdf, &[b"onramp/hash/otp"])
        );
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", AesGcmSecrets::new(&MasterKey::generate())),
            "AesGcmSecrets([redacted])"
        );
    }
}
