//! Parsing of the WhatsApp callbacks: Conversation API MESSAGE_INBOUND and MESSAGE_DELIVERY
//! (SDK fixtures set on the `WHATSAPP` channel) and Provisioning API sender callbacks (the
//! OpenAPI description's examples), see tests/fixtures/README.md.

use http::HeaderMap;
use onramp_domain::ports::{MessageStatus, ReportedStatus, SenderState, WhatsAppReport};
use onramp_sinch::webhook::{self, PayloadError, WebhookRequest};
use serde_json::{Value, json};

const INBOUND: &[u8] = include_bytes!("fixtures/message_inbound_event.json");
const INBOUND_SMS: &[u8] = include_bytes!("fixtures/message_inbound_event_sms.json");
const DELIVERY_RECEIPT: &[u8] = include_bytes!("fixtures/message_delivery_receipt_event.json");
const SENDER_ERROR: &[u8] = include_bytes!("fixtures/provisioning_sender_error_event.json");
const SENDER_COMMENT: &[u8] = include_bytes!("fixtures/provisioning_sender_comment_event.json");
const SENDER_ACTIVE: &[u8] = include_bytes!("fixtures/provisioning_sender_active.json");

const SENDER_ID: &str = "cf11794a-6a5e-4a12-b103-da79bd378bf1";

fn post(body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/sinch".into(),
        headers: HeaderMap::new(),
        body: body.to_vec().into(),
    }
}

fn fixture(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("fixture is JSON")
}

fn parse(value: &Value) -> Result<webhook::ParsedWebhook, PayloadError> {
    webhook::parse(&post(&serde_json::to_vec(value).expect("serializes")))
}

/// The dotnet MESSAGE_INBOUND fixture on the WhatsApp channel, from `identity`.
fn whatsapp_inbound(identity: &str) -> Value {
    let mut json = fixture(INBOUND);
    json["message"]["channel_identity"]["channel"] = "WHATSAPP".into();
    json["message"]["channel_identity"]["identity"] = identity.into();
    json
}

/// The dotnet delivery receipt fixture on the WhatsApp channel with `status`.
fn whatsapp_delivery(status: &str) -> Value {
    let mut json = fixture(DELIVERY_RECEIPT);
    json["message_delivery_report"]["channel_identity"]["channel"] = "WHATSAPP".into();
    json["message_delivery_report"]["status"] = status.into();
    json
}

#[test]
fn a_whatsapp_message_is_an_inbound_report_from_the_users_number_to_the_app() {
    let parsed = parse(&whatsapp_inbound("15551234567")).unwrap();
    assert_eq!(parsed.event_id, "event id");
    assert_eq!(parsed.event_type, webhook::MESSAGE_INBOUND);
    assert_eq!(parsed.report, None);
    assert_eq!(
        parsed.whatsapp,
        Some(WhatsAppReport::Inbound {
            from: "+15551234567".into(),
            to: "app id value".into(),
            message_id: "event id".into(),
            text: "This is a text message.".into(),
            profile_name: None,
            // accepted_time 2020-11-17T16:05:51.724083Z
            at: 1_605_629_151,
        })
    );
}

#[test]
fn an_identity_given_with_its_plus_keeps_one() {
    let mut json = fixture(INBOUND_SMS);
    json["message"]["channel_identity"]["channel"] = "WHATSAPP".into();
    let parsed = parse(&json).unwrap();
    assert_eq!(parsed.event_id, "01HQ8XYZABC123");
    match parsed.whatsapp {
        Some(WhatsAppReport::Inbound {
            from, to, text, at, ..
        }) => {
            assert_eq!(
                (from.as_str(), to.as_str(), text.as_str()),
                ("+15551234567", "01ABC123DEF456", "Hello")
            );
            // accepted_time 2024-01-15T10:30:00.123Z
            assert_eq!(at, 1_705_314_600);
        }
        other => panic!("expected an inbound message, got {other:?}"),
    }
}

#[test]
fn messages_on_other_channels_carry_no_whatsapp_report() {
    for body in [INBOUND, INBOUND_SMS] {
        let parsed = webhook::parse(&post(body)).unwrap();
        assert_eq!(parsed.event_type, "message_inbound");
        assert_eq!(parsed.whatsapp, None);
        assert_eq!(parsed.report, None);
    }
}

