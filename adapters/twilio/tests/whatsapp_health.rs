//! `TwilioWhatsApp::health_check` (`GET /2010-04-01/Accounts/{AccountSid}.json`) against a
//! wiremock Twilio (snapshot `whatsapp_health_check`), and the channel's construction.
//!
//! The Accounts resource is not in `../shared/provider-specs/twilio.json`, so this request is
//! snapshotted but cannot be checked for conformance there.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use common::api::*;
use common::messages::*;
use onramp_domain::ports::{ProviderError, WhatsAppMessaging};
use onramp_provider_kit::testing::request_snapshot;
use onramp_twilio::{DEFAULT_API_BASE_URL, TwilioWhatsApp};
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn health_answered(
    answer: ResponseTemplate,
    times: u64,
) -> (Result<(), ProviderError>, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
        .respond_with(answer)
        .expect(times)
        .mount(&server)
        .await;
    let result = channel_for(&server, &whatsapp_credentials())
        .health_check()
        .await;
    (result, server)
}

#[tokio::test]
async fn an_active_account_is_healthy() {
    let (result, server) = health_answered(
        ResponseTemplate::new(200).set_body_json(account("active")),
        1,
    )
    .await;
    assert!(result.is_ok(), "{result:?}");

    let snapshot = request_snapshot("twilio", &only_request(&server).await, &[]);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!("whatsapp_health_check", snapshot));
}

#[tokio::test]
async fn a_suspended_or_closed_account_is_unauthorized() {
    for status in ["suspended", "closed"] {
        let (result, _) =
            health_answered(ResponseTemplate::new(200).set_body_json(account(status)), 1).await;
        assert!(
            matches!(&result, Err(ProviderError::Unauthorized { reason }) if reason.contains(status)),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_account_is_unauthorized() {
    let (result, _) =
        health_answered(error(404, 20404, "The requested resource was not found"), 1).await;
    assert!(
        matches!(&result, Err(ProviderError::Unauthorized { reason }) if reason.contains("TWILIO_ACCOUNT_SID")),
        "{result:?}"
    );
}

#[tokio::test]
async fn refused_credentials_are_unauthorized() {
    let (result, _) = health_answered(error(401, 20003, "Authenticate"), 1).await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_retried_then_unavailable() {
    // A read is safe to repeat: the kit's three attempts are all made.
    let (result, _) = health_answered(error(503, 20503, "Service unavailable"), 3).await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_api_key_replaces_the_account_sid_in_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .and(basic_auth(API_KEY, API_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("active")))
        .expect(1)
        .mount(&server)
        .await;
    let mut with_key = whatsapp_credentials();
    with_key.api_key_sid = Some(API_KEY.into());
    with_key.api_key_secret = Some(API_SECRET.into());
    let result = channel_for(&server, &with_key).health_check().await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn from_credentials_calls_the_configured_api_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("active")))
        .expect(1)
        .mount(&server)
        .await;
    let mut configured = whatsapp_credentials();
    configured.api_base_url = Some(server.uri());
    let channel = TwilioWhatsApp::from_credentials(&configured).unwrap();
    assert!(channel.health_check().await.is_ok());
}

#[test]
fn the_default_api_base_url_is_twilios_core_api() {
    assert_eq!(DEFAULT_API_BASE_URL, "https://api.twilio.com");
    let channel = TwilioWhatsApp::from_credentials(&whatsapp_credentials()).unwrap();
    assert!(format!("{channel:?}").contains("https://api.twilio.com"));
}

#[test]
fn credentials_without_a_whatsapp_sender_are_refused() {
    let result = TwilioWhatsApp::from_credentials(&credentials());
    assert!(
        matches!(&result, Err(ProviderError::Unauthorized { reason })
            if reason.contains("TWILIO_WHATSAPP_FROM") && reason.contains("TWILIO_MESSAGING_SERVICE_SID")),
        "{result:?}"
    );
}

#[test]
fn invalid_credentials_are_refused_at_construction() {
    let mut bad = whatsapp_credentials();
    bad.whatsapp_from = Some("whatsapp:+14155238886".into());
    let result = TwilioWhatsApp::from_credentials(&bad);
    assert!(
        matches!(&result, Err(ProviderError::Unauthorized { reason }) if reason.contains("whatsapp_from")),
        "{result:?}"
    );
}

#[test]
fn the_channel_never_shows_its_secret() {
    let channel = TwilioWhatsApp::from_credentials(&whatsapp_credentials()).unwrap();
    let shown = format!("{channel:?}");
    assert!(!shown.contains(AUTH_TOKEN), "{shown}");
    assert!(shown.contains("whatsapp:+14155238886"), "{shown}");
}
