//! [`TelnyxCredentials`]: what a tenant (or the server, from the environment) configures to send
//! codes through Telnyx Verify and to verify Telnyx's webhooks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use onramp_provider_kit::credentials::{check_base_url, check_header_safe};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// Environment variable of the API key (the name the official SDKs read; team-telnyx/telnyx-python:
/// src/telnyx/_client.py).
pub const ENV_API_KEY: &str = "TELNYX_API_KEY";
/// Environment variable of the Verify profile id (Onramp's name; Telnyx has no convention).
pub const ENV_VERIFY_PROFILE_ID: &str = "TELNYX_VERIFY_PROFILE_ID";
/// Environment variable of the webhook public key (the SDKs' name; team-telnyx/telnyx-python:
/// src/telnyx/lib/webhook_verification.py, PROVIDERS.md section 3 "Webhook signature").
pub const ENV_PUBLIC_KEY: &str = "TELNYX_PUBLIC_KEY";
/// Environment variable of the API base URL (the SDKs' name; team-telnyx/telnyx-python:
/// src/telnyx/_client.py).
pub const ENV_BASE_URL: &str = "TELNYX_BASE_URL";

/// Credentials of one Telnyx account for Verify v2.
///
/// Serialized as `{"api_key", "verify_profile_id", "public_key"?, "base_url"?}` with the API key
/// in clear (it is meant to be stored encrypted, never logged); `Debug` redacts it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TelnyxCredentials {
    /// API v2 key, sent as `Authorization: Bearer <key>` (PROVIDERS.md section 3, "Transport and
    /// auth"). Secret.
    #[serde(serialize_with = "expose")]
    pub api_key: SecretString,
    /// The Verify profile every verification is started under (a UUID; `verify_profile_id` in
    /// the OpenAPI description's `CreateVerificationRequestSMS`).
    pub verify_profile_id: String,
    /// Base64 of the account's raw 32-byte Ed25519 public key (Mission Control, "Public Key"),
    /// which verifies webhooks; None when webhooks are not received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// API base URL including the version, e.g. `https://api.telnyx.com/v2`; None for
    /// [`crate::DEFAULT_BASE_URL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

impl TelnyxCredentials {
    /// Reads `TELNYX_API_KEY`, `TELNYX_VERIFY_PROFILE_ID` (both required), `TELNYX_PUBLIC_KEY` and
    /// `TELNYX_BASE_URL` (optional) from the process environment.
    ///
    /// Returns None when a required variable is unset or empty (an empty optional one counts as
    /// unset). The values are not checked: call [`Self::validate`].
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading each variable through `get` (a configuration map, or the
    /// environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        Some(Self {
            api_key: SecretString::from(read(ENV_API_KEY)?),
            verify_profile_id: read(ENV_VERIFY_PROFILE_ID)?,
            public_key: read(ENV_PUBLIC_KEY),
            base_url: read(ENV_BASE_URL),
        })
    }

    /// Checks every field's shape, without calling Telnyx.
    ///
    /// # Errors
    /// A message naming the field and what is wrong: an empty API key or one with white space or
    /// control characters (it must fit in an HTTP header); a Verify profile id that is not a
    /// UUID (the OpenAPI description's `format: uuid`); a public key that is not base64 of 32
    /// bytes forming an Ed25519 point; a base URL that is not an absolute http(s) URL.
    pub fn validate(&self) -> Result<(), String> {
        check_header_safe(self.api_key.expose_secret(), "api_key", ENV_API_KEY)?;
        if !is_uuid(&self.verify_profile_id) {
            return Err(format!(
                "verify_profile_id (TELNYX_VERIFY_PROFILE_ID) is not a UUID: {:?}",
                self.verify_profile_id
            ));
        }
        if let Some(public_key) = &self.public_key {
            decode_public_key(public_key)
                .map_err(|reason| format!("public_key (TELNYX_PUBLIC_KEY) {reason}"))?;
        }
        if let Some(base_url) = &self.base_url {
            check_base_url(base_url, ENV_BASE_URL)?;
        }
        Ok(())
    }
}

/// Decodes a base64 Ed25519 public key (32 bytes, a valid curve point).
///
/// # Errors
/// What is wrong, as the end of a sentence that starts with the key's name.
pub(crate) fn decode_public_key(text: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|e| format!("is not base64 ({e})"))?;
    let bytes: [u8; ed25519_dalek::PUBLIC_KEY_LENGTH] =
        bytes.as_slice().try_into().map_err(|_| {
            format!(
                "must decode to {} bytes, got {}",
                ed25519_dalek::PUBLIC_KEY_LENGTH,
                bytes.len()
            )
        })?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "is not a valid Ed25519 public key".to_string())
}