#[test]
fn media_has_an_empty_text_and_the_app_may_come_from_the_identity() {
    let mut json = whatsapp_inbound("15551234567");
    json["message"]["contact_message"] =
        json!({"media_message": {"url": "https://example.com/a.jpg"}});
    json.as_object_mut().unwrap().remove("app_id");
    json.as_object_mut().unwrap().remove("accepted_time");
    match parse(&json).unwrap().whatsapp {
        Some(WhatsAppReport::Inbound { text, to, at, .. }) => {
            assert_eq!(text, "");
            assert_eq!(to, "an app id");
            // message.accept_time 2020-11-17T16:07:15Z
            assert_eq!(at, 1_605_629_235);
        }
        other => panic!("expected an inbound message, got {other:?}"),
    }
}

#[test]
fn inbound_messages_missing_what_a_report_needs_are_refused() {
    let mut no_id = whatsapp_inbound("15551234567");
    no_id["message"].as_object_mut().unwrap().remove("id");
    let not_a_number = whatsapp_inbound("an identity");
    let mut no_app = whatsapp_inbound("15551234567");
    no_app.as_object_mut().unwrap().remove("app_id");
    no_app["message"]["channel_identity"]
        .as_object_mut()
        .unwrap()
        .remove("app_id");
    let mut no_time = whatsapp_inbound("15551234567");
    for field in ["accepted_time", "event_time"] {
        no_time.as_object_mut().unwrap().remove(field);
    }
    no_time["message"]
        .as_object_mut()
        .unwrap()
        .remove("accept_time");
    for (what, body) in [
        ("no id", no_id),
        ("not a number", not_a_number),
        ("no app", no_app),
        ("no time", no_time),
    ] {
        assert!(matches!(parse(&body), Err(PayloadError(_))), "{what}");
    }
    // Without a channel identity object the channel is unknown: a message, not a WhatsApp one.
    let unknown_channel = json!({"message": {"id": "m", "channel_identity": "WHATSAPP"}});
    assert_eq!(parse(&unknown_channel).unwrap().whatsapp, None);
}

#[test]
fn whatsapp_delivery_statuses_map_to_message_statuses() {
    let cases = [
        ("QUEUED_ON_CHANNEL", MessageStatus::Sent),
        ("DELIVERED", MessageStatus::Delivered),
        ("READ", MessageStatus::Read),
    ];
    for (status, expected) in cases {
        let parsed = parse(&whatsapp_delivery(status)).unwrap();
        assert_eq!(
            parsed.whatsapp,
            Some(WhatsAppReport::Status {
                message_id: "message id".into(),
                status: expected,
                error: None,
                // event_time 2020-11-17T16:05:45Z
                at: 1_605_629_145,
            }),
            "{status}"
        );
        assert_eq!(
            parsed.event_id,
            format!("message id:message_delivery_report:{status}")
        );
    }
}

#[test]
fn a_failed_whatsapp_delivery_names_sinchs_reason_and_still_reports_the_delivery() {
    let parsed = parse(&whatsapp_delivery("FAILED")).unwrap();
    assert_eq!(
        parsed.whatsapp,
        Some(WhatsAppReport::Status {
            message_id: "message id".into(),
            status: MessageStatus::Failed,
            error: Some("RECIPIENT_NOT_OPTED_IN: reason description".into()),
            at: 1_605_629_145,
        })
    );
    assert_eq!(
        parsed.report.unwrap().status,
        ReportedStatus::Failed {
            reason: "RECIPIENT_NOT_OPTED_IN".into()
        }
    );
    let mut bare = whatsapp_delivery("FAILED");
    bare["message_delivery_report"]
        .as_object_mut()
        .unwrap()
        .remove("reason");
    match parse(&bare).unwrap().whatsapp {
        Some(WhatsAppReport::Status { error, .. }) => assert_eq!(error.as_deref(), Some("FAILED")),
        other => panic!("expected a status, got {other:?}"),
    }
}

#[test]
fn other_deliveries_carry_no_whatsapp_report() {
    let switching = parse(&whatsapp_delivery("SWITCHING_CHANNEL")).unwrap();
    assert_eq!(switching.whatsapp, None);
    assert!(switching.report.is_some());
    let messenger = webhook::parse(&post(DELIVERY_RECEIPT)).unwrap();
    assert_eq!(messenger.whatsapp, None);
    let mut no_time = whatsapp_delivery("READ");
    for field in ["accepted_time", "event_time"] {
        no_time.as_object_mut().unwrap().remove(field);
    }
    assert!(parse(&no_time).is_err());
}

