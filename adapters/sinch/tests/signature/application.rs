//! Application signed requests (Verification callbacks): the Java and .NET SDKs' vectors, and
//! every way a request can be refused.

use super::*;

/// sinch/sinch-sdk-java client/src/test/java/com/sinch/sdk/auth/adapters/ApplicationAuthManagerTest.java
mod java_app {
    pub const KEY: &str = "my-key-id";
    /// `Base64.getEncoder().encodeToString("my-key-secret".getBytes(UTF_8))`.
    pub const SECRET: &str = "bXkta2V5LXNlY3JldA==";
    pub const CONTENT_TYPE: &str = "application/json; charset=UTF-8";
    pub const PATH: &str = "/path/pathParamValue";
    pub const PAYLOAD: &str =
        r#"{"identity":{"type":"number","endpoint":"+33444555666"},"method":"sms"}"#;
    pub const TIMESTAMP: &str = "2023-11-22T09:10:11.999Z";
    pub const HASH: &str = "QP3OzQZVzRZAEev6DBLvJkgpiqyZPuXYsc7oyjUV0K8=";
}

fn java_app_secret() -> String {
    format!("{}:{}", java_app::KEY, java_app::SECRET)
}

fn java_app_now() -> i64 {
    datetime!(2023-11-22 09:10:11.999 UTC).unix_timestamp()
}

fn java_app_request(url: &str, overrides: &[(&str, Option<&str>)], body: &str) -> WebhookRequest {
    let authorization = format!("application {}:{}", java_app::KEY, java_app::HASH);
    let mut headers = vec![
        ("authorization", Some(authorization.as_str())),
        ("content-type", Some(java_app::CONTENT_TYPE)),
        ("x-timestamp", Some(java_app::TIMESTAMP)),
    ];
    for (name, value) in overrides {
        headers.retain(|(n, _)| n != name);
        headers.push((name, *value));
    }
    let headers: Vec<(&str, &str)> = headers
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
    request("POST", url, &headers, body.as_bytes())
}

#[test]
fn the_java_sdk_application_vector_signs_and_verifies() {
    let key = ApplicationKey::new(java_app::KEY, java_app::SECRET).unwrap();
    let parts = SignedParts {
        method: "POST",
        content_type: java_app::CONTENT_TYPE,
        timestamp: java_app::TIMESTAMP,
        path: java_app::PATH,
        body: java_app::PAYLOAD.as_bytes(),
    };
    assert_eq!(
        key.authorization(&parts),
        format!("Application {}:{}", java_app::KEY, java_app::HASH)
    );
    let request = java_app_request(java_app::PATH, &[], java_app::PAYLOAD);
    assert_eq!(
        webhook::verify(&request, &java_app_secret(), java_app_now()),
        Ok(())
    );
}

#[test]
fn query_parameters_and_the_host_are_not_signed() {
    for url in [
        "/path/pathParamValue?foo=bar&baz=42",
        "https://callbacks.yourdomain.com/path/pathParamValue",
    ] {
        let request = java_app_request(url, &[], java_app::PAYLOAD);
        assert_eq!(
            webhook::verify(&request, &java_app_secret(), java_app_now()),
            Ok(()),
            "{url}"
        );
    }
}

