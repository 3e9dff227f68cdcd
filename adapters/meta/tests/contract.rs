//! `MetaGraph` and `MetaMessaging` against a wiremock Graph API: every operation's success,
//! Meta's refusals (a spent code, a bad PIN, a missing permission, an expired token, a message
//! outside the 24-hour window), retries where a repeat is safe and none where it is not,
//! timeouts and malformed answers. Every outbound request is snapshotted (secrets redacted)
//! and, where `../shared/provider-specs/meta.json` describes it, checked against it.
//!
//! Answers are shaped like Meta's: the description's examples (`{"success": true}`,
//! `MessageResponsePayload`, `GraphAPIError`), and for the calls it does not describe the
//! examples of PROVIDERS.md section 6's pages (`{"access_token", "token_type", "expires_in"}`,
//! `{"allocation_config_id": "58501441721238", "waba_id": "102290129340398"}`).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use onramp_domain::ports::{
    ClearSecret, ClientChannel, EmbeddedSignup, OutboundMessage, ProviderError, ProviderId,
    WhatsAppMessaging,
};
use onramp_meta::{MetaGraph, MetaMessaging};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/v23.0/oauth/access_token";
const CODE: &str = "AQBx-single-use-code-from-FB.login";

fn signup(server: &MockServer) -> MetaGraph {
    MetaGraph::new(&credentials(), fast_settings(server)).unwrap()
}

fn messaging(server: &MockServer) -> MetaMessaging {
    MetaMessaging::new(&credentials(), fast_settings(server)).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn business_token() -> ClearSecret {
    ClearSecret::new(BUSINESS_TOKEN)
}

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

fn rejected_code(e: &ProviderError) -> &str {
    match e {
        ProviderError::Rejected { code, .. } => code,
        other => panic!("not a rejection: {other:?}"),
    }
}

async fn mount(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

// --- exchange_code ---------------------------------------------------------------------------

#[tokio::test]
async fn a_code_is_exchanged_for_a_business_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TOKEN_PATH))
        .and(query_param("client_id", APP_ID))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("code", CODE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": BUSINESS_TOKEN, "token_type": "bearer"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let token = signup(&server)
        .exchange_code(&ClearSecret::new(CODE))
        .await
        .unwrap();
    assert_eq!(token.access_token.expose(), BUSINESS_TOKEN);
    assert_eq!(token.expires_in, None);
    let sent = received_on(&server, TOKEN_PATH).await;
    let snapshot = redacted(&sent[0]);
    assert_eq!(snapshot["query"]["client_secret"], "[redacted]");
    assert!(!snapshot.to_string().contains(APP_SECRET) && !snapshot.to_string().contains(CODE));
    snapshot_unchecked("exchange_code", &sent[0]);
}

#[tokio::test]
async fn a_spent_or_expired_code_is_code_expired() {
    for (subcode, words) in [
        (36007, "This authorization code has expired."),
        (36009, "This authorization code has been used."),
    ] {
        let server = MockServer::start().await;
        mount(
            &server,
            "GET",
            TOKEN_PATH,
            graph_error(400, 100, Some(subcode), words),
            1,
        )
        .await;
        let e = signup(&server)
            .exchange_code(&ClearSecret::new(CODE))
            .await
            .unwrap_err();
        assert_eq!(rejected_code(&e), "code_expired", "{words}");
    }
}

#[tokio::test]
async fn the_code_exchange_is_never_retried_even_after_a_5xx_or_a_timeout() {
    let server = MockServer::start().await;
    mount(&server, "GET", TOKEN_PATH, ResponseTemplate::new(503), 1).await;
    let e = signup(&server)
        .exchange_code(&ClearSecret::new(CODE))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");

    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({"access_token": BUSINESS_TOKEN}))
        .set_delay(Duration::from_millis(800));
    mount(&server, "GET", TOKEN_PATH, slow, 1).await;
    let e = signup(&server)
        .exchange_code(&ClearSecret::new(CODE))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::Unavailable { reason, .. } if reason == "timeout"),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_empty_code_is_refused_without_a_request() {
    let server = MockServer::start().await;
    let e = signup(&server)
        .exchange_code(&ClearSecret::new(""))
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "code_expired");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// --- refresh_token ---------------------------------------------------------------------------

