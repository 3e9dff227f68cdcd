//! Sinch's "Application" signed-request scheme, used both to sign our Verification API requests
//! and to verify the Verification callbacks Sinch sends us.
//!
//! ```text
//! Authorization: Application <application key>:<base64 HMAC-SHA256(secret, string to sign)>
//! x-timestamp: <ISO-8601 time>
//!
//! string to sign = METHOD "\n" base64(MD5(body)) "\n" Content-Type "\n"
//!                  "x-timestamp:" <x-timestamp> "\n" <path>
//! ```
//!
//! The MD5 part is empty for an empty body, the Content-Type part is the header's value as
//! sent (empty when absent), the path excludes the query, and the HMAC key is the
//! base64-decoded application secret (PROVIDERS.md section 5; sinch/sinch-sdk-java
//! `client/src/main/com/sinch/sdk/auth/adapters/ApplicationAuthManager.java`; doc:
//! <https://developers.sinch.com/docs/verification/api-reference/authentication/signed-request/>).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use onramp_provider_kit::webhook::SignatureError;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The `Authorization` scheme keyword (matched without regard to case on verification, as
/// sinch-sdk-dotnet `AuthenticationHeaderValidationTests.cs` sends `application`).
pub const AUTH_SCHEME: &str = "Application";

/// The header carrying the signed time.
pub const TIMESTAMP_HEADER: &str = "x-timestamp";

/// The Content-Type our signed JSON requests carry and sign (the one sinch-sdk-java signs in
/// `ApplicationAuthManagerTest.java`).
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// The parts of an HTTP request the scheme signs.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    /// `POST`, `PUT`, `GET` (upper case, as sent).
    pub method: &'a str,
    /// The `Content-Type` header's value, empty when absent.
    pub content_type: &'a str,
    /// The `x-timestamp` header's value, verbatim.
    pub timestamp: &'a str,
    /// The URL path without query (see [`signed_path`]).
    pub path: &'a str,
    /// The raw body.
    pub body: &'a [u8],
}

impl SignedParts<'_> {
    /// The string to sign (see the module documentation).
    pub fn string_to_sign(&self) -> String {
        let md5 = if self.body.is_empty() {
            String::new()
        } else {
            STANDARD.encode(Md5::digest(self.body))
        };
        format!(
            "{}\n{}\n{}\n{}:{}\n{}",
            self.method, md5, self.content_type, TIMESTAMP_HEADER, self.timestamp, self.path
        )
    }
}

/// An application key with its decoded secret: signs and verifies requests. `Debug` redacts
/// the secret.
#[derive(Clone)]
pub struct ApplicationKey {
    key: String,
    /// HMAC-SHA256 keyed with the decoded secret, cloned for every signature: the secret bytes
    /// themselves are not kept.
    keyed: Hmac<Sha256>,
}

impl ApplicationKey {
    /// The key `key` with the base64 secret `base64_secret` (surrounding white space ignored).
    ///
    /// # Errors
    /// [`SignatureError::InvalidSecret`] when the key is not [`valid_key`], or the secret is not
    /// standard base64 or decodes to nothing.
    pub fn new(key: &str, base64_secret: &str) -> Result<Self, SignatureError> {
        if !valid_key(key) {
            return Err(SignatureError::InvalidSecret(
                "the application key must be visible ASCII without ':'".into(),
            ));
        }
        // Zeroed on drop: only the keyed HMAC state outlives this call.
        let secret: SecretSlice<u8> = STANDARD
            .decode(base64_secret.trim())
            .map_err(|_| {
                SignatureError::InvalidSecret("the application secret is not base64".into())
            })?
            .into();
        let secret = secret.expose_secret();
        if secret.is_empty() {
            return Err(SignatureError::InvalidSecret(
                "the application secret is empty".into(),
            ));
        }
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| {
            SignatureError::InvalidSecret("the application secret is unusable".into())
        })?;
        Ok(Self {
            key: key.to_string(),
            keyed,
        })
    }

    /// Parses `"<application key>:<base64 application secret>"` (split at the first `:`).
    ///
    /// # Errors
    /// [`SignatureError::InvalidSecret`] when there is no `:`, or as [`Self::new`].
    pub fn parse(joined: &str) -> Result<Self, SignatureError> {
        let (key, secret) = joined.split_once(':').ok_or_else(|| {
            SignatureError::InvalidSecret(
                "expected \"<application key>:<base64 application secret>\"".into(),
            )
        })?;
        Self::new(key, secret)
    }

    /// The application key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn mac(&self, parts: &SignedParts<'_>) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(parts.string_to_sign().as_bytes());
        mac
    }

    /// The base64 signature of `parts`.
    pub fn signature(&self, parts: &SignedParts<'_>) -> String {
        STANDARD.encode(self.mac(parts).finalize().into_bytes())
    }

    /// The `Authorization` header value for `parts`: `Application <key>:<signature>`.
    pub fn authorization(&self, parts: &SignedParts<'_>) -> String {
        format!("{AUTH_SCHEME} {}:{}", self.key, self.signature(parts))
    }

    /// Checks an `Authorization` header value against `parts`: scheme `Application` (any
    /// case), this key, and the signature compared in constant time.
    ///
    /// # Errors
    /// [`SignatureError::MalformedHeader`] when the value is not `Application <key>:<base64>`;
    /// [`SignatureError::Mismatch`] for another key or a signature that does not match.
    pub fn verify(
        &self,
        authorization: &str,
        parts: &SignedParts<'_>,
    ) -> Result<(), SignatureError> {
        let malformed = |reason: &str| SignatureError::MalformedHeader {
            name: "authorization",
            reason: reason.to_string(),
        };
        let (scheme, credentials) = authorization
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| malformed("expected \"Application <key>:<signature>\""))?;
        if !scheme.eq_ignore_ascii_case(AUTH_SCHEME) {
            return Err(malformed("the scheme is not Application"));
        }
        let (key, signature) = credentials
            .trim()
            .split_once(':')
            .ok_or_else(|| malformed("expected \"<key>:<signature>\""))?;
        if signature.is_empty() {
            return Err(malformed("the signature is empty"));
        }
        let signature = STANDARD
            .decode(signature)
            .map_err(|_| malformed("the signature is not base64"))?;
        let same_key: bool = key.as_bytes().ct_eq(self.key.as_bytes()).into();
        let valid = self.mac(parts).verify_slice(&signature).is_ok();
        if same_key && valid {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

impl std::fmt::Debug for ApplicationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationKey")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// True when `key` can be an application key in an `Authorization` header: non-empty, visible
/// ASCII (no white space or control characters), and no `:` (which separates it from the
/// signature). Sinch's keys are UUIDs.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// The `x-timestamp` we send: UTC, millisecond precision, `Z` suffix
/// (`2023-11-22T09:10:11.999Z`, the form of Java's `Instant.toString()` that sinch-sdk-java
/// sends).
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    // Formatting a four-digit year cannot fail; fall back to RFC 3339 for the rest.
    utc.format(format)
        .or_else(|_| utc.format(&Rfc3339))
        .unwrap_or_default()
}

