//! The HMAC scheme (Conversation API): the Java and .NET SDKs' vectors, and every way a
//! request can be refused.

use super::*;

/// sinch/sinch-sdk-java client/src/test/java/com/sinch/sdk/auth/HmacAuthenticationValidationTest.java
mod java_hmac {
    pub const SECRET: &str = "foo_secret1234";
    pub const NONCE: &str = "01FJA8B4A7BM43YGWSG9GBV067";
    pub const TIMESTAMP: &str = "1634579353";
    pub const NOW: i64 = 1_634_579_353;
    pub const SIGNATURE: &str = "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=";
    pub const BODY: &str = concat!(
        r#"{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New"#,
        " Test",
        r#" Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}"#
    );
}

fn java_hmac_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        (webhook::SIGNATURE_HEADER, java_hmac::SIGNATURE),
        (webhook::ALGORITHM_HEADER, "HmacSHA256"),
        (webhook::NONCE_HEADER, java_hmac::NONCE),
        (webhook::SIGNATURE_TIMESTAMP_HEADER, java_hmac::TIMESTAMP),
    ]
}

fn java_hmac_request_without(header: &str) -> WebhookRequest {
    let headers: Vec<_> = java_hmac_headers()
        .into_iter()
        .filter(|(name, _)| *name != header)
        .collect();
    request(
        "POST",
        "https://example.com/hooks/sinch",
        &headers,
        java_hmac::BODY.as_bytes(),
    )
}

fn java_hmac_request() -> WebhookRequest {
    java_hmac_request_without("none")
}

#[test]
fn the_java_sdk_hmac_vector_verifies() {
    assert_eq!(
        webhook::verify(&java_hmac_request(), java_hmac::SECRET, java_hmac::NOW),
        Ok(())
    );
}

/// sinch/sinch-sdk-dotnet tests/Sinch.Tests/Conversation/Webhooks/WebhooksTests.cs (secret
/// `foo_secret1234`, body tests/Sinch.Tests/Resources/Conversation/Hooks/WebhooksAuthValidation.json
/// copied byte for byte into tests/fixtures).
pub(crate) const DOTNET_BODY: &[u8] =
    include_bytes!("../fixtures/conversation_webhooks_auth_validation.json");
const DOTNET_SIGNATURE: &str = "wKmZBGo4Cf+y9cZoPHhiVw6ziKeubLGqN4OdG8jlaPo=";

pub(crate) fn dotnet_request(with_algorithm: bool) -> WebhookRequest {
    let mut headers = vec![
        (webhook::NONCE_HEADER, "01FJA8B4A7BM43YGWSG9GBV067"),
        (webhook::SIGNATURE_TIMESTAMP_HEADER, "1634579353"),
        (webhook::SIGNATURE_HEADER, DOTNET_SIGNATURE),
    ];
    if with_algorithm {
        headers.push((webhook::ALGORITHM_HEADER, "HmacSHA256"));
    }
    request(
        "POST",
        "https://example.com/hooks/sinch",
        &headers,
        DOTNET_BODY,
    )
}

#[test]
fn the_dotnet_sdk_multi_line_vector_verifies() {
    assert_eq!(
        webhook::verify(&dotnet_request(true), "foo_secret1234", 1_634_579_353),
        Ok(())
    );
}

#[test]
fn the_algorithm_header_may_be_absent_as_in_the_dotnet_sdk() {
    assert_eq!(
        webhook::verify(&dotnet_request(false), "foo_secret1234", 1_634_579_353),
        Ok(())
    );
}

#[test]
fn a_wrong_webhook_secret_is_refused() {
    // WebhooksTests.cs: "wrong_secret"; HmacAuthenticationValidationTest.java: "not expected secret".
    assert_eq!(
        webhook::verify(&dotnet_request(true), "wrong_secret", 1_634_579_353),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify(&java_hmac_request(), "not expected secret", java_hmac::NOW),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_tampered_body_is_refused() {
    let mut tampered = java_hmac_request();
    tampered.body = b"not expected body".to_vec().into();
    assert_eq!(
        webhook::verify(&tampered, java_hmac::SECRET, java_hmac::NOW),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_request_without_any_signature_header_is_refused() {
    let request = java_hmac_request_without(webhook::SIGNATURE_HEADER);
    assert_eq!(
        webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW),
        Err(SignatureError::MissingHeader(webhook::SIGNATURE_HEADER))
    );
}

#[test]
fn a_missing_nonce_or_timestamp_is_refused() {
    for header in [webhook::NONCE_HEADER, webhook::SIGNATURE_TIMESTAMP_HEADER] {
        let request = java_hmac_request_without(header);
        assert!(
            matches!(
                webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW),
                Err(SignatureError::MissingHeader(h)) if h == header
            ),
            "{header}"
        );
    }
}

#[test]
fn an_empty_webhook_secret_is_refused() {
    assert!(matches!(
        webhook::verify(&java_hmac_request(), "", java_hmac::NOW),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn malformed_hmac_headers_are_refused() {
    let cases = [
        (webhook::SIGNATURE_TIMESTAMP_HEADER, "yesterday"),
        (webhook::SIGNATURE_HEADER, "not base64 at all!"),
        (webhook::ALGORITHM_HEADER, "HmacSHA1"),
    ];
    for (header, value) in cases {
        let mut request = java_hmac_request();
        request.headers.insert(
            HeaderName::from_static(header),
            HeaderValue::from_static(value),
        );
        assert!(
            matches!(
                webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW),
                Err(SignatureError::MalformedHeader { name, .. }) if name == header
            ),
            "{header}: {value}"
        );
    }
}

#[test]
fn a_stale_or_future_hmac_timestamp_is_refused() {
    let request = java_hmac_request();
    assert_eq!(
        webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW + 301),
        Err(SignatureError::Stale { age_seconds: -301 })
    );
    assert_eq!(
        webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW - 301),
        Err(SignatureError::Stale { age_seconds: 301 })
    );
    assert_eq!(
        webhook::verify(&request, java_hmac::SECRET, java_hmac::NOW + 300),
        Ok(())
    );
}