/// `8-4-4-4-12` hexadecimal digits, the textual UUID form (RFC 9562 section 4).
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_provider_kit::testing::env_vars;

    const PROFILE: &str = "12ade33a-21c0-473b-b055-b3c836e1c292";
    /// team-telnyx/telnyx-java WebhookVerificationTest.kt `testPublicKeyB64`.
    const PUBLIC: &str = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";

    fn valid() -> TelnyxCredentials {
        TelnyxCredentials {
            api_key: SecretString::from("KEY0123456789ABCDEF_secret"),
            verify_profile_id: PROFILE.into(),
            public_key: Some(PUBLIC.into()),
            base_url: Some("https://api.telnyx.com/v2".into()),
        }
    }

    #[test]
    fn all_four_variables_are_read() {
        let c = TelnyxCredentials::from_vars(env_vars(&[
            (ENV_API_KEY, "KEYabc"),
            (ENV_VERIFY_PROFILE_ID, PROFILE),
            (ENV_PUBLIC_KEY, PUBLIC),
            (ENV_BASE_URL, "http://127.0.0.1:9/v2"),
        ]))
        .unwrap();
        assert_eq!(c.api_key.expose_secret(), "KEYabc");
        assert_eq!(c.verify_profile_id, PROFILE);
        assert_eq!(c.public_key.as_deref(), Some(PUBLIC));
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:9/v2"));
    }

    #[test]
    fn a_missing_or_empty_required_variable_gives_none() {
        assert!(TelnyxCredentials::from_vars(env_vars(&[(ENV_API_KEY, "KEYabc")])).is_none());
        assert!(
            TelnyxCredentials::from_vars(env_vars(&[(ENV_VERIFY_PROFILE_ID, PROFILE)])).is_none()
        );
        assert!(
            TelnyxCredentials::from_vars(env_vars(&[
                (ENV_API_KEY, " "),
                (ENV_VERIFY_PROFILE_ID, PROFILE)
            ]))
            .is_none()
        );
    }

    #[test]
    fn optional_variables_may_be_absent_or_empty() {
        let c = TelnyxCredentials::from_vars(env_vars(&[
            (ENV_API_KEY, "KEYabc"),
            (ENV_VERIFY_PROFILE_ID, PROFILE),
            (ENV_BASE_URL, ""),
        ]))
        .unwrap();
        assert!(c.public_key.is_none());
        assert!(c.base_url.is_none());
    }

    #[test]
    fn valid_credentials_validate() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn an_empty_api_key_is_named() {
        let mut c = valid();
        c.api_key = SecretString::from("");
        assert!(c.validate().unwrap_err().contains("api_key"));
    }

    #[test]
    fn an_api_key_with_a_space_is_refused() {
        let mut c = valid();
        c.api_key = SecretString::from("KEY abc");
        assert!(c.validate().unwrap_err().contains("white space"));
    }

    #[test]
    fn a_profile_id_that_is_not_a_uuid_is_refused() {
        let mut c = valid();
        c.verify_profile_id = "profile-1".into();
        assert!(c.validate().unwrap_err().contains("verify_profile_id"));
    }

    #[test]
    fn a_public_key_of_the_wrong_length_is_refused() {
        let mut c = valid();
        c.public_key = Some("dGVzdA==".into());
        let message = c.validate().unwrap_err();
        assert!(
            message.contains("public_key") && message.contains("32 bytes"),
            "{message}"
        );
    }

    #[test]
    fn a_public_key_that_is_not_base64_is_refused() {
        let mut c = valid();
        c.public_key = Some("not-valid-base64!!!".into());
        assert!(c.validate().unwrap_err().contains("not base64"));
    }

    #[test]
    fn a_base_url_without_http_is_refused() {
        let mut c = valid();
        c.base_url = Some("ftp://api.telnyx.com/v2".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
        c.base_url = Some("api.telnyx.com".into());
        assert!(c.validate().unwrap_err().contains("base_url"));
    }

    #[test]
    fn debug_redacts_the_api_key() {
        let text = format!("{:?}", valid());
        assert!(!text.contains("KEY0123456789ABCDEF_secret"), "{text}");
        assert!(text.contains(PROFILE));
    }

    #[test]
    fn credentials_round_trip_through_json() {
        let json = serde_json::to_value(valid()).unwrap();
        assert_eq!(json["api_key"], "KEY0123456789ABCDEF_secret");
        let back: TelnyxCredentials = serde_json::from_value(json).unwrap();
        assert_eq!(back.api_key.expose_secret(), "KEY0123456789ABCDEF_secret");
        assert_eq!(back.verify_profile_id, PROFILE);
        assert_eq!(back.public_key.as_deref(), Some(PUBLIC));
    }

    #[test]
    fn optional_fields_may_be_left_out_of_json() {
        let c: TelnyxCredentials = serde_json::from_str(&format!(
            r#"{{"api_key":"KEYabc","verify_profile_id":"{PROFILE}"}}"#
        ))
        .unwrap();
        assert!(c.public_key.is_none() && c.base_url.is_none());
    }
}
