//! Twilio Verify as the contract tests see it: credentials, a fast sender, and answers shaped
//! like the real API (the examples of `../shared/provider-specs/twilio.json`; error bodies
//! `{code, message, more_info, status}` of <https://www.twilio.com/docs/api/errors/60200> and
//! the pages of the other codes).

use std::path::PathBuf;
use std::time::Duration;

use onramp_domain::verification::Channel;
use onramp_provider_kit::http::HttpSettings;
use onramp_twilio::{TwilioCredentials, TwilioVerify};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const AUTH_TOKEN: &str = "test-auth-token-0123456789abcdef";
pub const SERVICE_SID: &str = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const VERIFICATION_SID: &str = "VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const API_KEY: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const API_SECRET: &str = "test-api-secret";

pub fn credentials() -> TwilioCredentials {
    TwilioCredentials {
        account_sid: ACCOUNT_SID.into(),
        auth_token: AUTH_TOKEN.into(),
        verify_service_sid: SERVICE_SID.into(),
        api_key_sid: None,
        api_key_secret: None,
        base_url: None,
        api_base_url: None,
        whatsapp_from: None,
        messaging_service_sid: None,
        status_callback_url: None,
    }
}

pub fn fast_settings(base_url: &str) -> HttpSettings {
    let mut settings = HttpSettings::parse(base_url).unwrap();
    settings.timeout = Duration::from_millis(400);
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    settings
}

pub fn sender_for(server: &MockServer, credentials: &TwilioCredentials) -> TwilioVerify {
    TwilioVerify::new(credentials, fast_settings(&server.uri())).unwrap()
}

pub fn verifications_path() -> String {
    format!("/v2/Services/{SERVICE_SID}/Verifications")
}

pub fn check_path() -> String {
    format!("/v2/Services/{SERVICE_SID}/VerificationCheck")
}

/// The spec's `createVerification` example, for `channel`.
pub fn verification(channel: &str) -> Value {
    json!({
        "sid": VERIFICATION_SID,
        "service_sid": SERVICE_SID,
        "account_sid": ACCOUNT_SID,
        "to": "+14155550123",
        "channel": channel,
        "status": "pending",
        "valid": false,
        "date_created": "2015-07-30T20:00:00Z",
        "date_updated": "2015-07-30T20:00:00Z",
        "lookup": {},
        "amount": null,
        "payee": null,
        "send_code_attempts": [
            {"time": "2015-07-30T20:00:00Z", "channel": channel.to_uppercase(), "attempt_sid": "VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
        ],
        "sna": null,
        "url": format!("https://verify.twilio.com/v2/Services/{SERVICE_SID}/Verifications/{VERIFICATION_SID}")
    })
}

/// The spec's `verificationChecks` example with `status` and `valid`.
pub fn verification_check(status: &str, valid: bool) -> Value {
    json!({
        "sid": VERIFICATION_SID,
        "service_sid": SERVICE_SID,
        "account_sid": ACCOUNT_SID,
        "to": "+14155550123",
        "channel": "sms",
        "status": status,
        "valid": valid,
        "amount": null,
        "payee": null,
        "sna_attempts_error_codes": [],
        "date_created": "2015-07-30T20:00:00Z",
        "date_updated": "2015-07-30T20:00:00Z"
    })
}

pub fn error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    }))
}

pub fn twilio_channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "call",
    }
}

pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/provider-specs/twilio.json")
}

pub fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

pub async fn mount_accepting(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(verifications_path()))
        .respond_with(ResponseTemplate::new(201).set_body_json(verification("sms")))
        .expect(1)
        .mount(server)
        .await;
}

pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

pub fn form_of(request: &wiremock::Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
