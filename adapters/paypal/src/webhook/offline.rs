//! Certificate-based ("offline") verification of PayPal's webhook signatures, and signing the
//! same way for tests and the CLI.
//!
//! The scheme (PROVIDERS.md section 2, "Webhooks"; paypal/PayPal-Python-SDK:
//! paypalrestsdk/notifications.py `_get_expected_sig`, `_verify_signature`,
//! `_is_common_name_valid`; paypal/PayPal-Java-SDK: rest-api-sdk Event.java and SSLUtil.java
//! `crc32`):
//! - signed string: `{PAYPAL-TRANSMISSION-ID}|{PAYPAL-TRANSMISSION-TIME}|{webhook id}|{crc32}`
//!   where the CRC32 is the IEEE (zlib) checksum of the raw body, printed as an unsigned
//!   decimal number, and the webhook id is *your* registration's;
//! - `PAYPAL-TRANSMISSION-SIG`: base64 of the RSASSA-PKCS1-v1_5 signature with SHA-256
//!   (`PAYPAL-AUTH-ALGO: SHA256withRSA`) under the key of the certificate at
//!   `PAYPAL-CERT-URL`;
//! - the certificate must be valid now and its subject common name must end with
//!   `.paypal.com` (the SDKs' checks).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;
use x509_parser::pem::parse_x509_pem;

/// The transmission id header.
pub const TRANSMISSION_ID_HEADER: &str = "paypal-transmission-id";
/// The transmission time header (RFC 3339, e.g. `2019-08-29T10:49:33Z`).
pub const TRANSMISSION_TIME_HEADER: &str = "paypal-transmission-time";
/// The signature header (base64).
pub const TRANSMISSION_SIG_HEADER: &str = "paypal-transmission-sig";
/// The header naming the signing certificate's URL.
pub const CERT_URL_HEADER: &str = "paypal-cert-url";
/// The header naming the signature algorithm.
pub const AUTH_ALGO_HEADER: &str = "paypal-auth-algo";
/// The only algorithm accepted: RSASSA-PKCS1-v1_5 with SHA-256. (The Python SDK also maps
/// `SHA1withRSA`; PayPal has signed with SHA-256 since at least 2015, and SHA-1 signatures are
/// refused here.)
pub const AUTH_ALGO: &str = "SHA256withRSA";
/// What a PayPal certificate's subject common name ends with (Python SDK
/// `_is_common_name_valid`).
pub const PAYPAL_CN_SUFFIX: &str = ".paypal.com";

/// `{transmission_id}|{transmission_time}|{webhook_id}|{crc32(body)}`, the text PayPal signs.
pub fn signed_string(
    transmission_id: &str,
    transmission_time: &str,
    webhook_id: &str,
    body: &[u8],
) -> String {
    format!(
        "{transmission_id}|{transmission_time}|{webhook_id}|{}",
        crc32fast::hash(body)
    )
}

/// The parts of a signing certificate the checks read.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    /// The DER `RSAPublicKey` (the subject public key's bit string).
    rsa_public_key: Vec<u8>,
    not_before: i64,
    not_after: i64,
    common_names: Vec<String>,
}

