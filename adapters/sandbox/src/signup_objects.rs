//! The Meta objects [`SandboxSignup`](crate::SandboxSignup) keeps in the sandbox's store: one
//! kind each for WABAs, phone numbers, authorization codes and business tokens. Codes and
//! tokens are found by a digest of their text, and a PIN is kept as a digest: no secret is
//! stored in clear (P-WABA-3 holds for the sandbox too).

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::signup::SandboxWaba;

/// Kind of the WABAs ([`Waba`]), by WABA id.
pub(crate) const WABA: &str = "meta.waba";
/// Kind of the phone numbers, by phone number id: the WABA id.
pub(crate) const NUMBER: &str = "meta.phone_number";
/// Kind of the authorization codes ([`Code`]), by digest.
pub(crate) const CODE: &str = "meta.code";
/// Kind of the business tokens ([`Grant`]), by digest.
pub(crate) const TOKEN: &str = "meta.token";

/// A WABA and the digest of its number's two-step verification PIN, set by the first
/// registration.
#[derive(Serialize, Deserialize)]
pub(crate) struct Waba {
    pub(crate) waba: SandboxWaba,
    pub(crate) pin: Option<String>,
}

/// An authorization code: the WABA it is for, when it was minted, whether it was exchanged.
#[derive(Serialize, Deserialize)]
pub(crate) struct Code {
    pub(crate) waba_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) minted_at: OffsetDateTime,
    pub(crate) used: bool,
}

/// A business token: the WABA it acts for, and when it was issued.
#[derive(Serialize, Deserialize)]
pub(crate) struct Grant {
    pub(crate) waba_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) issued_at: OffsetDateTime,
}

/// A digest of a secret the sandbox must recognise but never keep in clear.
pub(crate) fn digest(purpose: &str, secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!("onramp-sandbox-{purpose}:{secret}").as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_never_holds_its_secret_and_depends_on_its_purpose() {
        let code = digest("code", "sbx_code_1");
        assert!(!code.contains("sbx_code_1"));
        assert_eq!(code, digest("code", "sbx_code_1"));
        assert_ne!(code, digest("token", "sbx_code_1"));
    }
}
