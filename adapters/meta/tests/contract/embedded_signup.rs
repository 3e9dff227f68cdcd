//! The Embedded Signup steps on the client's account: webhook subscription (retried after 5xx,
//! refused tokens and permissions, ids that are not digits), credit line sharing (ISO 4217
//! currencies only), and phone registration with its PIN (checked against the description).

use onramp_domain::ports::{ClearSecret, EmbeddedSignup, ProviderError};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{bearer, business_token, mount, rejected_code, signup};
use crate::common::*;

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