#[test]
fn every_signed_part_of_the_java_vector_matters() {
    let secret = java_app_secret();
    let now = java_app_now();
    let bad_key = format!("application  a bad key:{}", java_app::HASH);
    let cases: Vec<(&str, WebhookRequest)> = vec![
        (
            "key",
            java_app_request(
                java_app::PATH,
                &[("authorization", Some(&bad_key))],
                java_app::PAYLOAD,
            ),
        ),
        (
            "timestamp",
            java_app_request(
                java_app::PATH,
                &[("x-timestamp", Some("2019-11-03T10:59:41Z"))],
                java_app::PAYLOAD,
            ),
        ),
        (
            "no content type",
            java_app_request(java_app::PATH, &[("content-type", None)], java_app::PAYLOAD),
        ),
        (
            "content type",
            java_app_request(
                java_app::PATH,
                &[("content-type", Some("text/plain"))],
                java_app::PAYLOAD,
            ),
        ),
        (
            "path",
            java_app_request("/not/that/path", &[], java_app::PAYLOAD),
        ),
        (
            "payload",
            java_app_request(java_app::PATH, &[], r#"{"hello":"world"}"#),
        ),
        ("empty payload", java_app_request(java_app::PATH, &[], "")),
    ];
    for (what, request) in cases {
        assert_eq!(
            webhook::verify(&request, &secret, now),
            Err(SignatureError::Mismatch),
            "{what}"
        );
    }
    let mut get = java_app_request(java_app::PATH, &[], java_app::PAYLOAD);
    get.method = "GET".into();
    assert_eq!(
        webhook::verify(&get, &secret, now),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn malformed_authorization_values_are_refused() {
    let values = [
        format!("a bad keyword {}:{}", java_app::KEY, java_app::HASH),
        "application".to_string(),
        format!("application {}:", java_app::KEY),
        format!("application {}:a bad hash value", java_app::KEY),
        format!("application {}", java_app::KEY),
    ];
    for value in values {
        let request = java_app_request(
            java_app::PATH,
            &[("authorization", Some(&value))],
            java_app::PAYLOAD,
        );
        assert!(
            matches!(
                webhook::verify(&request, &java_app_secret(), java_app_now()),
                Err(SignatureError::MalformedHeader {
                    name: "authorization",
                    ..
                })
            ),
            "{value}"
        );
    }
}

#[test]
fn a_missing_or_malformed_x_timestamp_is_refused() {
    let missing = java_app_request(java_app::PATH, &[("x-timestamp", None)], java_app::PAYLOAD);
    assert_eq!(
        webhook::verify(&missing, &java_app_secret(), java_app_now()),
        Err(SignatureError::MissingHeader("x-timestamp"))
    );
    let malformed = java_app_request(
        java_app::PATH,
        &[("x-timestamp", Some("Tuesday"))],
        java_app::PAYLOAD,
    );
    assert!(matches!(
        webhook::verify(&malformed, &java_app_secret(), java_app_now()),
        Err(SignatureError::MalformedHeader {
            name: "x-timestamp",
            ..
        })
    ));
}

#[test]
fn a_stale_application_timestamp_is_refused() {
    let request = java_app_request(java_app::PATH, &[], java_app::PAYLOAD);
    assert_eq!(
        webhook::verify(&request, &java_app_secret(), java_app_now() + 301),
        Err(SignatureError::Stale { age_seconds: -301 })
    );
    assert_eq!(
        webhook::verify(&request, &java_app_secret(), java_app_now() - 301),
        Err(SignatureError::Stale { age_seconds: 301 })
    );
}

#[test]
fn an_application_secret_without_a_key_is_refused() {
    let request = java_app_request(java_app::PATH, &[], java_app::PAYLOAD);
    for secret in [
        "my-key-id",
        ":bXkta2V5LXNlY3JldA==",
        "my-key-id:not base64!",
    ] {
        // A secret without ':' is taken for a webhook secret, which has no Authorization scheme.
        assert!(
            matches!(
                webhook::verify(&request, secret, java_app_now()),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{secret}"
        );
    }
}

/// sinch/sinch-sdk-dotnet tests/Sinch.Tests/Core/AuthenticationHeaderValidationTests.cs (the
/// example of https://developers.sinch.com/docs/voice/api-reference/authentication/callback-signed-request/).
pub(crate) mod dotnet_app {
    pub const SECRET: &str = "669E367E-6BBA-48AB-AF15-266871C28135:BeIukql3pTKJ8RGL5zo0DA==";
    pub const BODY: &str = r#"{"event":"ace","callid":"822aa4b7-05b4-4d83-87c7-1f835ee0b6f6_257","timestamp":"2014-09-24T10:59:41Z","version":1}"#;
    pub const AUTH: &str = "application 669E367E-6BBA-48AB-AF15-266871C28135:Tg6fMyo8mj9pYfWQ9ssbx3Tc1BNC87IEygAfLbJqZb4=";
    pub const URL: &str = "https://callbacks.yourdomain.com/sinch/callback/ace";
    pub const TIMESTAMP: &str = "2014-09-24T10:59:41Z";
}

fn dotnet_app_now() -> i64 {
    datetime!(2014-09-24 10:59:41 UTC).unix_timestamp()
}

fn dotnet_app_request(auth: Option<&str>, timestamp: &str, content_type: &str) -> WebhookRequest {
    let mut headers = vec![("x-timestamp", timestamp), ("content-type", content_type)];
    if let Some(auth) = auth {
        headers.push(("authorization", auth));
    }
    request(
        "POST",
        dotnet_app::URL,
        &headers,
        dotnet_app::BODY.as_bytes(),
    )
}

#[test]
fn the_dotnet_sdk_application_vector_verifies_whatever_the_header_case() {
    let lower = dotnet_app_request(
        Some(dotnet_app::AUTH),
        dotnet_app::TIMESTAMP,
        "application/json",
    );
    assert_eq!(
        webhook::verify(&lower, dotnet_app::SECRET, dotnet_app_now()),
        Ok(())
    );
    let upper = request(
        "post",
        dotnet_app::URL,
        &[
            ("X-TIMESTAMP", dotnet_app::TIMESTAMP),
            ("CONTENT-TYPE", "application/json"),
            ("AUTHORIZATION", dotnet_app::AUTH),
        ],
        dotnet_app::BODY.as_bytes(),
    );
    assert_eq!(
        webhook::verify(&upper, dotnet_app::SECRET, dotnet_app_now()),
        Ok(())
    );
}

#[test]
fn the_dotnet_sdk_negative_cases_are_refused() {
    let now = dotnet_app_now();
    let wrong = "application 669E367E-6BBA-48AB-AF15-266871C28135:bdJO/XUVvIsb5SlZAKmvfw==";
    assert_eq!(
        webhook::verify(
            &dotnet_app_request(Some(wrong), dotnet_app::TIMESTAMP, "application/json"),
            dotnet_app::SECRET,
            now
        ),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify(
            &dotnet_app_request(None, dotnet_app::TIMESTAMP, "application/json"),
            dotnet_app::SECRET,
            now
        ),
        Err(SignatureError::MissingHeader("authorization"))
    );
    assert_eq!(
        webhook::verify(
            &dotnet_app_request(
                Some(dotnet_app::AUTH),
                "2019-11-03T10:59:41Z",
                "application/json"
            ),
            dotnet_app::SECRET,
            now
        ),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify(
            &dotnet_app_request(Some(dotnet_app::AUTH), dotnet_app::TIMESTAMP, "text/html"),
            dotnet_app::SECRET,
            now
        ),
        Err(SignatureError::Mismatch)
    );
    let not_application = "authorization 669E367E-6BBA-48AB-AF15-266871C28135:Tg6fMyo8mj9pYfWQ9ssbx3Tc1BNC87IEygAfLbJqZb4=";
    assert!(matches!(
        webhook::verify(
            &dotnet_app_request(
                Some(not_application),
                dotnet_app::TIMESTAMP,
                "application/json"
            ),
            dotnet_app::SECRET,
            now
        ),
        Err(SignatureError::MalformedHeader {
            name: "authorization",
            ..
        })
    ));
    let mut other_path = dotnet_app_request(
        Some(dotnet_app::AUTH),
        dotnet_app::TIMESTAMP,
        "application/json",
    );
    other_path.url = "https://callbacks.yourdomain.com/not/that/path".into();
    assert_eq!(
        webhook::verify(&other_path, dotnet_app::SECRET, now),
        Err(SignatureError::Mismatch)
    );
}
