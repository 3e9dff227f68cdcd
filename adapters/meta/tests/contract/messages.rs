//! Messages: sent on the client's behalf with its token or from the partner's own number with the
//! system user token, never retried, Meta's refusals (outside the 24-hour window, undeliverable,
//! an expired token), a malformed acceptance, and recipients or texts refused before a request.

use std::time::Duration;

use onramp_domain::ports::{
    ClientChannel, EmbeddedSignup, OutboundMessage, ProviderError, ProviderId, WhatsAppMessaging,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{bearer, business_token, messaging, mount, rejected_code, signup};
use crate::common::*;

fn message() -> OutboundMessage {
    OutboundMessage {
        key: "0192a3b4-0000-7000-8000-00000000beef".into(),
        to: "+16505551234".into(),
        text: "Your WhatsApp number is connected to Onramp.".into(),
    }
}

fn message_accepted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
        "messages": [{"id": WAMID}]
    }))
}

const CLIENT_MESSAGES: &str = "/v23.0/106540352242922/messages";
const OWN_MESSAGES: &str = "/v23.0/106540352242933/messages";

fn expected_text_body() -> serde_json::Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "Your WhatsApp number is connected to Onramp."}
    })
}

#[tokio::test]
async fn a_message_is_sent_on_the_clients_behalf_with_its_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CLIENT_MESSAGES))
        .and(header("authorization", bearer(BUSINESS_TOKEN).as_str()))
        .and(body_json(expected_text_body()))
        .respond_with(message_accepted())
        .expect(1)
        .mount(&server)
        .await;
    let channel = ClientChannel {
        phone_number_id: PHONE_NUMBER_ID.into(),
        token: business_token(),
    };
    let sent = signup(&server)
        .send_as_client(&channel, &message())
        .await
        .unwrap();
    assert_eq!(sent.provider, ProviderId::Meta);
    assert_eq!(sent.provider_ref, WAMID);
    snapshot(
        "send_as_client",
        &received_on(&server, CLIENT_MESSAGES).await[0],
    );
}

#[tokio::test]
async fn the_partner_sends_from_its_own_number_with_the_system_user_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(OWN_MESSAGES))
        .and(header("authorization", bearer(SYSTEM_TOKEN).as_str()))
        .and(body_json(expected_text_body()))
        .respond_with(message_accepted())
        .expect(1)
        .mount(&server)
        .await;
    let meta = messaging(&server);
    assert_eq!(meta.provider(), ProviderId::Meta);
    let sent = meta.send_text(&message()).await.unwrap();
    assert_eq!(sent.provider_ref, WAMID);
    snapshot("send_text", &received_on(&server, OWN_MESSAGES).await[0]);
}

#[tokio::test]
async fn a_message_is_not_retried_after_a_5xx_or_a_timeout() {
    let server = MockServer::start().await;
    mount(&server, "POST", OWN_MESSAGES, ResponseTemplate::new(500), 1).await;
    let e = messaging(&server).send_text(&message()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");

    let server = MockServer::start().await;
    let slow = message_accepted().set_delay(Duration::from_millis(800));
    mount(&server, "POST", OWN_MESSAGES, slow, 1).await;
    let e = messaging(&server).send_text(&message()).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Unavailable { reason, .. } if reason == "timeout"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_message_outside_the_window_or_to_an_unreachable_user_is_rejected() {
    for (code, words, stable) in [
        (131047, "Re-engagement message", "outside_window"),
        (131026, "Message undeliverable", "undeliverable"),
    ] {
        let server = MockServer::start().await;
        mount(
            &server,
            "POST",
            OWN_MESSAGES,
            graph_error(400, code, None, words),
            1,
        )
        .await;
        let e = messaging(&server).send_text(&message()).await.unwrap_err();
        assert_eq!(rejected_code(&e), stable);
    }
}

#[tokio::test]
async fn an_expired_token_on_a_400_is_unauthorized() {
    let server = MockServer::start().await;
    let expired = graph_error(
        400,
        190,
        Some(463),
        "Error validating access token: Session has expired",
    );
    mount(&server, "POST", OWN_MESSAGES, expired, 1).await;
    let e = messaging(&server).send_text(&message()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
}

#[tokio::test]
async fn an_accepted_answer_without_a_message_id_is_unexpected() {
    let server = MockServer::start().await;
    let empty = ResponseTemplate::new(200).set_body_json(json!({"messaging_product": "whatsapp"}));
    mount(&server, "POST", OWN_MESSAGES, empty, 1).await;
    let e = messaging(&server).send_text(&message()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unexpected(_)), "{e:?}");
}

#[tokio::test]
async fn bad_recipients_and_texts_are_refused_without_a_request() {
    let server = MockServer::start().await;
    let meta = messaging(&server);
    let mut bad_number = message();
    bad_number.to = "whatsapp:+16505551234".into();
    assert_eq!(
        rejected_code(&meta.send_text(&bad_number).await.unwrap_err()),
        "invalid_number"
    );
    let mut long = message();
    long.text = "é".repeat(4097);
    assert_eq!(
        rejected_code(&meta.send_text(&long).await.unwrap_err()),
        "invalid_parameter"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
