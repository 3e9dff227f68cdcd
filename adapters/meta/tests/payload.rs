//! WhatsApp Business Account webhooks into reports, over the fixtures of `tests/fixtures/`
//! (their sources are in `tests/fixtures/README.md`) and small variations of them.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::path::PathBuf;

use onramp_domain::ports::{MessageStatus, WhatsAppReport};
use onramp_domain::waba::QualityRating;
use onramp_meta::webhook::{self, ParsedWebhook, PayloadError};
use serde_json::{Value, json};

const WABA: &str = "102290129340398";
const INBOUND_WAMID: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
const STATUS_WAMID: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::read(path.join(format!("{name}.json"))).unwrap()
}

fn value(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

fn parse_value(v: &Value) -> Result<Vec<ParsedWebhook>, PayloadError> {
    webhook::parse(&serde_json::to_vec(v).unwrap())
}

/// The one event of a fixture, checked for what every Meta event shares.
fn only_event(name: &str) -> ParsedWebhook {
    let mut events = webhook::parse(&fixture(name)).unwrap();
    assert_eq!(events.len(), 1, "{name}: {events:?}");
    let event = events.remove(0);
    assert!(event.report.is_none() && event.payment.is_none(), "{name}");
    event
}

/// The text fixture with its message replaced by `message`.
fn inbound_with(message: Value) -> ParsedWebhook {
    let mut v = value("messages_text");
    v["entry"][0]["changes"][0]["value"]["messages"][0] = message;
    parse_value(&v).unwrap().remove(0)
}

fn inbound_text(event: &ParsedWebhook) -> &str {
    match &event.whatsapp {
        Some(WhatsAppReport::Inbound { text, .. }) => text,
        other => panic!("not inbound: {other:?}"),
    }
}

#[test]
fn a_text_message_is_inbound_from_the_user_to_the_phone_number_id() {
    let event = only_event("messages_text");
    assert_eq!(event.event_id, INBOUND_WAMID);
    assert_eq!(event.event_type, "messages.inbound");
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::Inbound {
            from: "+16505551234".into(),
            to: "106540352242922".into(),
            message_id: INBOUND_WAMID.into(),
            text: "Does it come in another color?".into(),
            profile_name: Some("Sheena Nelson".into()),
            at: 1_749_416_383,
        })
    );
}

#[test]
fn button_and_list_replies_and_template_buttons_count_as_text() {
    let button = inbound_with(
        json!({"from": "16505551234", "id": "wamid.b", "timestamp": "1749416383",
        "type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": "yes-id", "title": "Yes, please"}}}),
    );
    assert_eq!(inbound_text(&button), "Yes, please");
    let list = inbound_with(
        json!({"from": "16505551234", "id": "wamid.l", "timestamp": "1749416383",
        "type": "interactive", "interactive": {"type": "list_reply",
            "list_reply": {"id": "row-2", "title": "Blue", "description": "The blue one"}}}),
    );
    assert_eq!(inbound_text(&list), "Blue");
    let template = inbound_with(
        json!({"from": "16505551234", "id": "wamid.t", "timestamp": "1749416383",
        "type": "button", "button": {"payload": "STOP", "text": "Stop promotions"}}),
    );
    assert_eq!(inbound_text(&template), "Stop promotions");
}

