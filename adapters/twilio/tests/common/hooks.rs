//! Webhook requests as the signature and payload tests build them, and the values of the
//! official SDK vectors (twilio/twilio-python: tests/unit/test_request_validator.py, commit
//! 30368b08ba58; twilio/twilio-node: spec/validation.spec.js, commit 005ea9cdbad2): auth
//! token `12345`, URL `https://mycompany.com/myapp.php?foo=1&bar=2`, five call parameters.

use onramp_domain::ports::{DeliveryReport, ProviderId, ReportedStatus};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use onramp_twilio::webhook::verify;

pub const TOKEN: &str = "12345";
pub const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
pub const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
pub const BODY: &str = r#"{"property": "value", "boolean": true}"#;
pub const BODY_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
pub const NOW: i64 = 1_700_000_000;

pub fn params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CallSid", "CA1234567890ABCDE"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"),
    ]
}

pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

pub fn request(url: &str, body: &[u8], signature: Option<&str>) -> WebhookRequest {
    let mut headers = http::HeaderMap::new();
    if let Some(signature) = signature {
        headers.insert("X-Twilio-Signature", signature.parse().unwrap());
    }
    WebhookRequest {
        method: "POST".into(),
        url: url.into(),
        headers,
        body: body.to_vec().into(),
    }
}

pub fn signature_of(headers: &[(String, String)]) -> &str {
    headers
        .iter()
        .find(|(name, _)| name == "X-Twilio-Signature")
        .map(|(_, value)| value.as_str())
        .unwrap()
}

pub fn verifies(url: &str, body: &[u8], signature: &str) -> Result<(), SignatureError> {
    verify(&request(url, body, Some(signature)), TOKEN, NOW)
}

/// HMAC-SHA1 of `text` under the SDK token, computed here independently of the adapter.
pub fn hmac_b64(text: &str) -> String {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn callback(body: &[u8], content_type: &str, token: Option<&str>) -> WebhookRequest {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", content_type.parse().unwrap());
    if let Some(token) = token {
        headers.insert("I-Twilio-Idempotency-Token", token.parse().unwrap());
    }
    WebhookRequest {
        method: "POST".into(),
        url: "https://example.com/webhooks/twilio".into(),
        headers,
        body: body.to_vec().into(),
    }
}

pub fn form_request(pairs: &[(&str, &str)]) -> WebhookRequest {
    callback(&form(pairs), "application/x-www-form-urlencoded", None)
}

pub fn json_request(value: serde_json::Value) -> WebhookRequest {
    callback(value.to_string().as_bytes(), "application/json", None)
}

pub fn report(provider_ref: &str, status: ReportedStatus) -> Option<DeliveryReport> {
    Some(DeliveryReport {
        provider: ProviderId::Twilio,
        provider_ref: provider_ref.into(),
        status,
    })
}
