//! The health probe and the credentials: Sinch's own 404 on the probe's reference means healthy,
//! a foreign 404 or refused credentials do not; the credentials' base URL is used, and malformed
//! credentials are refused up front.

use onramp_domain::ports::{ProviderError, ProviderId, VerificationSender};
use onramp_provider_kit::testing::SenderFixture;
use onramp_sinch::SinchVerification;
use secrecy::SecretString;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{Sinch, credentials, sender};

#[tokio::test]
async fn sinch_not_found_on_the_probe_means_healthy() {
    let server = MockServer::start().await;
    Sinch.mount_health(&server, Sinch.health_ok()).await;
    sender(&server.uri()).health_check().await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.body.is_empty());
    assert!(request.headers.get("content-type").is_none());
}

#[tokio::test]
async fn a_foreign_not_found_on_the_probe_is_not_healthy() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let error = sender(&server.uri()).health_check().await.unwrap_err();
    assert!(matches!(error, ProviderError::Unexpected(_)), "{error:?}");
}

#[tokio::test]
async fn refused_credentials_fail_the_probe() {
    let server = MockServer::start().await;
    Sinch.mount_health(&server, Sinch.unauthorized()).await;
    let error = sender(&server.uri()).health_check().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unauthorized { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn from_credentials_uses_their_base_url() {
    let server = MockServer::start().await;
    Sinch.mount_health(&server, Sinch.health_ok()).await;
    let sender = SinchVerification::from_credentials(&credentials(Some(&server.uri()))).unwrap();
    assert_eq!(sender.provider(), ProviderId::Sinch);
    sender.health_check().await.unwrap();
}

#[test]
fn malformed_credentials_are_refused_up_front() {
    let mut bad = credentials(None);
    bad.application_secret = SecretString::from("not base64!");
    assert!(matches!(
        SinchVerification::from_credentials(&bad),
        Err(ProviderError::Unauthorized { .. })
    ));
    assert_eq!(
        SinchVerification::DEFAULT_BASE_URL,
        "https://verification.api.sinch.com"
    );
}
