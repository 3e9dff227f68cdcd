//! Twilio webhooks: the `X-Twilio-Signature` scheme ([`verify`], [`sign`],
//! [`url_with_body_sha256`]) and the bodies of status callbacks and inbound WhatsApp messages
//! ([`parse`]).
//!
//! # Signature scheme
//!
//! The secret is the account's **auth token**, as text (its UTF-8 bytes key the HMAC).
//!
//! - Form bodies (`application/x-www-form-urlencoded`, and GET callbacks with no body):
//!   `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, URL + each POST parameter's name and
//!   value, names in sorted order, a repeated name's values sorted)).
//! - JSON bodies (Event Streams webhooks): the URL carries `bodySHA256=<lower-case hex SHA-256
//!   of the raw body>`; the signature is over the URL alone, and the body's hash must equal the
//!   parameter.
//!
//! Sources: twilio/twilio-python: twilio/request_validator.py (`compute_signature`,
//! `compute_hash`, `validate`); twilio/twilio-node: src/webhooks/webhooks.ts
//! (`getExpectedTwilioSignature`, `validateRequest`, `validateRequestWithBody`); PROVIDERS.md
//! section 4. The URL is the one Twilio called: behind a proxy, the public URL
//! ([`WebhookRequest::url`]). Because Twilio's own signing is inconsistent about ports and
//! query encoding, the forms both SDKs accept are tried (see `urls.rs`). For a repeated
//! parameter, twilio-python signs every value and twilio-node each distinct value; both are
//! accepted.
//!
//! **There is no timestamp in this scheme**: a captured request can be replayed as long as the
//! auth token is unchanged. `now_unix` is accepted for the common verifier signature and
//! ignored; replays are caught by the event id de-duplication of [`parse`].

mod payload;
mod signature;
mod urls;
mod whatsapp;

use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, SignatureError, WebhookRequest};
use subtle::ConstantTimeEq;

use signature::Repeats;

/// The signature header (names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";
/// The header Twilio sets to the same value on every retry of one webhook delivery
/// (doc: <https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides>).
pub const IDEMPOTENCY_HEADER: &str = "i-twilio-idempotency-token";
/// The query parameter that carries the hex SHA-256 of a JSON body.
pub const BODY_SHA256_PARAM: &str = "bodySHA256";