impl Certificate {
    /// Reads the first PEM block of `pem` as an X.509 certificate with an RSA key.
    ///
    /// # Errors
    /// [`SignatureError::InvalidSecret`] saying what is wrong.
    pub(crate) fn from_pem(pem: &[u8]) -> Result<Self, SignatureError> {
        let invalid = |what: String| SignatureError::InvalidSecret(format!("certificate: {what}"));
        let (_, block) = parse_x509_pem(pem).map_err(|e| invalid(format!("not PEM ({e})")))?;
        let x509 = block
            .parse_x509()
            .map_err(|e| invalid(format!("not X.509 ({e})")))?;
        let key = x509.public_key();
        if key.algorithm.algorithm != OID_PKCS1_RSAENCRYPTION {
            return Err(invalid(format!(
                "the key is not RSA (algorithm {})",
                key.algorithm.algorithm
            )));
        }
        let common_names = x509
            .subject()
            .iter_common_name()
            .map(|cn| cn.as_str().map(str::to_string))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("unreadable common name ({e})")))?;
        Ok(Self {
            rsa_public_key: key.subject_public_key.data.to_vec(),
            not_before: x509.validity().not_before.timestamp(),
            not_after: x509.validity().not_after.timestamp(),
            common_names,
        })
    }

    /// Valid at `now_unix` and issued to PayPal.
    ///
    /// # Errors
    /// [`SignatureError::InvalidSecret`] for a certificate not yet valid or expired at
    /// `now_unix`, or whose common name does not end with [`PAYPAL_CN_SUFFIX`].
    pub(crate) fn check(&self, now_unix: i64) -> Result<(), SignatureError> {
        if now_unix < self.not_before || now_unix > self.not_after {
            return Err(SignatureError::InvalidSecret(format!(
                "certificate not valid at {now_unix} (valid from {} to {})",
                self.not_before, self.not_after
            )));
        }
        let paypal = |cn: &String| cn.to_ascii_lowercase().ends_with(PAYPAL_CN_SUFFIX);
        if self.common_names.is_empty() || !self.common_names.iter().all(paypal) {
            return Err(SignatureError::InvalidSecret(format!(
                "certificate common name {:?} is not PayPal's (*{PAYPAL_CN_SUFFIX})",
                self.common_names
            )));
        }
        Ok(())
    }

    /// Checks `signature` over `message` with SHA256withRSA (keys of 2048 to 8192 bits).
    ///
    /// # Errors
    /// [`SignatureError::Mismatch`].
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.rsa_public_key)
            .verify(message, signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// Checks that `request` was signed, for the webhook registration `webhook_id`, by the holder
/// of the key of `certificate_pem` (the PEM served at the request's `PAYPAL-CERT-URL`), and
/// that the certificate is PayPal's and valid at `now_unix`.
///
/// The certificate's chain is not checked here: its trust comes from where it was fetched
/// (only over https from PayPal's hosts, as
/// [`PaypalWebhookVerifier`](crate::webhook::PaypalWebhookVerifier) does). The transmission
/// time is not compared with now either (PayPal's SDKs do not; repeats are recognised by the
/// event id).
///
/// # Errors
/// - [`SignatureError::InvalidSecret`]: an empty `webhook_id`; a certificate that is not a PEM
///   X.509 certificate with an RSA key, not valid at `now_unix`, or whose common name does not
///   end with `.paypal.com`;
/// - [`SignatureError::MissingHeader`]: no `PAYPAL-TRANSMISSION-ID`, `-TIME`, `-SIG` or
///   `PAYPAL-AUTH-ALGO`;
/// - [`SignatureError::MalformedHeader`]: an algorithm other than `SHA256withRSA`, a signature
///   that is not base64;
/// - [`SignatureError::Mismatch`]: the signature does not verify over the signed string.
pub fn verify_offline(
    request: &WebhookRequest,
    webhook_id: &str,
    certificate_pem: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    if webhook_id.trim().is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the webhook id is empty".into(),
        ));
    }
    let transmission_id = request.header(TRANSMISSION_ID_HEADER)?;
    let transmission_time = request.header(TRANSMISSION_TIME_HEADER)?;
    let signature = request.header(TRANSMISSION_SIG_HEADER)?;
    let algorithm = request.header(AUTH_ALGO_HEADER)?;
    if algorithm.trim() != AUTH_ALGO {
        return Err(SignatureError::MalformedHeader {
            name: AUTH_ALGO_HEADER,
            reason: format!("{algorithm:?} is not {AUTH_ALGO}"),
        });
    }
    let certificate = Certificate::from_pem(certificate_pem)?;
    certificate.check(now_unix)?;
    let signature =
        BASE64
            .decode(signature.trim())
            .map_err(|e| SignatureError::MalformedHeader {
                name: TRANSMISSION_SIG_HEADER,
                reason: format!("not base64 ({e})"),
            })?;
    let message = signed_string(
        transmission_id,
        transmission_time,
        webhook_id,
        &request.body,
    );
    certificate.verify(message.as_bytes(), &signature)
}

