//! The business token: a code exchanged for it (a spent or expired code refused, never retried,
//! an empty code never sent), and its refresh with `fb_exchange_token` (retried after a 5xx,
//! refused once expired).

use std::time::Duration;

use onramp_domain::ports::{ClearSecret, EmbeddedSignup, ProviderError};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{business_token, mount, rejected_code, signup};
use crate::common::*;

const TOKEN_PATH: &str = "/v23.0/oauth/access_token";
const CODE: &str = "AQBx-single-use-code-from-FB.login";

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
