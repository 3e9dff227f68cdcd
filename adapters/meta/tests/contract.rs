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
//!
//! This file holds the helpers, the health check and the credentials; `tokens` holds the code
//! exchange and the token refresh, `embedded_signup` the Embedded Signup steps (webhook
//! subscription, credit line, phone registration), `messages` the messages sent.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "contract/embedded_signup.rs"]
mod embedded_signup;
#[path = "contract/messages.rs"]
mod messages;
#[path = "contract/tokens.rs"]
mod tokens;

use common::*;
use onramp_domain::ports::{ClearSecret, ProviderError, WhatsAppMessaging};
use onramp_meta::{MetaGraph, MetaMessaging};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