/// Parses an `x-timestamp` value (RFC 3339 / ISO-8601 with an offset, e.g.
/// `2014-09-24T10:59:41Z`).
///
/// # Errors
/// [`SignatureError::MalformedHeader`] when it does not parse.
pub fn parse_timestamp(text: &str) -> Result<OffsetDateTime, SignatureError> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| SignatureError::MalformedHeader {
        name: TIMESTAMP_HEADER,
        reason: format!("not an ISO-8601 time: {e}"),
    })
}

/// The path the scheme signs for `url_or_path` (an absolute URL, or a path starting with `/`):
/// the path alone, without query or fragment, percent-decoded (sinch-sdk-java signs
/// `new URI(path).getPath()`, and its `ApplicationAuthManagerTest.java` checks that query
/// parameters and the scheme and host of an absolute URL are not signed).
pub fn signed_path(url_or_path: &str) -> String {
    let raw = match url::Url::parse(url_or_path) {
        Ok(url) if url.has_host() => url.path().to_string(),
        _ => url_or_path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    percent_decode(&raw)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_string_to_sign_has_five_lines() {
        let parts = SignedParts {
            method: "GET",
            content_type: "",
            timestamp: "2014-09-24T10:59:41Z",
            path: "/v1/x",
            body: b"",
        };
        assert_eq!(
            parts.string_to_sign(),
            "GET\n\n\nx-timestamp:2014-09-24T10:59:41Z\n/v1/x"
        );
    }

    #[test]
    fn timestamps_are_sent_with_milliseconds_in_utc() {
        assert_eq!(
            format_timestamp(datetime!(2023-11-22 09:10:11.999_123 UTC)),
            "2023-11-22T09:10:11.999Z"
        );
        assert_eq!(
            format_timestamp(datetime!(2023-11-22 10:10:11 +01:00)),
            "2023-11-22T09:10:11.000Z"
        );
    }

    #[test]
    fn sent_timestamps_parse_back() {
        let at = datetime!(2023-11-22 09:10:11.999 UTC);
        assert_eq!(parse_timestamp(&format_timestamp(at)).unwrap(), at);
        assert!(parse_timestamp("yesterday").is_err());
    }

    #[test]
    fn only_the_decoded_path_is_signed() {
        assert_eq!(signed_path("https://h.example/a/b?x=1#f"), "/a/b");
        assert_eq!(
            signed_path("/path/pathParamValue?foo=bar&baz=42"),
            "/path/pathParamValue"
        );
        assert_eq!(signed_path("/a%20b/%2B1"), "/a b/+1");
        assert_eq!(signed_path("/bad%zz%4"), "/bad%zz%4");
    }

    #[test]
    fn keys_with_a_colon_or_a_bad_secret_are_refused() {
        assert!(ApplicationKey::new("a:b", "c2VjcmV0").is_err());
        assert!(ApplicationKey::new("", "c2VjcmV0").is_err());
        assert!(ApplicationKey::new("k\u{12}", "c2VjcmV0").is_err());
        assert!(ApplicationKey::new("clé", "c2VjcmV0").is_err());
        assert!(ApplicationKey::new("key", "%%%").is_err());
        assert!(ApplicationKey::new("key", "").is_err());
        assert!(ApplicationKey::parse("no-colon").is_err());
        assert_eq!(ApplicationKey::parse("key:c2VjcmV0").unwrap().key(), "key");
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let key = ApplicationKey::new("key", "c2VjcmV0").unwrap();
        assert!(!format!("{key:?}").contains("secret\""));
        assert!(format!("{key:?}").contains("[redacted]"));
    }
}
