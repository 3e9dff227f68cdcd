//! What the wiremock tests share: credentials, fast settings, Graph-shaped answers, and the
//! snapshot-plus-conformance check of outbound requests.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use onramp_meta::MetaCredentials;
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::{conformance, request_snapshot};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::{MockServer, Request, ResponseTemplate};

pub const APP_ID: &str = "1234567890123456";
pub const APP_SECRET: &str = "6c3b1d8e2f4a59c0b7e1d2f3a4b5c6d7";
pub const SYSTEM_TOKEN: &str = "EAAJiSystemUserTokenZBZCgWdrTisgMjpFKiZAi1FBBQNO2IqZBAzdZAA16l";
pub const BUSINESS_TOKEN: &str = "EAAAN6tcBzAUBOwtDtTfmZCJ9n3FHpSDcDTH86ekfBusinessToken";
pub const CREDIT_LINE: &str = "1972385232742146";
pub const WABA: &str = "102290129340398";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const OWN_NUMBER_ID: &str = "106540352242933";
pub const WAMID: &str = "wamid.HBgLMTY1MDUxNzY5NDgVAgARGBI4QjI1NDFDMzhFNTVGOTI2NjIA";

/// The query parameters that carry a secret: the app secret, the single-use code, a token.
pub const SECRET_QUERY: [&str; 3] = ["client_secret", "code", "fb_exchange_token"];

pub fn credentials() -> MetaCredentials {
    MetaCredentials {
        app_id: APP_ID.into(),
        app_secret: SecretString::from(APP_SECRET),
        system_user_token: SecretString::from(SYSTEM_TOKEN),
        credit_line_id: Some(CREDIT_LINE.into()),
        graph_version: None,
        base_url: None,
        verify_token: Some(SecretString::from("onramp-verify-7f3a")),
        phone_number_id: Some(OWN_NUMBER_ID.into()),
        credit_currency: None,
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

/// A Graph error answer (the description's `GraphAPIError`).
pub fn graph_error(
    status: u16,
    code: i64,
    subcode: Option<i64>,
    message: &str,
) -> ResponseTemplate {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AXsgnV2Cm3ZMGF3dF_cfYIn"
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    ResponseTemplate::new(status).set_body_json(json!({ "error": error }))
}

/// `{"success": true}`.
pub fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true}))
}

/// The spec every outbound request it describes must conform to.
pub fn spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/provider-specs/meta.json")
}

/// `request` as a snapshot, the authorization header, the secret query parameters and the
/// registration PIN redacted.
pub fn redacted(request: &Request) -> Value {
    redact(request_snapshot("meta", request, &[]))
}

fn redact(mut value: Value) -> Value {
    if let Some(query) = value.get_mut("query").and_then(Value::as_object_mut) {
        for name in SECRET_QUERY {
            if let Some(v) = query.get_mut(name) {
                *v = json!("[redacted]");
            }
        }
    }
    if let Some(pin) = value.get_mut("body").and_then(|b| b.get_mut("pin")) {
        *pin = json!("[redacted]");
    }
    value
}

/// Snapshots `request` as `name` (secrets redacted) after checking it, as sent, against the
/// spec.
pub fn snapshot(name: &str, request: &Request) {
    let sent = request_snapshot("meta", request, &[]);
    if let Err(violations) = conformance::check(&spec(), &sent) {
        panic!("{name} does not conform:\n  {}", violations.join("\n  "));
    }
    store(name, redact(sent));
}

/// Snapshots a request the spec does not describe (the token exchange, the credit line
/// sharing, the health read).
pub fn snapshot_unchecked(name: &str, request: &Request) {
    store(name, redacted(request));
}

fn store(name: &str, value: Value) {
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
