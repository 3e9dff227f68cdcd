//! Offline webhook verification against PayPal's own SDK vectors (see
//! `tests/fixtures/SOURCES.md`), the refusals, and a round trip through [`webhook::sign`] with
//! a key pair generated for these tests.
//!
//! This file holds the vectors, the test key pair and the round trips; `sdk_vectors` holds what
//! the SDK vectors show: each verifies, every tampering is a mismatch, and the refusals.
#![allow(clippy::unwrap_used)]

#[path = "signature/sdk_vectors.rs"]
mod sdk_vectors;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use onramp_paypal::webhook::{self, SignatureError, WebhookRequest};

/// One signed delivery: headers, body, certificate, the registration's id, and a time inside
/// the certificate's validity.
struct Vector {
    transmission_id: &'static str,
    transmission_time: &'static str,
    cert_url: &'static str,
    signature: &'static str,
    algorithm: &'static str,
    webhook_id: &'static str,
    body: &'static [u8],
    certificate: &'static [u8],
    valid_at: i64,
    /// The certificate's notAfter, unix seconds.
    not_after: i64,
}

/// paypal/PayPal-Java-SDK ValidateCertTest.java + clientCertTest.crt.
const JAVA: Vector = Vector {
    transmission_id: "afa30d40-ca4a-11e9-ab68-7d4e2605c70c",
    transmission_time: "2019-08-29T10:49:33Z",
    cert_url: "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
    signature: "K7DF5+hOyGS6v0xTZ9PkEO+BFNQmpryxw2hFlXbHgmxpu+883ldEC9HcL6ccEmB8sfy80y/Q3qcZZL1MR8Qi0e1ysylVj/yROgKK6zBsQPoNmgXC8yTiNoAjULuhk5Aoau0Itk3nrkgAfji1zvADlErMFM9VZe2nDvhM3nDMLjCi/K5fRjWp3eGo6Nx17GX/WIEibeKDyS+YdJMex3i+KO4aWmm9zznC/FJ5Y/ntd0MxOJNrM0r0f3y7c3e3sO5pB3oPgN6KzKVS5P6AWHqtS8acD3DjgCKZ1uqKz7q954G1aBz2/m0wRGOFFsv0/D3FE2uIheRRmoQtVSOAX7Aupg==",
    algorithm: "SHA256withRSA",
    webhook_id: "0FV983392A0531201",
    body: include_bytes!("fixtures/java_sdk_event.json"),
    certificate: include_bytes!("fixtures/java_sdk_cert.pem"),
    valid_at: 1_567_075_773,  // the transmission time
    not_after: 1_621_857_600, // 2021-05-24T12:00:00Z
};

/// The same Java test at an earlier revision, with testClientCert.crt.
const JAVA_2017: Vector = Vector {
    transmission_id: "071f7d20-1584-11e7-abf0-6b62a8a99ac4",
    transmission_time: "2017-03-30T20:04:05Z",
    cert_url: "https://api.sandbox.paypal.com/v1/notifications/test",
    signature: "aBjgm5/xljRYu3G64Q0axISrP2xcy7WbW1u4UTCKnQvyprOZ1a1BBmqn2Jdr6ce8E76I3Ti/AL9y4VYSHyGSEaoE6dVQcCDebLbOXLH0fjTAbTc1/rmfdWmsk0DPltW84Y8W8jOHe3CLWDOwg5zmozyt+AceG2x5eOiw7mLSycaEoj/5RG+dOIWXnmWcLEArbG3VFshy0wuhZrKuGa9C/bD4Ku+Y9gK7Bv5I5IuGRVnTGpcFnVG0KxOyJxccLGyBVCIUMY5IZS7LkmJszQ3HZZFDTNihvgJHECSLwLhzUaysIye5G6CbbLdtAmeeb6wiDciEAvr2dFf+SplOR4Lrng==",
    algorithm: "SHA256withRSA",
    webhook_id: "96605875FF6516633",
    body: include_bytes!("fixtures/java_sdk_2017_event.json"),
    certificate: include_bytes!("fixtures/java_sdk_2017_cert.pem"),
    valid_at: 1_490_904_245,  // the transmission time
    not_after: 1_556_280_000, // 2019-04-26T12:00:00Z
};

