//! Onramp's secrets at rest: the [`Secrets`](onramp_domain::ports::Secrets) port implemented
//! with AES-256-GCM and HMAC-SHA256 under subkeys derived (HKDF-SHA256) from one master key.
//!
//! An outbound adapter of the hexagon (DESIGN.md sections 3 and 4). The server builds one
//! [`AesGcmSecrets`] at start-up from a [`MasterKey`] read from `ONRAMP_ENCRYPTION_KEY`
//! ([`MasterKey::from_base64`]) or from a key file ([`MasterKey::load_or_create_file`]), and
//! hands it to the domain as `Arc<dyn Secrets>`.
//!
//! - [`Secrets::encrypt`](onramp_domain::ports::Secrets::encrypt) /
//!   [`decrypt`](onramp_domain::ports::Secrets::decrypt): provider tokens, PINs and per-tenant
//!   credentials, bound to a context string (associated data) such as `"tenant/{id}/twilio"`.
//! - [`Secrets::keyed_hash`](onramp_domain::ports::Secrets::keyed_hash): OTP-code and API-key
//!   hashes, so a copy of the database alone cannot confirm a guess (CRATES.md section 5,
//!   item 12).
//!
//! Losing the master key loses every encrypted secret, and changing it invalidates every
//! stored keyed hash: back it up with the database.
//!
//! ```
//! use onramp_domain::ports::Secrets;
//! use onramp_secrets::{AesGcmSecrets, MasterKey};
//!
//! let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
//! let secrets = AesGcmSecrets::new(&key);
//! let sealed = secrets.encrypt(b"sk_test_123", "tenant/42/stripe");
//! assert_eq!(secrets.decrypt(&sealed, "tenant/42/stripe")?, b"sk_test_123");
//! assert!(secrets.decrypt(&sealed, "tenant/43/stripe").is_err());
//! assert_ne!(secrets.keyed_hash("otp", b"123456"), secrets.keyed_hash("api-key", b"123456"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod aes_gcm;
mod key;

pub use aes_gcm::{AesGcmSecrets, FORMAT_V1, MIN_CIPHERTEXT_LEN, NONCE_LEN, TAG_LEN};
pub use key::{KeyError, MASTER_KEY_LEN, MasterKey};
