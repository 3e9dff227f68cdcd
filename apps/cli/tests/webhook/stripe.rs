//! Stripe: the official stripe-dotnet vector through `webhook verify`, and `webhook send`
//! verified by `onramp_stripe::webhook::verify`.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    MISMATCH, NOW, Verify, assert_invalid, assert_valid, received, secret, send, send_args, stderr,
};

/// stripe/stripe-dotnet EventUtilityTest.cs: its body file (stored byte for byte by the Stripe
/// adapter), secret, timestamp and `v1` signature (PROVIDERS.md section 1, "Webhooks").
pub(super) const STRIPE_EVENT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../adapters/stripe/tests/fixtures/event_test_signature.json"
));
pub(super) const STRIPE_SECRET: &str = "webhook_secret";
pub(super) const STRIPE_T: i64 = 1_533_204_620;
const STRIPE_SIGNATURE: &str =
    "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7";

pub(super) fn stripe<'a>(body: &'a [u8], key: &str, now: i64) -> Verify<'a> {
    Verify {
        provider: "stripe",
        credentials: secret(key),
        url: None,
        headers: vec![("Stripe-Signature".into(), STRIPE_SIGNATURE.into())],
        body,
        now,
    }
}

#[test]
fn the_stripe_dotnet_vector_verifies_at_its_timestamp() {
    assert_valid(&stripe(STRIPE_EVENT, STRIPE_SECRET, STRIPE_T).run("stripe-valid"));
}

#[test]
fn a_tampered_stripe_body_is_invalid() {
    let tampered = String::from_utf8_lossy(STRIPE_EVENT).replace("evt_123", "evt_124");
    let o = stripe(tampered.as_bytes(), STRIPE_SECRET, STRIPE_T).run("stripe-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_stripe_body_is_invalid_under_another_secret() {
    let o = stripe(STRIPE_EVENT, "whsec_another", STRIPE_T).run("stripe-wrong");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_stripe_signature_older_than_five_minutes_is_invalid() {
    let o = stripe(STRIPE_EVENT, STRIPE_SECRET, STRIPE_T + 301).run("stripe-stale");
    assert_invalid(
        &o,
        "timestamp outside the tolerance window (-301 s from now)",
    );
}

#[test]
fn stripe_without_a_secret_is_a_usage_error() {
    let mut v = stripe(STRIPE_EVENT, STRIPE_SECRET, STRIPE_T);
    v.credentials.clear();
    let o = v.run("stripe-without-secret");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--secret is required with --provider stripe"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn a_sent_stripe_event_carries_a_signature_the_stripe_verifier_accepts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/stripe"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut args = send_args("stripe", "send-stripe", STRIPE_EVENT, &server.uri());
    args.extend(["--now".into(), NOW.to_string()]);
    let env = vec![("STRIPE_WEBHOOK_SECRET", "whsec_onramp_test".to_string())];

    let o = send(args, env).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    assert_eq!(&request.body[..], STRIPE_EVENT);
    assert_eq!(request.headers["content-type"], "application/json");
    let signature = request.headers["stripe-signature"].to_str().expect("ASCII");
    assert!(
        signature.starts_with(&format!("t={NOW},v1=")),
        "{signature}"
    );
    onramp_stripe::webhook::verify(&request, "whsec_onramp_test", NOW).expect("verifies");
    assert!(onramp_stripe::webhook::verify(&request, "whsec_another", NOW).is_err());
}