/// paypal/PayPal-node-SDK test/notification.js + the certificate of test/mocks/notification.js.
const NODE: Vector = Vector {
    transmission_id: "dfb3be50-fd74-11e4-8bf3-77339302725b",
    transmission_time: "2015-05-18T15:45:13Z",
    cert_url: "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
    signature: "thy4/U002quzxFavHPwbfJGcc46E8rc5jzgyeafWm5mICTBdY/8rl7WJpn8JA0GKA+oDTPsSruqusw+XXg5RLAP7ip53Euh9Xu3UbUhQFX7UgwzE2FeYoY6lyRMiiiQLzy9BvHfIzNIVhPad4KnC339dr6y2l+mN8ALgI4GCdIh3/SoJO5wE64Bh/ueWtt8EVuvsvXfda2Le5a2TrOI9vLEzsm9GS79hAR/5oLexNz8UiZr045Mr5ObroH4w4oNfmkTaDk9Rj0G19uvISs5QzgmBpauKr7Nw++JI0pr/v5mFctQkoWJSGfBGzPRXawrvIIVHQ9Wer48GR2g9ZiApWg==",
    algorithm: "SHA256withRSA",
    webhook_id: "4JH86294D6297924G",
    body: include_bytes!("fixtures/node_sdk_event.json"),
    certificate: include_bytes!("fixtures/node_sdk_cert.pem"),
    valid_at: 1_431_963_913,  // the transmission time
    not_after: 1_490_184_000, // 2017-03-22T12:00:00Z
};

/// paypal/PayPal-Python-SDK test/unit_tests/notifications_test.py: signed with SHA1withRSA by
/// a certificate whose CN is not `*.paypal.com`.
const PYTHON: Vector = Vector {
    transmission_id: "efcfecb0-50a3-11e4-acdb-8d0d8bca8f12",
    transmission_time: "2014-10-10T17:36:16Z",
    cert_url: "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-35c2ed1e-21e9a5d6",
    signature: "mcLeCd3PZXLR2DYFbcgf/Fzjk0wAaQ0+awY7en8J3w+UxlE5nzwIQIgHAup+x7cCrEWKzSLNSdAw9OCXb+0Pg030OEhP6iSEBr3XcTrfNXhrjz9Mbl35fe7qY6eOM4lJy2vRYAGGj9X2zXNI4Ag4wUIZlc03QRCkvAedGOkopuHXCepeVVgCEIaB4NCHgLKgjpmRaj6bRXdz1Odlm0BrG6pb7Fjw3cbhbBrw6twZugD8d/fj3juUU63UFGp77RGTxtMdnnAfHwlAQYSWRxiKxQbrE0PFZyICRcXd7hgluIv+ts/hqho4vVMi9UkRXfJCtaJ6o/tjDZjnO9rjMnu++g==",
    algorithm: "SHA1withRSA",
    webhook_id: "40Y916089Y8324740",
    body: include_bytes!("fixtures/python_sdk_event.json"),
    certificate: include_bytes!("fixtures/python_sdk_cert.pem"),
    valid_at: 1_412_962_576,  // the transmission time
    not_after: 1_469_048_208, // 2016-07-20T20:56:48Z
};

const OFFICIAL: [&Vector; 3] = [&JAVA, &JAVA_2017, &NODE];

const TEST_KEY: &[u8] = include_bytes!("fixtures/test_key.pem");
const TEST_CERT: &[u8] = include_bytes!("fixtures/test_cert.pem");
const TEST_CERT_NOT_PAYPAL: &[u8] = include_bytes!("fixtures/test_cert_not_paypal.pem");
/// 2030-01-01T00:00:00Z, inside the generated certificates' validity.
const IN_2030: i64 = 1_893_456_000;