#[tokio::test]
async fn a_token_is_refreshed_with_fb_exchange_token_and_retried_after_a_5xx() {
    let server = MockServer::start().await;
    mount(&server, "GET", TOKEN_PATH, ResponseTemplate::new(500), 1).await;
    Mock::given(method("GET"))
        .and(path(TOKEN_PATH))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", BUSINESS_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "EAAnewlonglivedtoken",
            "token_type": "bearer",
            "expires_in": 5183944
        })))
        .expect(1)
        .mount(&server)
        .await;
    let token = signup(&server)
        .refresh_token(&business_token())
        .await
        .unwrap();
    assert_eq!(token.access_token.expose(), "EAAnewlonglivedtoken");
    assert_eq!(token.expires_in, Some(5_183_944));
    let sent = received_on(&server, TOKEN_PATH).await;
    assert_eq!(sent.len(), 2);
    snapshot_unchecked("refresh_token", &sent[1]);
}

#[tokio::test]
async fn an_expired_token_cannot_be_refreshed() {
    let server = MockServer::start().await;
    let expired = graph_error(
        400,
        190,
        Some(463),
        "Error validating access token: Session has expired on Sunday, 01-Jun-25.",
    );
    mount(&server, "GET", TOKEN_PATH, expired, 1).await;
    let e = signup(&server)
        .refresh_token(&business_token())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
}

// --- subscribe_webhooks ----------------------------------------------------------------------

const SUBSCRIBE_PATH: &str = "/v23.0/102290129340398/subscribed_apps";

#[tokio::test]
async fn webhooks_are_subscribed_with_the_business_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SUBSCRIBE_PATH))
        .and(header("authorization", bearer(BUSINESS_TOKEN).as_str()))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    signup(&server)
        .subscribe_webhooks(WABA, &business_token())
        .await
        .unwrap();
    snapshot(
        "subscribe_webhooks",
        &received_on(&server, SUBSCRIBE_PATH).await[0],
    );
}

#[tokio::test]
async fn a_subscription_is_retried_after_5xx_answers() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        SUBSCRIBE_PATH,
        ResponseTemplate::new(502),
        2,
    )
    .await;
    mount(&server, "POST", SUBSCRIBE_PATH, success(), 1).await;
    signup(&server)
        .subscribe_webhooks(WABA, &business_token())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_401_with_graph_code_190_is_unauthorized_and_not_retried() {
    let server = MockServer::start().await;
    let expired = graph_error(401, 190, Some(463), "Invalid OAuth access token");
    mount(&server, "POST", SUBSCRIBE_PATH, expired, 1).await;
    let e = signup(&server)
        .subscribe_webhooks(WABA, &business_token())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
}

#[tokio::test]
async fn a_403_with_graph_code_200_is_permission_denied() {
    let server = MockServer::start().await;
    let denied = graph_error(
        403,
        200,
        Some(1349174),
        "Your app doesn't have permission to subscribe to this WhatsApp Business Account",
    );
    mount(&server, "POST", SUBSCRIBE_PATH, denied, 1).await;
    let e = signup(&server)
        .subscribe_webhooks(WABA, &business_token())
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "permission_denied");
}

#[tokio::test]
async fn an_id_that_is_not_digits_never_reaches_a_url() {
    let server = MockServer::start().await;
    let e = signup(&server)
        .subscribe_webhooks("1/../me", &business_token())
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "invalid_parameter");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// --- share_credit_line -----------------------------------------------------------------------

const CREDIT_PATH: &str = "/v23.0/1972385232742146/whatsapp_credit_sharing_and_attach";

#[tokio::test]
async fn the_credit_line_is_shared_with_the_system_user_token_after_a_retry() {
    let server = MockServer::start().await;
    mount(&server, "POST", CREDIT_PATH, ResponseTemplate::new(500), 1).await;
    Mock::given(method("POST"))
        .and(path(CREDIT_PATH))
        .and(query_param("waba_id", WABA))
        .and(query_param("waba_currency", "EUR"))
        .and(header("authorization", bearer(SYSTEM_TOKEN).as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"allocation_config_id": "58501441721238", "waba_id": WABA})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let allocation = signup(&server)
        .share_credit_line(WABA, "EUR")
        .await
        .unwrap();
    assert_eq!(allocation, "58501441721238");
    let sent = received_on(&server, CREDIT_PATH).await;
    assert_eq!(sent.len(), 2);
    snapshot_unchecked("share_credit_line", &sent[1]);
}

#[tokio::test]
async fn a_currency_that_is_not_iso_4217_is_refused_without_a_request() {
    let server = MockServer::start().await;
    let e = signup(&server)
        .share_credit_line(WABA, "usd")
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "invalid_parameter");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// --- register_phone --------------------------------------------------------------------------