#[test]
fn a_refused_sender_reports_its_error_with_sinchs_reason() {
    let parsed = webhook::parse(&post(SENDER_ERROR)).unwrap();
    assert_eq!(parsed.event_type, "WHATSAPP_SENDER_ERROR");
    assert_eq!(
        parsed.event_id,
        format!("{SENDER_ID}:WHATSAPP_SENDER_ERROR:2023-01-19T13:11:08.204Z")
    );
    assert_eq!(parsed.report, None);
    assert_eq!(
        parsed.whatsapp,
        Some(WhatsAppReport::SenderState {
            sender_id: SENDER_ID.into(),
            state: SenderState::Error {
                reason: "Reach out to support at support@sinch.com".into()
            }
        })
    );
}

#[test]
fn sender_callbacks_report_the_state_of_their_payload() {
    let inactive = webhook::parse(&post(SENDER_COMMENT)).unwrap();
    assert_eq!(
        inactive.whatsapp,
        Some(WhatsAppReport::SenderState {
            sender_id: SENDER_ID.into(),
            state: SenderState::Suspended {
                reason: "INACTIVE".into()
            }
        })
    );
    let active = json!({"type": "WHATSAPP_SENDER_ACTIVE", "payload": fixture(SENDER_ACTIVE)});
    let parsed = parse(&active).unwrap();
    assert_eq!(
        parsed.whatsapp,
        Some(WhatsAppReport::SenderState {
            sender_id: SENDER_ID.into(),
            state: SenderState::Active
        })
    );
    assert_ne!(parsed.event_id, inactive.event_id);
}

#[test]
fn a_sender_waiting_for_its_code_is_reported_pending_verification_unless_refused() {
    // The WHATSAPP_SENDER_COMMENT_ADDED example on a sender in PENDING_VERIFICATION.
    let mut json = fixture(SENDER_COMMENT);
    json["payload"]["state"] = "PENDING_VERIFICATION".into();
    assert_eq!(
        parse(&json).unwrap().whatsapp,
        Some(WhatsAppReport::SenderState {
            sender_id: SENDER_ID.into(),
            state: SenderState::PendingVerification
        })
    );
    json["payload"]["changes"] = json!({"status": "REJECTED"});
    assert_eq!(
        parse(&json).unwrap().whatsapp,
        Some(WhatsAppReport::SenderState {
            sender_id: SENDER_ID.into(),
            state: SenderState::Error {
                reason: "REJECTED: Example comment".into()
            }
        })
    );
}

#[test]
fn an_error_without_reason_takes_the_callbacks_comment() {
    let mut json = fixture(SENDER_ERROR);
    json["payload"]["changes"]
        .as_object_mut()
        .unwrap()
        .remove("errorReason");
    json["comment"] = "The display name does not match the business".into();
    match parse(&json).unwrap().whatsapp {
        Some(WhatsAppReport::SenderState {
            state: SenderState::Error { reason },
            ..
        }) => assert_eq!(
            reason,
            "ERROR: The display name does not match the business"
        ),
        other => panic!("expected an error state, got {other:?}"),
    }
}

#[test]
fn a_deleted_sender_has_no_state_and_a_body_derived_event_id() {
    // The WHATSAPP_SENDER_DELETED callback example.
    let deleted = json!({"type": "WHATSAPP_SENDER_DELETED", "payload": {
        "id": SENDER_ID, "region": "UNRECOGNIZED", "metaLocalStorage": "UNRECOGNIZED",
        "cloudApi": false, "businessManager": "SINCH_UK", "compatibleRegions": []
    }});
    let parsed = parse(&deleted).unwrap();
    assert_eq!(parsed.whatsapp, None);
    assert!(
        parsed
            .event_id
            .starts_with(&format!("{SENDER_ID}:WHATSAPP_SENDER_DELETED:sha256:")),
        "{}",
        parsed.event_id
    );
    assert_eq!(parsed.event_id, parse(&deleted).unwrap().event_id);
}

#[test]
fn sender_callbacks_without_a_sender_are_refused_and_other_provisioning_callbacks_are_named() {
    for bad in [
        json!({"type": "WHATSAPP_SENDER_ACTIVE", "payload": {"state": "ACTIVE"}}),
        json!({"type": "WHATSAPP_SENDER_ACTIVE", "payload": {"id": "s", "state": 3}}),
    ] {
        assert!(parse(&bad).is_err(), "{bad}");
    }
    let template = json!({"type": "WHATSAPP_TEMPLATE_APPROVED", "payload": {"name": "t"}});
    let parsed = parse(&template).unwrap();
    assert_eq!(parsed.event_type, "WHATSAPP_TEMPLATE_APPROVED");
    assert_eq!(parsed.whatsapp, None);
    assert!(parsed.event_id.starts_with("sha256:"));
}