/// `unix` seconds as PayPal writes `PAYPAL-TRANSMISSION-TIME`: RFC 3339 in UTC without
/// fractions, e.g. `2019-08-29T10:49:33Z`.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] for a time outside what RFC 3339 can write.
pub fn transmission_time(unix: i64) -> Result<String, SignatureError> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| SignatureError::InvalidSecret(format!("{unix} is not a writable time")))
}

/// The five headers PayPal would send with `body` for the registration `webhook_id`:
/// `[("paypal-transmission-id", ..), ("paypal-transmission-time", ..),
/// ("paypal-transmission-sig", base64 signature), ("paypal-cert-url", cert_url),
/// ("paypal-auth-algo", "SHA256withRSA")]`, signed with `private_key_pem` (a PKCS#8
/// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY` PEM of 2048 bits or more). For tests and
/// `onramp webhook send`: the receiver must trust the certificate at `cert_url`.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] when the key does not parse or cannot sign.
pub fn sign(
    body: &[u8],
    webhook_id: &str,
    transmission_id: &str,
    transmission_time: &str,
    private_key_pem: &[u8],
    cert_url: &str,
) -> Result<Vec<(String, String)>, SignatureError> {
    let invalid = |what: String| SignatureError::InvalidSecret(format!("private key: {what}"));
    let (_, block) =
        parse_x509_pem(private_key_pem).map_err(|e| invalid(format!("not PEM ({e})")))?;
    let key_pair = match block.label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&block.contents),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&block.contents),
        other => {
            return Err(invalid(format!(
                "a {other:?} PEM is not an RSA private key"
            )));
        }
    }
    .map_err(|e| invalid(format!("not a usable RSA key ({e})")))?;
    let message = signed_string(transmission_id, transmission_time, webhook_id, body);
    let mut signature = vec![0; key_pair.public_modulus_len()];
    key_pair
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .map_err(|_| invalid("signing failed".into()))?;
    Ok(vec![
        (TRANSMISSION_ID_HEADER.into(), transmission_id.into()),
        (TRANSMISSION_TIME_HEADER.into(), transmission_time.into()),
        (TRANSMISSION_SIG_HEADER.into(), BASE64.encode(signature)),
        (CERT_URL_HEADER.into(), cert_url.into()),
        (AUTH_ALGO_HEADER.into(), AUTH_ALGO.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_string_ends_with_the_unsigned_crc32_of_the_body() {
        // crc32(b"123456789") = 0xCBF43926 = 3421780262, the CRC-32/ISO-HDLC check value.
        assert_eq!(
            signed_string("t-1", "2019-08-29T10:49:33Z", "WH1", b"123456789"),
            "t-1|2019-08-29T10:49:33Z|WH1|3421780262"
        );
        assert_eq!(signed_string("a", "b", "c", b""), "a|b|c|0");
    }

    #[test]
    fn transmission_times_are_rfc3339_utc_seconds() {
        assert_eq!(
            transmission_time(1_567_075_773).unwrap(),
            "2019-08-29T10:49:33Z"
        );
    }

    #[test]
    fn a_key_that_is_not_pem_or_not_rsa_is_an_invalid_secret() {
        let e = sign(b"{}", "WH1", "t", "now", b"not a key", "https://x").unwrap_err();
        assert!(matches!(e, SignatureError::InvalidSecret(_)), "{e:?}");
        let ec = b"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        let e = sign(b"{}", "WH1", "t", "now", ec, "https://x").unwrap_err();
        assert!(
            matches!(&e, SignatureError::InvalidSecret(m) if m.contains("EC PRIVATE KEY")),
            "{e:?}"
        );
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        let e = Certificate::from_pem(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err();
        assert!(matches!(e, SignatureError::InvalidSecret(_)), "{e:?}");
    }
}