#[test]
fn media_and_other_types_give_an_empty_text() {
    let image = inbound_with(
        json!({"from": "16505551234", "id": "wamid.i", "timestamp": "1749416383",
        "type": "image", "image": {"caption": "look", "mime_type": "image/jpeg", "sha256": "x", "id": "1"}}),
    );
    assert_eq!(inbound_text(&image), "");
    assert_eq!(image.event_id, "wamid.i");
    let reaction = inbound_with(
        json!({"from": "16505551234", "id": "wamid.r", "timestamp": "1749416383",
        "type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}}),
    );
    assert_eq!(inbound_text(&reaction), "");
}

#[test]
fn each_status_is_its_own_event_keyed_by_wamid_and_status() {
    for (name, status, at) in [
        ("status_sent", MessageStatus::Sent, 1_750_263_773),
        ("status_delivered", MessageStatus::Delivered, 1_750_263_774),
        ("status_read", MessageStatus::Read, 1_750_263_780),
    ] {
        let event = only_event(name);
        let word = name.trim_start_matches("status_");
        assert_eq!(event.event_id, format!("{STATUS_WAMID}:{word}"));
        assert_eq!(event.event_type, format!("messages.status.{word}"));
        assert_eq!(
            event.whatsapp,
            Some(WhatsAppReport::Status {
                message_id: STATUS_WAMID.into(),
                status,
                error: None,
                at
            })
        );
    }
}

#[test]
fn a_failed_status_carries_the_code_and_title() {
    let event = only_event("status_failed");
    assert_eq!(event.event_id, format!("{STATUS_WAMID}:failed"));
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::Status {
            message_id: STATUS_WAMID.into(),
            status: MessageStatus::Failed,
            error: Some(
                "131049: This message was not delivered to maintain healthy ecosystem engagement."
                    .into()
            ),
            at: 1_750_263_773,
        })
    );
}

#[test]
fn an_unknown_status_is_an_event_without_a_report() {
    let mut v = value("status_sent");
    v["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = json!("deleted");
    let event = parse_value(&v).unwrap().remove(0);
    assert_eq!(event.event_type, "messages.status.deleted");
    assert_eq!(event.whatsapp, None);
}

#[test]
fn batched_messages_and_statuses_give_one_event_each_in_order() {
    let mut v = value("messages_text");
    let statuses = value("status_delivered")["entry"][0]["changes"][0]["value"]["statuses"].clone();
    v["entry"][0]["changes"][0]["value"]["statuses"] = statuses;
    let second = value("account_review_update")["entry"][0].clone();
    v["entry"].as_array_mut().unwrap().push(second);
    let ids: Vec<String> = parse_value(&v)
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        ids,
        [
            "messages.inbound",
            "messages.status.delivered",
            "account_review_update"
        ]
    );
}

#[test]
fn account_review_update_reports_the_decision_with_a_deterministic_id() {
    let event = only_event("account_review_update");
    assert_eq!(event.event_type, "account_review_update");
    assert!(
        event
            .event_id
            .starts_with("account_review_update:102290129340398:1739321024:")
    );
    assert_eq!(event.event_id.rsplit(':').next().unwrap().len(), 16);
    assert_eq!(event.event_id, only_event("account_review_update").event_id);
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::AccountReview {
            waba_id: WABA.into(),
            decision: "APPROVED".into()
        })
    );
    let mut rejected = value("account_review_update");
    rejected["entry"][0]["changes"][0]["value"]["decision"] = json!("REJECTED");
    assert_ne!(parse_value(&rejected).unwrap()[0].event_id, event.event_id);
}

#[test]
fn account_update_reports_the_event() {
    let event = only_event("account_update");
    assert!(
        event
            .event_id
            .starts_with("account_update:102290129340398:1739321024:")
    );
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::AccountUpdate {
            waba_id: WABA.into(),
            event: "PARTNER_ADDED".into()
        })
    );
}

#[test]
fn a_quality_update_reports_the_limit_and_the_rating_it_implies() {
    let event = only_event("phone_number_quality_update");
    assert!(
        event
            .event_id
            .starts_with("phone_number_quality_update:102290129340398:1748454394:")
    );
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::Quality {
            waba_id: WABA.into(),
            display_phone_number: "15550783881".into(),
            event: "THROUGHPUT_UPGRADE".into(),
            rating: None,
            current_limit: Some("TIER_UNLIMITED".into()),
            at: 1_748_454_394,
        })
    );
    let flagged = only_event("phone_number_quality_update_flagged");
    assert!(matches!(flagged.whatsapp,
        Some(WhatsAppReport::Quality { rating: Some(QualityRating::Red), ref current_limit, .. })
            if current_limit.as_deref() == Some("TIER_1K")));
}

