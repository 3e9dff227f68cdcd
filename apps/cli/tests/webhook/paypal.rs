//! PayPal: the official PayPal-Java-SDK vector through `webhook verify --cert-file`, and
//! `webhook send` with the adapter's test key pair, verified by
//! `onramp_paypal::webhook::verify_offline` with the matching certificate.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::stripe::{STRIPE_EVENT, STRIPE_SECRET, STRIPE_T, stripe};
use super::{
    MISMATCH, Verify, assert_invalid, assert_valid, received, secret, send, send_args, stderr,
};

/// The PayPal adapter's fixtures (their sources: `SOURCES.md` there).
fn paypal_fixture(name: &str) -> String {
    format!(
        "{}/../../adapters/paypal/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// paypal/PayPal-Java-SDK ValidateCertTest.java: the delivery's body, headers and webhook id;
/// signed by the key of `java_sdk_cert.pem` (CN messageverificationcerts.sandbox.paypal.com,
/// valid 2019-04-02T00:00:00Z to 2021-05-24T12:00:00Z).
const PAYPAL_EVENT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../adapters/paypal/tests/fixtures/java_sdk_event.json"
));
const PAYPAL_WEBHOOK_ID: &str = "0FV983392A0531201";
const PAYPAL_HEADERS: [(&str, &str); 5] = [
    (
        "PAYPAL-TRANSMISSION-ID",
        "afa30d40-ca4a-11e9-ab68-7d4e2605c70c",
    ),
    ("PAYPAL-TRANSMISSION-TIME", "2019-08-29T10:49:33Z"),
    (
        "PAYPAL-TRANSMISSION-SIG",
        "K7DF5+hOyGS6v0xTZ9PkEO+BFNQmpryxw2hFlXbHgmxpu+883ldEC9HcL6ccEmB8sfy80y/Q3qcZZL1MR8Qi0e1ysylVj/yROgKK6zBsQPoNmgXC8yTiNoAjULuhk5Aoau0Itk3nrkgAfji1zvADlErMFM9VZe2nDvhM3nDMLjCi/K5fRjWp3eGo6Nx17GX/WIEibeKDyS+YdJMex3i+KO4aWmm9zznC/FJ5Y/ntd0MxOJNrM0r0f3y7c3e3sO5pB3oPgN6KzKVS5P6AWHqtS8acD3DjgCKZ1uqKz7q954G1aBz2/m0wRGOFFsv0/D3FE2uIheRRmoQtVSOAX7Aupg==",
    ),
    (
        "PAYPAL-CERT-URL",
        "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
    ),
    ("PAYPAL-AUTH-ALGO", "SHA256withRSA"),
];
/// The transmission time, inside the certificate's validity.
const PAYPAL_SIGNED_AT: i64 = 1_567_075_773;
/// The certificate's notBefore and notAfter.
const PAYPAL_CERT_FROM: i64 = 1_554_163_200;
const PAYPAL_CERT_UNTIL: i64 = 1_621_857_600;

fn paypal<'a>(body: &'a [u8], webhook_id: &str, now: i64) -> Verify<'a> {
    let credentials = ["--webhook-id", webhook_id, "--cert-file"]
        .map(String::from)
        .into_iter()
        .chain([paypal_fixture("java_sdk_cert.pem")])
        .collect();
    Verify {
        provider: "paypal",
        credentials,
        url: None,
        headers: PAYPAL_HEADERS.map(|(n, v)| (n.into(), v.into())).to_vec(),
        body,
        now,
    }
}

#[test]
fn the_paypal_java_sdk_vector_verifies_with_its_certificate() {
    let v = paypal(PAYPAL_EVENT, PAYPAL_WEBHOOK_ID, PAYPAL_SIGNED_AT);
    assert_valid(&v.run("paypal-valid"));
    let last_second = Verify {
        now: PAYPAL_CERT_UNTIL,
        ..v
    };
    assert_valid(&last_second.run("paypal-valid-last-second"));
}

#[test]
fn a_paypal_delivery_is_invalid_once_the_certificate_has_expired() {
    let o = paypal(PAYPAL_EVENT, PAYPAL_WEBHOOK_ID, PAYPAL_CERT_UNTIL + 1).run("paypal-expired");
    assert_invalid(
        &o,
        &format!(
            "invalid secret: certificate not valid at {} (valid from {PAYPAL_CERT_FROM} to \
             {PAYPAL_CERT_UNTIL})",
            PAYPAL_CERT_UNTIL + 1
        ),
    );
}