fn request(headers: &[(&str, &str)], body: &[u8]) -> WebhookRequest {
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

impl Vector {
    /// The delivery as PayPal sent it, header names in PayPal's upper case.
    fn delivery(&self) -> WebhookRequest {
        self.delivery_with(self.body, self.signature)
    }

    fn delivery_with(&self, body: &[u8], signature: &str) -> WebhookRequest {
        request(
            &[
                ("PAYPAL-TRANSMISSION-ID", self.transmission_id),
                ("PAYPAL-TRANSMISSION-TIME", self.transmission_time),
                ("PAYPAL-TRANSMISSION-SIG", signature),
                ("PAYPAL-CERT-URL", self.cert_url),
                ("PAYPAL-AUTH-ALGO", self.algorithm),
            ],
            body,
        )
    }

    fn verify(&self, request: &WebhookRequest, now: i64) -> Result<(), SignatureError> {
        webhook::verify_offline(request, self.webhook_id, self.certificate, now)
    }
}

fn signed_by_test_key(body: &[u8], webhook_id: &str) -> WebhookRequest {
    let headers = webhook::sign(
        body,
        webhook_id,
        "b2384410-f8d2-11e6-8d37-2f6a9b6b7d0c",
        &webhook::transmission_time(IN_2030 - 5).unwrap(),
        TEST_KEY,
        "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-onramp-test",
    )
    .unwrap();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    request(&pairs, body)
}

#[test]
fn sign_makes_the_five_headers_and_verifies_round_trip() {
    let body = include_bytes!("fixtures/events/payment_capture_completed.json");
    let headers = webhook::sign(
        body,
        "1JE4291016473214C",
        "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "2029-12-31T23:59:55Z",
        TEST_KEY,
        "https://api.paypal.com/v1/notifications/certs/CERT-onramp-test",
    )
    .unwrap();
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "paypal-transmission-id",
            "paypal-transmission-time",
            "paypal-transmission-sig",
            "paypal-cert-url",
            "paypal-auth-algo"
        ]
    );
    assert_eq!(headers[4].1, "SHA256withRSA");
    assert_eq!(BASE64.decode(&headers[2].1).unwrap().len(), 256);

    let delivery = signed_by_test_key(body, "1JE4291016473214C");
    assert_eq!(
        webhook::verify_offline(&delivery, "1JE4291016473214C", TEST_CERT, IN_2030),
        Ok(())
    );
    assert_eq!(
        webhook::verify_offline(&delivery, "1JE4291016473214D", TEST_CERT, IN_2030),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify_offline(
            &delivery,
            "1JE4291016473214C",
            JAVA.certificate,
            JAVA.valid_at
        ),
        Err(SignatureError::Mismatch),
        "another key"
    );
}

#[test]
fn a_valid_signature_under_a_certificate_not_issued_to_paypal_is_refused() {
    let delivery = signed_by_test_key(b"{\"id\":\"WH-1\"}", "1JE4291016473214C");
    let result = webhook::verify_offline(
        &delivery,
        "1JE4291016473214C",
        TEST_CERT_NOT_PAYPAL,
        IN_2030,
    );
    assert!(
        matches!(&result, Err(SignatureError::InvalidSecret(m)) if m.contains("example.com")),
        "{result:?}"
    );
}

#[test]
fn an_empty_webhook_id_or_a_bad_certificate_is_an_invalid_secret() {
    let delivery = signed_by_test_key(b"{}", "1JE4291016473214C");
    assert!(matches!(
        webhook::verify_offline(&delivery, " ", TEST_CERT, IN_2030),
        Err(SignatureError::InvalidSecret(_))
    ));
    assert!(matches!(
        webhook::verify_offline(&delivery, "1JE4291016473214C", b"garbage", IN_2030),
        Err(SignatureError::InvalidSecret(_))
    ));
    assert!(matches!(
        webhook::verify_offline(&delivery, "1JE4291016473214C", TEST_KEY, IN_2030),
        Err(SignatureError::InvalidSecret(_))
    ));
}
