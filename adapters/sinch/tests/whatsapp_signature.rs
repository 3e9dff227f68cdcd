//! WhatsApp callbacks go through the same HMAC scheme as every Conversation API callback
//! (`x-sinch-webhook-signature*`, PROVIDERS.md section 5): a MESSAGE_INBOUND signed with the
//! webhook secret verifies and parses, and forged ones are refused. The published vectors and
//! the scheme's other refusals are in tests/signature.rs.

use http::{HeaderMap, HeaderName, HeaderValue};
use onramp_domain::ports::{SenderState, WhatsAppReport};
use onramp_sinch::webhook::{self, SignatureError, WebhookRequest};

const SECRET: &str = "foo_secret1234";
const NOW: i64 = 1_700_000_000;
const URL: &str = "https://onramp.example/webhooks/sinch";
const INBOUND: &[u8] = include_bytes!("fixtures/message_inbound_event.json");
const SENDER_ERROR: &[u8] = include_bytes!("fixtures/provisioning_sender_error_event.json");

/// The dotnet MESSAGE_INBOUND fixture on the WhatsApp channel.
fn whatsapp_inbound() -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(INBOUND).expect("fixture is JSON");
    json["message"]["channel_identity"]["channel"] = "WHATSAPP".into();
    json["message"]["channel_identity"]["identity"] = "15551234567".into();
    serde_json::to_vec_pretty(&json).expect("serializes")
}

fn request(headers: &[(String, String)], body: &[u8]) -> WebhookRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    WebhookRequest {
        method: "POST".into(),
        url: URL.into(),
        headers: map,
        body: body.to_vec().into(),
    }
}

fn signed(body: &[u8], secret: &str) -> WebhookRequest {
    request(&webhook::sign(URL, body, secret, NOW).expect("signs"), body)
}

#[test]
fn a_signed_whatsapp_message_verifies_and_parses() {
    let body = whatsapp_inbound();
    let signed = signed(&body, SECRET);
    assert!(signed.headers.contains_key(webhook::SIGNATURE_HEADER));
    assert_eq!(webhook::verify(&signed, SECRET, NOW + 10), Ok(()));
    let parsed = webhook::parse(&signed).unwrap();
    assert!(
        matches!(&parsed.whatsapp, Some(WhatsAppReport::Inbound { from, .. }) if from == "+15551234567"),
        "{parsed:?}"
    );
}

#[test]
fn a_whatsapp_message_changed_after_signing_is_refused() {
    let body = whatsapp_inbound();
    let mut forged = signed(&body, SECRET);
    let text = String::from_utf8(body).unwrap();
    forged.body = text
        .replace("This is a text message.", "Send the code to +15550000000")
        .into_bytes()
        .into();
    assert_eq!(
        webhook::verify(&forged, SECRET, NOW),
        Err(SignatureError::Mismatch)
    );
    let mut impersonated = signed(&whatsapp_inbound(), SECRET);
    let text = String::from_utf8(impersonated.body.to_vec()).unwrap();
    impersonated.body = text
        .replace("15551234567", "15557654321")
        .into_bytes()
        .into();
    assert_eq!(
        webhook::verify(&impersonated, SECRET, NOW),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_whatsapp_message_signed_with_another_secret_or_a_replayed_signature_is_refused() {
    let body = whatsapp_inbound();
    assert_eq!(
        webhook::verify(&signed(&body, "not the secret"), SECRET, NOW),
        Err(SignatureError::Mismatch)
    );
    // The signature, nonce and timestamp of sinch-sdk-java's published vector, replayed on a
    // WhatsApp body at the vector's time.
    let replayed = request(
        &[
            (
                webhook::SIGNATURE_HEADER.into(),
                "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=".into(),
            ),
            (
                webhook::NONCE_HEADER.into(),
                "01FJA8B4A7BM43YGWSG9GBV067".into(),
            ),
            (
                webhook::SIGNATURE_TIMESTAMP_HEADER.into(),
                "1634579353".into(),
            ),
            (
                webhook::ALGORITHM_HEADER.into(),
                webhook::HMAC_SHA256.into(),
            ),
        ],
        &body,
    );
    assert_eq!(
        webhook::verify(&replayed, SECRET, 1_634_579_353),
        Err(SignatureError::Mismatch)
    );
    let unsigned = request(&[], &body);
    assert_eq!(
        webhook::verify(&unsigned, SECRET, NOW),
        Err(SignatureError::MissingHeader(webhook::SIGNATURE_HEADER))
    );
}

#[test]
fn a_whatsapp_message_signed_long_ago_is_refused() {
    let signed = signed(&whatsapp_inbound(), SECRET);
    assert_eq!(
        webhook::verify(&signed, SECRET, NOW + 301),
        Err(SignatureError::Stale { age_seconds: -301 })
    );
}

#[test]
fn a_signed_sender_callback_verifies_and_reports_the_state() {
    let signed = signed(SENDER_ERROR, SECRET);
    assert_eq!(webhook::verify(&signed, SECRET, NOW), Ok(()));
    assert!(matches!(
        webhook::parse(&signed).unwrap().whatsapp,
        Some(WhatsAppReport::SenderState {
            state: SenderState::Error { .. },
            ..
        })
    ));
    let mut forged = signed.clone();
    let text = String::from_utf8(SENDER_ERROR.to_vec()).unwrap();
    forged.body = text
        .replacen("\"status\": \"ERROR\"", "\"status\": \"IN_PROGRESS\"", 1)
        .into_bytes()
        .into();
    assert_ne!(forged.body, signed.body);
    assert_eq!(
        webhook::verify(&forged, SECRET, NOW),
        Err(SignatureError::Mismatch)
    );
}
