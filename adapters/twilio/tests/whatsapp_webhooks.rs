//! WhatsApp in Twilio's webhooks at `/webhooks/twilio`: inbound messages and status callbacks
//! parsed into `WhatsAppReport`s, and `X-Twilio-Signature` on an inbound message.
//!
//! Inbound bodies use the parameters Twilio documents for an incoming WhatsApp message (doc:
//! <https://www.twilio.com/docs/messaging/guides/webhook-request>: `MessageSid`, `SmsSid`,
//! `AccountSid`, `MessagingServiceSid`, `From`, `To`, `Body`, `NumMedia`, `ProfileName`,
//! `WaId`, `SmsStatus`, `ApiVersion`); status callbacks those of
//! <https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks>
//! with `whatsapp:` addresses (PROVIDERS.md section 4).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::hooks::*;
use onramp_domain::ports::{MessageStatus, ReportedStatus, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, SignatureError};
use onramp_twilio::webhook::{parse, sign, verify};

const MESSAGE_SID: &str = "SM1f0e8ae6ade43cb3c0ce4525424e404f";
const ACCOUNT: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const HOOK_URL: &str = "https://onramp.example/webhooks/twilio";

fn inbound(body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MessageSid", MESSAGE_SID.to_string()),
        ("SmsSid", MESSAGE_SID.to_string()),
        ("AccountSid", ACCOUNT.to_string()),
        (
            "MessagingServiceSid",
            "MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".to_string(),
        ),
        ("From", "whatsapp:+14155550123".to_string()),
        ("To", "whatsapp:+14155238886".to_string()),
        ("Body", body.to_string()),
        ("NumMedia", "0".to_string()),
        ("ProfileName", "Ada".to_string()),
        ("WaId", "14155550123".to_string()),
        ("SmsStatus", "received".to_string()),
        ("ApiVersion", "2010-04-01".to_string()),
    ]
}

