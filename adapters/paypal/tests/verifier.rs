//! `PaypalWebhookVerifier` against a wiremock PayPal: certificate URLs off PayPal's hosts are
//! refused without a request, certificates are fetched once and cached, and online mode asks
//! `POST /v1/notifications/verify-webhook-signature` (request snapshotted and checked against
//! `../shared/provider-specs/paypal.json`).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use onramp_paypal::WebhookVerification;
use onramp_paypal::webhook::{self, PaypalWebhookVerifier, SignatureError, WebhookRequest};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEST_KEY: &[u8] = include_bytes!("fixtures/test_key.pem");
const TEST_CERT: &[u8] = include_bytes!("fixtures/test_cert.pem");
const EVENT: &[u8] = include_bytes!("fixtures/events/payment_capture_completed.json");
/// 2030-01-01T00:00:00Z, inside the generated certificate's validity.
const IN_2030: i64 = 1_893_456_000;
const CERT_PATH: &str = "/v1/notifications/certs/CERT-360caa42-fca2a594-onramp";

fn signed(body: &[u8], cert_url: &str) -> WebhookRequest {
    let headers = webhook::sign(
        body,
        WEBHOOK_ID,
        "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "2029-12-31T23:59:55Z",
        TEST_KEY,
        cert_url,
    )
    .unwrap();
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    WebhookRequest {
        method: "POST".into(),
        url: "https://onramp.example/webhooks/paypal".into(),
        headers: map,
        body: body.to_vec().into(),
    }
}

fn offline(server: &MockServer) -> PaypalWebhookVerifier {
    PaypalWebhookVerifier::new(&credentials(), fast_settings(server)).unwrap()
}

fn online(server: &MockServer) -> PaypalWebhookVerifier {
    let mut credentials = credentials();
    credentials.webhook_verification = Some(WebhookVerification::Online);
    PaypalWebhookVerifier::new(&credentials, fast_settings(server)).unwrap()
}

/// `host:port` of the mock server.
fn host_port(server: &MockServer) -> String {
    server.address().to_string()
}

async fn mount_certificate(server: &MockServer, times: u64) {
    Mock::given(method("GET"))
        .and(path(CERT_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(TEST_CERT)
                .insert_header("content-type", "application/x-pem-file"),
        )
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_certificate_url_off_paypals_hosts_is_refused_without_a_request() {
    let server = MockServer::start().await;
    mount_certificate(&server, 0).await;
    let verifier = offline(&server);
    for cert_url in [
        format!("{}{CERT_PATH}", server.uri()),
        format!("https://{}{CERT_PATH}", host_port(&server)),
        "https://api.paypal.com.attacker.example/cert".to_string(),
        "http://api.paypal.com/v1/notifications/certs/CERT-1".to_string(),
    ] {
        let result = verifier.verify(&signed(EVENT, &cert_url), IN_2030).await;
        assert!(
            matches!(
                result,
                Err(SignatureError::MalformedHeader {
                    name: "paypal-cert-url",
                    ..
                })
            ),
            "{cert_url}: {result:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_certificate_is_fetched_once_for_two_verifications() {
    let server = MockServer::start().await;
    mount_certificate(&server, 1).await;
    let verifier = offline(&server).allow_cert_host_for_tests(&host_port(&server));
    let cert_url = format!("{}{CERT_PATH}", server.uri());
    let first = signed(EVENT, &cert_url);
    let second = signed(
        br#"{"id":"WH-2","event_type":"PAYMENT.CAPTURE.PENDING"}"#,
        &cert_url,
    );
    assert_eq!(verifier.verify(&first, IN_2030).await, Ok(()));
    assert_eq!(verifier.verify(&second, IN_2030).await, Ok(()));
    let mut tampered = signed(EVENT, &cert_url);
    tampered.body = br#"{"id":"WH-3"}"#.to_vec().into();
    assert_eq!(
        verifier.verify(&tampered, IN_2030).await,
        Err(SignatureError::Mismatch)
    );
}

#[tokio::test]
async fn a_certificate_that_cannot_be_fetched_is_an_invalid_secret() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CERT_PATH))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "name": "RESOURCE_NOT_FOUND", "message": "The specified resource does not exist.",
            "debug_id": "b5a1c3f0d2e11"
        })))
        .mount(&server)
        .await;
    let verifier = offline(&server).allow_cert_host_for_tests(&host_port(&server));
    let result = verifier
        .verify(
            &signed(EVENT, &format!("{}{CERT_PATH}", server.uri())),
            IN_2030,
        )
        .await;
    assert!(
        matches!(&result, Err(SignatureError::InvalidSecret(m)) if m.contains("could not be fetched")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_missing_certificate_url_is_named() {
    let server = MockServer::start().await;
    let mut request = signed(EVENT, "https://api.paypal.com/cert");
    request.headers.remove("paypal-cert-url");
    assert_eq!(
        offline(&server).verify(&request, IN_2030).await,
        Err(SignatureError::MissingHeader("paypal-cert-url"))
    );
}

async fn mount_verify(server: &MockServer, status: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v1/notifications/verify-webhook-signature"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_partial_json(json!({
            "auth_algo": "SHA256withRSA",
            "webhook_id": WEBHOOK_ID,
            "transmission_id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
            "transmission_time": "2029-12-31T23:59:55Z",
            "cert_url": "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-b0d12406"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"verification_status": status})))
        .expect(times)
        .mount(server)
        .await;
}

const LIVE_CERT_URL: &str =
    "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-b0d12406";

#[tokio::test]
async fn online_mode_accepts_what_paypal_calls_success() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_verify(&server, "SUCCESS", 1).await;
    let verifier = online(&server);
    assert_eq!(verifier.mode(), WebhookVerification::Online);
    assert_eq!(
        verifier.verify(&signed(EVENT, LIVE_CERT_URL), 0).await,
        Ok(())
    );
    let request = &received_on(&server, "/v1/notifications/verify-webhook-signature").await[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    let event: serde_json::Value = serde_json::from_slice(EVENT).unwrap();
    assert_eq!(body["webhook_event"], event);
    // The delivery's bytes are embedded as they came, not re-serialised.
    let text = String::from_utf8(request.body.clone()).unwrap();
    assert!(text.contains(std::str::from_utf8(EVENT).unwrap()));
    snapshot("verify_webhook_signature", request);
}

#[tokio::test]
async fn online_mode_refuses_what_paypal_calls_failure() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    mount_verify(&server, "FAILURE", 1).await;
    assert_eq!(
        online(&server)
            .verify(&signed(EVENT, LIVE_CERT_URL), 0)
            .await,
        Err(SignatureError::Mismatch)
    );
}

#[tokio::test]
async fn online_mode_refuses_a_body_that_is_not_json_without_asking() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 0).await;
    mount_verify(&server, "SUCCESS", 0).await;
    assert_eq!(
        online(&server)
            .verify(&signed(b"not json", LIVE_CERT_URL), 0)
            .await,
        Err(SignatureError::Mismatch)
    );
}

#[tokio::test]
async fn online_mode_reports_paypal_unreachable_as_an_invalid_secret() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(TOKEN, 32400), 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/notifications/verify-webhook-signature"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let result = online(&server)
        .verify(&signed(EVENT, LIVE_CERT_URL), 0)
        .await;
    assert!(
        matches!(result, Err(SignatureError::InvalidSecret(_))),
        "{result:?}"
    );
}
