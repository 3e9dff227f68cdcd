//! What the wiremock tests share: credentials, fast settings, PayPal-shaped answers, and the
//! snapshot-plus-conformance check of outbound requests.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use onramp_paypal::PaypalCredentials;
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::{conformance, request_snapshot};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const CLIENT_ID: &str =
    "AeA1QIZXiflr1_-r0U2UbWTziOWX1GRQer5jkUq4ZfWT5qwb6qQRPq7jDtv57TL4POEEezGLdutcxnkJ";
pub const CLIENT_SECRET: &str = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL";
pub const TOKEN: &str = "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg";
pub const WEBHOOK_ID: &str = "1JE4291016473214C";

pub fn credentials() -> PaypalCredentials {
    PaypalCredentials {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.to_string().into(),
        webhook_id: Some(WEBHOOK_ID.into()),
        webhook_verification: None,
        base_url: None,
    }
}

/// The mock server as the base URL, with short timeouts and backoff.
pub fn fast_settings(server: &MockServer) -> HttpSettings {
    let mut settings = HttpSettings::parse(&server.uri()).unwrap();
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    settings
}

/// `Basic base64(client_id:client_secret)`.
pub fn basic_auth() -> String {
    format!(
        "Basic {}",
        BASE64.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    )
}

/// A token answer as PayPal sends it (paypal/PayPal-node-SDK test/mocks/notification.js, with
/// the `nonce` PayPal adds today).
pub fn token_answer(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/applications/webhooks openid",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": expires_in,
        "nonce": "2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg"
    }))
}

/// Mounts the token endpoint answering `answer`, expected `times` times.
pub async fn mount_token(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .and(header("authorization", basic_auth().as_str()))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

/// PayPal's `error` body with one detail, as the Orders API answers it.
pub fn paypal_error(status: u16, name: &str, issue: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "name": name,
        "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",
        "debug_id": "f3391198e4dae",
        "details": [{"issue": issue, "description": description}],
        "links": [{
            "href": format!("https://developer.paypal.com/docs/api/orders/v2/#error-{issue}"),
            "rel": "information_link",
            "method": "GET"
        }]
    }))
}

/// The 401 the REST APIs answer to an expired or revoked token.
pub fn authentication_failure() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "name": "AUTHENTICATION_FAILURE",
        "message": "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
        "links": [{"href": "https://developer.paypal.com/docs/api/overview/#error", "rel": "information_link"}]
    }))
}

/// The spec every outbound request must conform to.
pub fn spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/provider-specs/paypal.json")
}

/// Snapshots `request` as `name` (authorization redacted) after checking it against the spec.
pub fn snapshot(name: &str, request: &Request) {
    let value = request_snapshot("paypal", request, &[]);
    if let Err(violations) = conformance::check(&spec(), &value) {
        panic!("{name} does not conform:\n  {}", violations.join("\n  "));
    }
    snapshot_unchecked(name, value);
}

/// Snapshots a request the spec does not describe (the token endpoint is only named as the
/// OAuth2 `tokenUrl` of its security schemes).
pub fn snapshot_unchecked(name: &str, value: serde_json::Value) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

/// The requests `server` received on `request_path`.
pub async fn received_on(server: &MockServer, request_path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == request_path)
        .collect()
}