fn status(word: &str, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("AccountSid", ACCOUNT.to_string()),
        ("ApiVersion", "2010-04-01".to_string()),
        ("ChannelPrefix", "whatsapp".to_string()),
        ("From", "whatsapp:+14155238886".to_string()),
        ("MessageSid", MESSAGE_SID.to_string()),
        ("MessageStatus", word.to_string()),
        ("SmsSid", MESSAGE_SID.to_string()),
        ("SmsStatus", word.to_string()),
        ("To", "whatsapp:+14155550123".to_string()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    pairs
}

fn without(mut pairs: Vec<(&'static str, String)>, name: &str) -> Vec<(&'static str, String)> {
    pairs.retain(|(k, _)| *k != name);
    pairs
}

fn refs<'p>(pairs: &'p [(&'static str, String)]) -> Vec<(&'static str, &'p str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn parsed(pairs: &[(&'static str, String)]) -> ParsedWebhook {
    parse(&form_request(&refs(pairs))).unwrap()
}

fn whatsapp_status(pairs: &[(&'static str, String)]) -> (MessageStatus, Option<String>) {
    match parsed(pairs).whatsapp {
        Some(WhatsAppReport::Status {
            message_id,
            status,
            error,
            at,
        }) => {
            assert_eq!((message_id.as_str(), at), (MESSAGE_SID, 0));
            (status, error)
        }
        other => panic!("expected a WhatsApp status, got {other:?}"),
    }
}

// ---- inbound messages ----

#[test]
fn an_inbound_message_is_reported_with_plain_numbers() {
    let parsed = parsed(&inbound("Hello  👋 "));
    assert_eq!(parsed.event_id, MESSAGE_SID);
    assert_eq!(parsed.event_type, "message.inbound");
    assert_eq!(parsed.report, None);
    assert_eq!(
        parsed.whatsapp,
        Some(WhatsAppReport::Inbound {
            from: "+14155550123".into(),
            to: "+14155238886".into(),
            message_id: MESSAGE_SID.into(),
            text: "Hello  👋 ".into(),
            profile_name: Some("Ada".into()),
            at: 0,
        })
    );
}

#[test]
fn a_retried_inbound_message_keeps_its_event_id() {
    let body = form(&refs(&inbound("hi")));
    let first = parse(&callback(
        &body,
        "application/x-www-form-urlencoded",
        Some("token-1"),
    ))
    .unwrap();
    let again = parse(&callback(&body, "application/x-www-form-urlencoded", None)).unwrap();
    assert_eq!(
        (first.event_id.as_str(), again.event_id.as_str()),
        (MESSAGE_SID, MESSAGE_SID)
    );
}

#[test]
fn a_media_message_has_an_empty_text() {
    let mut pairs = inbound("");
    pairs.retain(|(k, _)| *k != "NumMedia");
    pairs.push(("NumMedia", "1".into()));
    pairs.push(("MediaContentType0", "image/jpeg".into()));
    pairs.push((
        "MediaUrl0",
        format!(
            "https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE_SID}/Media/ME1"
        ),
    ));
    let Some(WhatsAppReport::Inbound { text, .. }) = parsed(&pairs).whatsapp else {
        panic!("expected an inbound message");
    };
    assert_eq!(text, "");
}

#[test]
fn an_inbound_message_without_a_status_or_profile_name_is_inbound() {
    let pairs = without(without(inbound("hi"), "SmsStatus"), "ProfileName");
    let Some(WhatsAppReport::Inbound {
        profile_name, text, ..
    }) = parsed(&pairs).whatsapp
    else {
        panic!("expected an inbound message");
    };
    assert_eq!((profile_name, text.as_str()), (None, "hi"));
}

#[test]
fn the_legacy_sms_sid_names_an_inbound_message() {
    let parsed = parsed(&without(inbound("hi"), "MessageSid"));
    assert_eq!(parsed.event_id, MESSAGE_SID);
}

#[test]
fn an_inbound_message_without_its_sid_or_recipient_is_refused() {
    let pairs = without(without(inbound("hi"), "MessageSid"), "SmsSid");
    let e = parse(&form_request(&refs(&pairs))).unwrap_err();
    assert!(e.0.contains("MessageSid"), "{e}");
    let e = parse(&form_request(&refs(&without(inbound("hi"), "To")))).unwrap_err();
    assert!(e.0.contains("To"), "{e}");
}

#[test]
fn an_inbound_sms_keeps_the_generic_reading() {
    let mut pairs = inbound("hi");
    pairs.retain(|(k, _)| *k != "From" && *k != "To");
    pairs.push(("From", "+14155550123".into()));
    pairs.push(("To", "+14155238886".into()));
    let parsed = parsed(&pairs);
    assert_eq!(parsed.whatsapp, None);
    assert_eq!(parsed.event_type, "message.received");
}

// ---- status callbacks ----

#[test]
fn whatsapp_statuses_map_to_message_statuses() {
    for (word, expected) in [
        ("queued", MessageStatus::Sent),
        ("accepted", MessageStatus::Sent),
        ("sending", MessageStatus::Sent),
        ("sent", MessageStatus::Sent),
        ("delivered", MessageStatus::Delivered),
        ("read", MessageStatus::Read),
        ("failed", MessageStatus::Failed),
        ("undelivered", MessageStatus::Failed),
    ] {
        assert_eq!(whatsapp_status(&status(word, &[])).0, expected, "{word}");
    }
}

#[test]
fn a_status_callback_is_named_by_its_message_and_status() {
    let delivered = parsed(&status("delivered", &[]));
    assert_eq!(delivered.event_id, format!("{MESSAGE_SID}:delivered"));
    assert_eq!(delivered.event_type, "message.delivered");
    assert_eq!(delivered.report, None);
    let read = parsed(&status("READ", &[]));
    assert_eq!(read.event_id, format!("{MESSAGE_SID}:read"));
    assert_ne!(delivered.event_id, read.event_id);
}

#[test]
fn a_failure_carries_its_error_code_and_the_channels_message() {
    let (state, error) = whatsapp_status(&status(
        "failed",
        &[
            ("ErrorCode", "63015"),
            (
                "ChannelStatusMessage",
                "Recipient has not joined the sandbox",
            ),
        ],
    ));
    assert_eq!(state, MessageStatus::Failed);
    assert_eq!(
        error.as_deref(),
        Some("63015: Recipient has not joined the sandbox")
    );
    let (_, error) = whatsapp_status(&status("undelivered", &[("ErrorCode", "63016")]));
    assert_eq!(error.as_deref(), Some("63016"));
    let (_, error) = whatsapp_status(&status("failed", &[("ErrorCode", "0")]));
    assert_eq!(error, None);
}

#[test]
fn a_successful_status_has_no_error() {
    let (_, error) = whatsapp_status(&status("delivered", &[("ErrorCode", "30003")]));
    assert_eq!(error, None);
}

#[test]
fn a_status_word_outside_the_mapping_keeps_the_generic_reading() {
    let parsed = parsed(&status("partially_delivered", &[]));
    assert_eq!(parsed.whatsapp, None);
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Other {
            status: "partially-delivered".into()
        }
    );
}

#[test]
fn a_verify_callback_over_whatsapp_keeps_the_verify_reading() {
    let pairs = status(
        "delivered",
        &[("VerificationSid", "VE0000000000000000000000000000001")],
    );
    let parsed = parsed(&pairs);
    assert_eq!(parsed.whatsapp, None);
    assert_eq!(
        parsed.report,
        report(
            "VE0000000000000000000000000000001",
            ReportedStatus::Delivered
        )
    );
}

// ---- signature ----

#[test]
fn a_signed_inbound_message_verifies_and_parses() {
    let body = form(&refs(&inbound("join tiger-owl")));
    let headers = sign(HOOK_URL, &body, TOKEN, NOW).unwrap();
    let signed = request(HOOK_URL, &body, Some(signature_of(&headers)));
    assert_eq!(verify(&signed, TOKEN, NOW), Ok(()));
    assert_eq!(parse(&signed).unwrap().event_type, "message.inbound");
}

#[test]
fn a_forged_inbound_message_is_refused() {
    let body = form(&refs(&inbound("join tiger-owl")));
    let forged = sign(HOOK_URL, &body, "not-the-auth-token", NOW).unwrap();
    let forged_request = request(HOOK_URL, &body, Some(signature_of(&forged)));
    assert_eq!(
        verify(&forged_request, TOKEN, NOW),
        Err(SignatureError::Mismatch)
    );

    let genuine = sign(HOOK_URL, &body, TOKEN, NOW).unwrap();
    let tampered = form(&refs(&inbound("STOP")));
    let tampered_request = request(HOOK_URL, &tampered, Some(signature_of(&genuine)));
    assert_eq!(
        verify(&tampered_request, TOKEN, NOW),
        Err(SignatureError::Mismatch)
    );
}

proptest::proptest! {
    #[test]
    fn whatsapp_shaped_forms_never_panic(
        from in "(whatsapp:)?[+]?[0-9 ]{0,16}",
        to in "(whatsapp:)?[+]?[0-9]{0,16}",
        word in "(received|queued|sent|delivered|read|failed|undelivered|[a-z_]{0,12})",
        sid in "[A-Za-z0-9]{0,34}",
        body in proptest::option::of("[ -~]{0,20}"),
    ) {
        let mut pairs = vec![("From", from), ("To", to), ("MessageStatus", word), ("MessageSid", sid)];
        if let Some(body) = body {
            pairs.push(("Body", body));
        }
        if let Ok(parsed) = parse(&form_request(&refs(&pairs))) {
            proptest::prop_assert!(!parsed.event_id.is_empty());
            match parsed.whatsapp {
                Some(WhatsAppReport::Inbound { from, message_id, .. }) => {
                    proptest::prop_assert!(!from.is_empty() && !message_id.is_empty());
                }
                Some(WhatsAppReport::Status { message_id, .. }) => {
                    proptest::prop_assert!(!message_id.is_empty());
                }
                Some(other) => proptest::prop_assert!(false, "unexpected report {:?}", other),
                None => {}
            }
        }
    }
}