/// Checks `X-Twilio-Signature` of `request` with the auth token `secret`.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] for an empty token; [`SignatureError::MissingHeader`]
/// without the header; [`SignatureError::MalformedHeader`] when it is not base64 of 20 bytes;
/// [`SignatureError::Mismatch`] when no accepted URL form matches, or when the URL's
/// `bodySHA256` is not the body's hash. `now_unix` is unused (no timestamp in this scheme).
pub fn verify(request: &WebhookRequest, secret: &str, now_unix: i64) -> Result<(), SignatureError> {
    let _ = now_unix;
    if secret.is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the Twilio auth token is empty".into(),
        ));
    }
    let expected = decode_signature(request.header(SIGNATURE_HEADER)?)?;
    let urls = urls::candidates(&request.url);
    let body = &request.body[..];

    if let Some(declared) = urls::body_sha256_param(&request.url) {
        let actual = signature::body_sha256(body);
        let body_matches: bool = actual.as_bytes().ct_eq(declared.as_bytes()).into();
        let mut url_matches = false;
        for url in &urls {
            url_matches |= signature::matches(secret, url, &expected)?;
        }
        return if body_matches && url_matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        };
    }

    let params = signature::form_params(body);
    let mut rules = vec![Repeats::All];
    if signature::has_duplicate_pairs(&params) {
        rules.push(Repeats::Distinct);
    }
    for url in &urls {
        for rule in &rules {
            let text = signature::signed_text(url, &params, *rule);
            if signature::matches(secret, &text, &expected)? {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

/// The headers Twilio would send with `body` posted to `url`, signed with the auth token
/// `secret`: `X-Twilio-Signature` and `Content-Type`.
///
/// A form body (or an empty one) is signed over `url` plus its parameters and sent as
/// `application/x-www-form-urlencoded`. A JSON body is signed over `url` alone and sent as
/// `application/json`; `url` must then already carry its `bodySHA256`
/// ([`url_with_body_sha256`]). Twilio also sends `I-Twilio-Idempotency-Token`, a value it
/// generates per delivery; it is not invented here, so [`parse`] falls back to the body's
/// hash as event id. `now_unix` is unused.
///
/// # Errors
/// [`SignatureError::InvalidSecret`] for an empty token; [`SignatureError::MalformedHeader`]
/// (naming `bodySHA256`) for a JSON body whose URL has no `bodySHA256`, or one that is not the
/// body's hash.
pub fn sign(
    url: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let _ = now_unix;
    if secret.is_empty() {
        return Err(SignatureError::InvalidSecret(
            "the Twilio auth token is empty".into(),
        ));
    }
    let (signature, content_type) = match urls::body_sha256_param(url) {
        Some(declared) => {
            if declared != signature::body_sha256(body) {
                return Err(SignatureError::MalformedHeader {
                    name: BODY_SHA256_PARAM,
                    reason: "the URL's bodySHA256 is not the SHA-256 of this body: build the URL with url_with_body_sha256".into(),
                });
            }
            (signature::compute(secret, url)?, "application/json")
        }
        None if payload::looks_like_json(body) => {
            return Err(SignatureError::MalformedHeader {
                name: BODY_SHA256_PARAM,
                reason: "Twilio signs a JSON body through bodySHA256 in the URL: build the URL with url_with_body_sha256".into(),
            });
        }
        None => {
            let params = signature::form_params(body);
            let text = signature::signed_text(url, &params, Repeats::All);
            (
                signature::compute(secret, &text)?,
                "application/x-www-form-urlencoded",
            )
        }
    };
    Ok(vec![
        ("X-Twilio-Signature".to_string(), signature),
        ("Content-Type".to_string(), content_type.to_string()),
    ])
}

/// `url` with `bodySHA256=<lower-case hex SHA-256 of body>` as its last query parameter
/// (replacing any earlier `bodySHA256`), the way Twilio builds the URL it signs for a JSON
/// body: `https://h/p?x=1` gives `https://h/p?x=1&bodySHA256=0a1f…`.
pub fn url_with_body_sha256(url: &str, body: &[u8]) -> String {
    urls::with_query_param(url, BODY_SHA256_PARAM, &signature::body_sha256(body))
}

/// Parses a verified Twilio callback: form-encoded Messaging and Voice status callbacks,
/// inbound WhatsApp messages, and Event Streams' JSON arrays of CloudEvents (Verify message
/// and verification events, Messaging events). See `payload.rs` and `whatsapp.rs` for the
/// fields read and the status mappings.
///
/// WhatsApp (a form whose `From` or `To` is `whatsapp:+…`, without `VerificationSid`):
/// - an inbound message gives `event_type` `message.inbound`, `event_id` its `MessageSid`, and
///   [`WhatsAppReport::Inbound`](onramp_domain::ports::WhatsAppReport::Inbound) with the
///   numbers without their `whatsapp:` prefix;
/// - a status callback gives `event_type` `message.<status>`, `event_id`
///   `{MessageSid}:{status}`, and
///   [`WhatsAppReport::Status`](onramp_domain::ports::WhatsAppReport::Status) (`queued`,
///   `accepted`, `scheduled`, `sending`, `sent`: Sent; `delivered`; `read`; `failed`,
///   `undelivered`, `canceled`: Failed with `ErrorCode`);
/// - `report` is `None` (these are not code deliveries), and `at` is 0: Twilio's form carries
///   no timestamp, so the time is unknown here and the app stamps the report on receipt.
///
/// Otherwise the event id is the `I-Twilio-Idempotency-Token` header when present (Twilio
/// keeps it across retries of one delivery); else, for CloudEvents, their `id`s (joined with
/// `,` for a batch); else the lower-case hex SHA-256 of the raw body: status callbacks carry
/// no event id, a retry repeats the body byte for byte, and two different status changes
/// differ in their `MessageStatus`/`CallStatus`, so the hash names one status change of one
/// message or call.
///
/// # Errors
/// [`PayloadError`] for an empty body, JSON that is not CloudEvents, a form without any Twilio
/// callback field, a status without the sid it is about, or an inbound WhatsApp message
/// without `MessageSid` or `To`.
pub fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    payload::parse(request)
}

fn decode_signature(header: &str) -> Result<Vec<u8>, SignatureError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(header.trim())
        .map_err(|e| SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: format!("not base64: {e}"),
        })?;
    if bytes.len() != signature::MAC_LEN {
        return Err(SignatureError::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: format!(
                "{} bytes, an HMAC-SHA1 has {}",
                bytes.len(),
                signature::MAC_LEN
            ),
        });
    }
    Ok(bytes)
}