const REGISTER_PATH: &str = "/v23.0/106540352242922/register";

#[tokio::test]
async fn a_number_is_registered_with_its_pin() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(REGISTER_PATH))
        .and(header("authorization", bearer(BUSINESS_TOKEN).as_str()))
        .and(body_json(
            json!({"messaging_product": "whatsapp", "pin": "123456"}),
        ))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    signup(&server)
        .register_phone(
            PHONE_NUMBER_ID,
            &business_token(),
            &ClearSecret::new("123456"),
        )
        .await
        .unwrap();
    snapshot(
        "register_phone",
        &received_on(&server, REGISTER_PATH).await[0],
    );
}

#[tokio::test]
async fn a_pin_meta_refuses_is_invalid_pin() {
    let server = MockServer::start().await;
    let mismatch = graph_error(400, 133005, None, "Two step verification PIN Mismatch");
    mount(&server, "POST", REGISTER_PATH, mismatch, 1).await;
    let e = signup(&server)
        .register_phone(
            PHONE_NUMBER_ID,
            &business_token(),
            &ClearSecret::new("654321"),
        )
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "invalid_pin");

    let server = MockServer::start().await;
    let format = graph_error(
        400,
        100,
        None,
        "Invalid PIN format. PIN must be exactly 6 digits",
    );
    mount(&server, "POST", REGISTER_PATH, format, 1).await;
    let e = signup(&server)
        .register_phone(
            PHONE_NUMBER_ID,
            &business_token(),
            &ClearSecret::new("000000"),
        )
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&e), "invalid_pin");
}

#[tokio::test]
async fn a_pin_that_is_not_six_digits_is_refused_without_a_request() {
    let server = MockServer::start().await;
    for pin in ["12345", "1234567", "12345a", ""] {
        let e = signup(&server)
            .register_phone(PHONE_NUMBER_ID, &business_token(), &ClearSecret::new(pin))
            .await
            .unwrap_err();
        assert_eq!(rejected_code(&e), "invalid_pin", "{pin:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn registration_is_retried_after_a_5xx() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        REGISTER_PATH,
        ResponseTemplate::new(503),
        1,
    )
    .await;
    mount(&server, "POST", REGISTER_PATH, success(), 1).await;
    signup(&server)
        .register_phone(
            PHONE_NUMBER_ID,
            &business_token(),
            &ClearSecret::new("123456"),
        )
        .await
        .unwrap();
}

// --- messages --------------------------------------------------------------------------------

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

// --- health_check ----------------------------------------------------------------------------

const HEALTH_PATH: &str = "/v23.0/106540352242933";

#[tokio::test]
async fn the_health_check_reads_the_number_back() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(HEALTH_PATH))
        .and(query_param("fields", "id"))
        .and(header("authorization", bearer(SYSTEM_TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": OWN_NUMBER_ID})))
        .expect(1)
        .mount(&server)
        .await;
    messaging(&server).health_check().await.unwrap();
    snapshot_unchecked("health_check", &received_on(&server, HEALTH_PATH).await[0]);
}

#[tokio::test]
async fn a_refused_token_fails_the_health_check() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        HEALTH_PATH,
        graph_error(401, 190, None, "Invalid OAuth access token"),
        1,
    )
    .await;
    let e = messaging(&server).health_check().await.unwrap_err();
    assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
}

#[test]
fn the_system_user_token_is_not_in_the_credentials_debug() {
    assert!(!format!("{:?}", credentials()).contains(SYSTEM_TOKEN));
    assert!(!format!("{:?}", credentials()).contains(credentials().app_secret.expose_secret()));
}

#[tokio::test]
async fn the_conformance_check_catches_a_field_the_description_does_not_declare() {
    let server = MockServer::start().await;
    mount(&server, "POST", REGISTER_PATH, success(), 1).await;
    signup(&server)
        .register_phone(
            PHONE_NUMBER_ID,
            &business_token(),
            &ClearSecret::new("123456"),
        )
        .await
        .unwrap();
    let sent = &received_on(&server, REGISTER_PATH).await[0];
    let mut value = onramp_provider_kit::testing::request_snapshot("meta", sent, &[]);
    assert!(onramp_provider_kit::testing::conformance::check(&spec(), &value).is_ok());
    value["body"]["pin_hint"] = json!("birthday");
    assert!(onramp_provider_kit::testing::conformance::check(&spec(), &value).is_err());
}