#[test]
fn a_quality_update_without_current_limit_uses_the_daily_limit_and_needs_a_time() {
    let mut v = value("phone_number_quality_update");
    let change = &mut v["entry"][0]["changes"][0]["value"];
    change.as_object_mut().unwrap().remove("current_limit");
    change["max_daily_conversations_per_business"] = json!("TIER_2K");
    change["event"] = json!("DOWNGRADE");
    let event = parse_value(&v).unwrap().remove(0);
    assert!(matches!(event.whatsapp,
        Some(WhatsAppReport::Quality { rating: Some(QualityRating::Yellow), ref current_limit, .. })
            if current_limit.as_deref() == Some("TIER_2K")));
    v["entry"][0].as_object_mut().unwrap().remove("time");
    assert!(parse_value(&v).unwrap_err().0.contains("time"));
}

#[test]
fn a_template_status_reports_its_numeric_id_as_text() {
    let event = only_event("message_template_status_update");
    assert!(
        event
            .event_id
            .starts_with("message_template_status_update:102290129340398:1739321024:")
    );
    assert_eq!(
        event.whatsapp,
        Some(WhatsAppReport::TemplateStatus {
            waba_id: WABA.into(),
            template_id: "1689556908129832".into(),
            name: "order_confirmation".into(),
            event: "APPROVED".into(),
            reason: None,
        })
    );
    // Meta's "NONE" is no reason; a real one is kept.
    let mut v = value("message_template_status_update");
    v["entry"][0]["changes"][0]["value"]["reason"] = Value::from("INCORRECT_CATEGORY");
    assert!(matches!(
        &parse_value(&v).unwrap()[0].whatsapp,
        Some(WhatsAppReport::TemplateStatus { reason: Some(r), .. }) if r == "INCORRECT_CATEGORY"
    ));
    let mut v = value("message_template_status_update");
    v["entry"][0]["changes"][0]["value"]["reason"] = Value::Null;
    assert!(matches!(
        parse_value(&v).unwrap()[0].whatsapp,
        Some(WhatsAppReport::TemplateStatus { reason: None, .. })
    ));
}

#[test]
fn system_errors_are_an_event_without_a_report() {
    let event = only_event("messages_errors");
    assert_eq!(event.event_type, "messages.errors");
    assert!(
        event.event_id.starts_with("messages:102290129340398:-:"),
        "{}",
        event.event_id
    );
    assert_eq!(event.whatsapp, None);
}

#[test]
fn unknown_fields_are_skipped() {
    let mut v = value("account_review_update");
    v["entry"][0]["changes"][0]["field"] = json!("account_alerts");
    assert_eq!(parse_value(&v).unwrap(), []);
    v["entry"][0]["changes"] = json!([]);
    assert_eq!(parse_value(&v).unwrap(), []);
}

#[test]
fn a_body_of_another_object_or_not_json_is_refused() {
    let mut v = value("messages_text");
    v["object"] = json!("page");
    assert!(
        parse_value(&v)
            .unwrap_err()
            .0
            .contains("not whatsapp_business_account")
    );
    v.as_object_mut().unwrap().remove("object");
    assert!(parse_value(&v).is_err());
    assert!(webhook::parse(b"not json").is_err());
    assert!(webhook::parse(br#"{"object":"whatsapp_business_account"}"#).is_err());
}

#[test]
fn a_known_field_without_what_its_report_needs_is_refused() {
    let mut v = value("account_review_update");
    v["entry"][0]["changes"][0]["value"] = json!({});
    assert!(parse_value(&v).unwrap_err().0.contains("decision"));
    let mut v = value("messages_text");
    v["entry"][0]["changes"][0]["value"]
        .as_object_mut()
        .unwrap()
        .remove("metadata");
    assert!(parse_value(&v).unwrap_err().0.contains("phone_number_id"));
    let mut v = value("messages_text");
    v["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!("yesterday");
    assert!(parse_value(&v).is_err());
}