#[test]
fn a_paypal_delivery_is_invalid_for_another_webhook_id() {
    let o = paypal(PAYPAL_EVENT, "96605875FF6516633", PAYPAL_SIGNED_AT).run("paypal-wrong-id");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_tampered_paypal_body_is_invalid() {
    let tampered = String::from_utf8_lossy(PAYPAL_EVENT).replace("PAYMENTS", "PAYMENTZ");
    assert_ne!(tampered.as_bytes(), PAYPAL_EVENT);
    let o = paypal(tampered.as_bytes(), PAYPAL_WEBHOOK_ID, PAYPAL_SIGNED_AT).run("paypal-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn paypal_without_its_webhook_id_or_certificate_is_a_usage_error() {
    let mut v = paypal(PAYPAL_EVENT, PAYPAL_WEBHOOK_ID, PAYPAL_SIGNED_AT);
    let full = v.credentials.clone();
    for (without, expected) in [
        (0, "--webhook-id is required with --provider paypal"),
        (2, "--cert-file is required with --provider paypal"),
    ] {
        v.credentials = full.clone();
        v.credentials.drain(without..without + 2);
        let o = v.run("paypal-usage");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    }
}

#[test]
fn another_schemes_option_is_a_usage_error() {
    let mut v = paypal(PAYPAL_EVENT, PAYPAL_WEBHOOK_ID, PAYPAL_SIGNED_AT);
    v.credentials.extend(secret("whsec_x"));
    let o = v.run("paypal-with-secret");
    assert_eq!(o.status.code(), Some(2));
    let expected =
        "--secret does not apply to --provider paypal; give --webhook-id and --cert-file";
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));

    let mut v = stripe(STRIPE_EVENT, STRIPE_SECRET, STRIPE_T);
    v.credentials
        .extend(["--cert-file".into(), paypal_fixture("java_sdk_cert.pem")]);
    let o = v.run("stripe-with-cert");
    assert_eq!(o.status.code(), Some(2));
    let expected = "--cert-file does not apply to --provider stripe; it is for --provider paypal";
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));
}

/// The key pair generated for the PayPal adapter's tests: `test_cert.pem` (CN
/// messageverificationcerts.sandbox.paypal.com, valid 2026-11-21 to 2046-11-16) holds the
/// public key of `test_key.pem`.
const PAYPAL_TEST_CERT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../adapters/paypal/tests/fixtures/test_cert.pem"
));
/// 2030-01-01T00:00:00Z, inside the test certificate's validity.
const IN_2030: i64 = 1_893_456_000;
const PAYPAL_TEST_CERT_URL: &str =
    "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-onramp-tests";

fn paypal_send_args(name: &str, server: &MockServer) -> Vec<String> {
    let mut args = send_args("paypal", name, PAYPAL_EVENT, &server.uri());
    args.extend(["--key-file".into(), paypal_fixture("test_key.pem")]);
    args.extend(["--cert-url".into(), PAYPAL_TEST_CERT_URL.into()]);
    args
}

async fn paypal_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/paypal"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_sent_paypal_event_verifies_offline_with_the_certificate_of_the_key() {
    let server = paypal_server().await;
    let mut args = paypal_send_args("send-paypal", &server);
    args.extend(["--webhook-id".into(), "8PT597110X687430LKGECATA".into()]);
    args.extend(["--now".into(), IN_2030.to_string()]);

    let o = send(args, vec![]).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    assert_eq!(&request.body[..], PAYPAL_EVENT);
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(
        request.headers["paypal-transmission-time"],
        "2030-01-01T00:00:00Z"
    );
    assert_eq!(request.headers["paypal-cert-url"], PAYPAL_TEST_CERT_URL);
    assert_eq!(request.headers["paypal-auth-algo"], "SHA256withRSA");
    let id = request.headers["paypal-transmission-id"]
        .to_str()
        .expect("ASCII");
    let id = uuid::Uuid::parse_str(id).expect("a UUID");
    assert_eq!(id.get_version_num(), 4);
    let verify = |webhook_id| {
        onramp_paypal::webhook::verify_offline(&request, webhook_id, PAYPAL_TEST_CERT, IN_2030)
    };
    verify("8PT597110X687430LKGECATA").expect("verifies");
    assert!(verify("96605875FF6516633").is_err());
}

#[tokio::test]
async fn a_paypal_send_reads_the_webhook_id_from_the_environment_and_signs_now() {
    let server = paypal_server().await;
    let args = paypal_send_args("send-paypal-env", &server);
    let env = vec![("PAYPAL_WEBHOOK_ID", "WH-FROM-ENV".to_string())];
    let before = std::time::SystemTime::now();

    let o = send(args, env).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    let time = request.headers["paypal-transmission-time"]
        .to_str()
        .expect("ASCII");
    let since = before
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let second = i64::try_from(since.as_secs()).expect("fits");
    let signed_now = [second, second + 1, second + 2]
        .map(|s| onramp_paypal::webhook::transmission_time(s).expect("writable"));
    assert!(signed_now.iter().any(|t| t == time), "{time}");
    onramp_paypal::webhook::verify_offline(&request, "WH-FROM-ENV", PAYPAL_TEST_CERT, IN_2030)
        .expect("verifies");
}

#[tokio::test]
async fn a_paypal_send_without_its_key_or_webhook_id_is_a_usage_error() {
    let server = MockServer::start().await;
    let args = send_args("paypal", "send-paypal-no-key", PAYPAL_EVENT, &server.uri());
    let env = vec![("PAYPAL_WEBHOOK_ID", "WH-FROM-ENV".to_string())];
    let o = send(args.clone(), env).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--key-file is required with --provider paypal"),
        "{}",
        stderr(&o)
    );
    let o = send(args, vec![]).await;
    assert_eq!(o.status.code(), Some(2));
    let expected = "no --webhook-id given and PAYPAL_WEBHOOK_ID is not set";
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}
