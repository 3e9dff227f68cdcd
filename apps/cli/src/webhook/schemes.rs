//! The provider table's adapters: each provider's `verify` and `sign` in the table's shapes
//! ([`super::SecretScheme`]), where the adapter's own function has another, and the URL each
//! provider signs.

use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};

/// The URL as called: what every provider but Twilio signs, if it signs one.
pub(super) fn unchanged_url(url: &str, _body: &[u8]) -> String {
    url.to_string()
}

/// Twilio signs a JSON body through `bodySHA256` in the URL and a form body with the URL as
/// is (PROVIDERS.md section 4, "JSON callbacks").
pub(super) fn twilio_signed_url(url: &str, body: &[u8]) -> String {
    if is_json(body) {
        onramp_twilio::webhook::url_with_body_sha256(url, body)
    } else {
        url.to_string()
    }
}

/// `onramp_stripe::webhook::sign` in the table's shape: Stripe signs the body only, not the
/// URL, and signing cannot fail (HMAC takes keys of any length).
pub(super) fn stripe_sign(
    _url: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let value = onramp_stripe::webhook::sign(body, secret, now_unix);
    Ok(vec![(
        onramp_stripe::webhook::SIGNATURE_HEADER.into(),
        value,
    )])
}

/// `onramp_meta::webhook::verify` in the table's shape: Meta's scheme has no timestamp, so
/// there is no replay window to check `now` against (PROVIDERS.md section 6, "Webhooks").
pub(super) fn meta_verify(
    request: &WebhookRequest,
    app_secret: &str,
    _now_unix: i64,
) -> Result<(), SignatureError> {
    onramp_meta::webhook::verify(request, app_secret)
}

/// `onramp_meta::webhook::sign` in the table's shape: Meta signs the body only, with no time,
/// into one `X-Hub-Signature-256` header; signing cannot fail (HMAC takes keys of any length).
pub(super) fn meta_sign(
    _url: &str,
    body: &[u8],
    app_secret: &str,
    _now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let value = onramp_meta::webhook::sign(body, app_secret);
    Ok(vec![(onramp_meta::webhook::SIGNATURE_HEADER.into(), value)])
}

/// `onramp_provider_kit::standard_webhooks::headers` in the table's shape, as a new message
/// (`msg_` and a random UUID) signed with the one secret.
pub(super) fn onramp_sign(
    _url: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let headers = onramp_provider_kit::standard_webhooks::headers(&id, now_unix, body, &[secret])?;
    Ok(headers
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect())
}

/// Whether `body` parses as JSON (any JSON value); otherwise it is taken as a form.
pub(super) fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}
