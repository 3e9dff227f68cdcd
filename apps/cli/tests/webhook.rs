//! `onramp webhook verify` and `onramp webhook send`, run as the built binary.
//!
//! Bodies are signed with the adapters' own `sign`, or are the providers' official vectors
//! (Stripe, PayPal), so these tests prove that the command line reaches the adapters' verifiers
//! intact (headers, URL, method, raw body, time, certificate) and that what `send` delivers is
//! what the server's verifier accepts. Telnyx, Twilio and Sinch are here; Stripe, PayPal and
//! Meta in `webhook/stripe.rs`, `webhook/paypal.rs` and `webhook/meta.rs`, Onramp's own
//! (Standard Webhooks) in `webhook/onramp.rs`, over the same helpers.
//!
//! This file holds the helpers, `webhook verify` for Telnyx, Twilio and Sinch and the command
//! line; `webhook/delivery.rs` holds `webhook send` for Telnyx and Twilio.

use std::path::PathBuf;
use std::process::{Command, Output};

use onramp_provider_kit::webhook::WebhookRequest;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "webhook/delivery.rs"]
mod delivery;
#[path = "webhook/meta.rs"]
mod meta;
#[path = "webhook/onramp.rs"]
mod onramp;
#[path = "webhook/paypal.rs"]
mod paypal;
#[path = "webhook/stripe.rs"]
mod stripe;

/// The fixed key pair of team-telnyx/telnyx-java's WebhookVerificationTest.kt (PROVIDERS.md
/// section 3 checked them to be consistent).
const TELNYX_SEED: &str = "i1xxSkIuQOY9H8laaRslIoYGTJ1NwBAFdjsQwiwJH04=";
const TELNYX_PUBLIC_KEY: &str = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";
/// A valid Ed25519 public key of another pair (derived from telnyx-php's test seed,
/// PROVIDERS.md section 3).
const OTHER_TELNYX_PUBLIC_KEY: &str = "zsvLiwuv82IVTyG/HmfNrfn9asnyymONBtFeHoAiA6o=";
/// The application key and secret of sinch/sinch-sdk-dotnet's
/// tests/Sinch.Tests/Core/AuthenticationHeaderValidationTests.cs.
const SINCH_APPLICATION: &str = "669E367E-6BBA-48AB-AF15-266871C28135:BeIukql3pTKJ8RGL5zo0DA==";

const NOW: i64 = 1_760_000_000;
const TELNYX_EVENT: &[u8] = concat!(
    r#"{"data":{"event_type":"verify.delivered","id":"3bb6321b-abd5-4d60-8cf8-1e6026bb1c41","#,
    r#""occurred_at":"2025-10-09T08:53:20.000Z","payload":{"#,
    r#""id":"010d9dee-d86d-47d0-8d6c-20c0f95a79ec","delivery_status":"delivered"},"#,
    r#""record_type":"event"},"meta":{"attempt":1}}"#,
)
.as_bytes();
const TWILIO_FORM: &[u8] = b"MessageSid=SM123&MessageStatus=delivered&To=%2B12025550123";
const SINCH_EVENT: &[u8] = concat!(
    r#"{"id":"1234567890","event":"VerificationResultEvent","method":"sms","#,
    r#""status":"SUCCESSFUL","reason":"","identity":{"type":"number","endpoint":"+46700000000"}}"#,
)
.as_bytes();

/// The provider variables `webhook send` falls back to; removed so the host's never leak in.
const SECRET_VARIABLES: [&str; 6] = [
    "TELNYX_WEBHOOK_SIGNING_SEED",
    "TWILIO_AUTH_TOKEN",
    "SINCH_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET",
    "PAYPAL_WEBHOOK_ID",
    "META_APP_SECRET",
];

fn onramp(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onramp"));
    command.args(args).env_remove("ONRAMP_SERVER");
    for name in SECRET_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the onramp binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `body` to a file of its own under the test target directory.
fn body_file(name: &str, body: &[u8]) -> PathBuf {
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("webhook-{name}"));
    std::fs::write(&file, body).expect("the body file is written");
    file
}

fn sign(provider: &str, url: &str, body: &[u8], secret: &str, now: i64) -> Vec<(String, String)> {
    let signed = match provider {
        "telnyx" => onramp_telnyx::webhook::sign(url, body, secret, now),
        "twilio" => onramp_twilio::webhook::sign(url, body, secret, now),
        "sinch" => onramp_sinch::webhook::sign(url, body, secret, now),
        other => panic!("no signer for {other}"),
    };
    signed.expect("the body is signed")
}

/// `--secret VALUE`.
fn secret(value: &str) -> Vec<String> {
    vec!["--secret".into(), value.into()]
}

/// A `webhook verify` invocation.
struct Verify<'a> {
    provider: &'a str,
    /// What to verify with: `--secret ...`, or PayPal's `--webhook-id ... --cert-file ...`.
    credentials: Vec<String>,
    url: Option<&'a str>,
    headers: Vec<(String, String)>,
    body: &'a [u8],
    now: i64,
}

impl Verify<'_> {
    fn run(&self, name: &str) -> Output {
        let file = body_file(name, self.body);
        let mut args: Vec<String> = ["webhook", "verify", "--provider", self.provider]
            .into_iter()
            .map(String::from)
            .collect();
        args.extend(self.credentials.iter().cloned());
        if let Some(url) = self.url {
            args.extend(["--url".into(), url.into()]);
        }
        for (name, value) in &self.headers {
            args.extend(["--header".into(), format!("{name}: {value}")]);
        }
        args.extend(["--body-file".into(), file.display().to_string()]);
        args.extend(["--now".into(), self.now.to_string()]);
        onramp(&args, &[])
    }
}

fn assert_valid(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    assert_eq!(stdout(o), "valid\n");
}

fn assert_invalid(o: &Output, reason: &str) {
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(o));
    assert_eq!(stderr(o), format!("invalid: {reason}\n"));
}

const MISMATCH: &str = "signature does not match";

// ---- Telnyx ----------------------------------------------------------------------------------

fn telnyx<'a>(body: &'a [u8], key: &'a str, now: i64) -> Verify<'a> {
    let url = "https://example.com/webhooks/telnyx";
    Verify {
        provider: "telnyx",
        credentials: secret(key),
        url: None,
        headers: sign("telnyx", url, TELNYX_EVENT, TELNYX_SEED, NOW),
        body,
        now,
    }
}

#[test]
fn a_telnyx_body_signed_with_the_seed_verifies_under_the_public_key() {
    assert_valid(&telnyx(TELNYX_EVENT, TELNYX_PUBLIC_KEY, NOW + 10).run("telnyx-valid"));
}

#[test]
fn a_tampered_telnyx_body_is_invalid() {
    let tampered = String::from_utf8_lossy(TELNYX_EVENT).replace("delivered", "failed");
    let o = telnyx(tampered.as_bytes(), TELNYX_PUBLIC_KEY, NOW).run("telnyx-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_telnyx_body_is_invalid_under_another_public_key() {
    let o = telnyx(TELNYX_EVENT, OTHER_TELNYX_PUBLIC_KEY, NOW).run("telnyx-wrong-key");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_telnyx_signature_older_than_five_minutes_is_invalid() {
    let o = telnyx(TELNYX_EVENT, TELNYX_PUBLIC_KEY, NOW + 301).run("telnyx-stale");
    assert_invalid(
        &o,
        "timestamp outside the tolerance window (-301 s from now)",
    );
}

// ---- Twilio ----------------------------------------------------------------------------------

const TWILIO_URL: &str = "https://example.com/webhooks/twilio?tenant=t1";

fn twilio<'a>(url: &'a str, signed_body: &[u8], body: &'a [u8], token: &'a str) -> Verify<'a> {
    Verify {
        provider: "twilio",
        credentials: secret(token),
        url: Some(url),
        headers: sign("twilio", url, signed_body, "auth-token-1", NOW),
        body,
        now: NOW,
    }
}

#[test]
fn a_twilio_form_callback_signed_with_the_auth_token_verifies() {
    let o = twilio(TWILIO_URL, TWILIO_FORM, TWILIO_FORM, "auth-token-1").run("twilio-valid");
    assert_valid(&o);
}

#[test]
fn a_twilio_json_body_verifies_through_body_sha256_in_the_url() {
    let body = br#"[{"id":"EZ1","type":"com.twilio.messaging.message.delivered"}]"#;
    let url = onramp_twilio::webhook::url_with_body_sha256(TWILIO_URL, body);
    assert_valid(&twilio(&url, body, body, "auth-token-1").run("twilio-json"));
    let tampered = br#"[{"id":"EZ2","type":"com.twilio.messaging.message.delivered"}]"#;
    let o = twilio(&url, body, tampered, "auth-token-1").run("twilio-json-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_tampered_twilio_form_is_invalid() {
    let tampered = b"MessageSid=SM123&MessageStatus=failed&To=%2B12025550123";
    let o = twilio(TWILIO_URL, TWILIO_FORM, tampered, "auth-token-1").run("twilio-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_twilio_callback_is_invalid_under_another_auth_token() {
    let o = twilio(TWILIO_URL, TWILIO_FORM, TWILIO_FORM, "auth-token-2").run("twilio-wrong");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn twilio_without_url_is_a_usage_error() {
    let mut v = twilio(TWILIO_URL, TWILIO_FORM, TWILIO_FORM, "auth-token-1");
    v.url = None;
    let o = v.run("twilio-no-url");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--url"), "{}", stderr(&o));
}

// ---- Sinch -----------------------------------------------------------------------------------

fn sinch<'a>(body: &'a [u8], key: &str, now: i64) -> Verify<'a> {
    Verify {
        provider: "sinch",
        credentials: secret(key),
        url: None,
        headers: sign("sinch", "", SINCH_EVENT, "webhook-secret-1", NOW),
        body,
        now,
    }
}

#[test]
fn a_sinch_body_signed_with_the_webhook_secret_verifies() {
    let o = sinch(SINCH_EVENT, "webhook-secret-1", NOW - 10).run("sinch-valid");
    assert_valid(&o);
}

#[test]
fn a_tampered_sinch_body_is_invalid() {
    let tampered = String::from_utf8_lossy(SINCH_EVENT).replace("SUCCESSFUL", "FAIL");
    let o = sinch(tampered.as_bytes(), "webhook-secret-1", NOW).run("sinch-tampered");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_sinch_body_is_invalid_under_another_webhook_secret() {
    let o = sinch(SINCH_EVENT, "webhook-secret-2", NOW).run("sinch-wrong");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_sinch_signature_older_than_five_minutes_is_invalid() {
    let o = sinch(SINCH_EVENT, "webhook-secret-1", NOW + 301).run("sinch-stale");
    assert_invalid(
        &o,
        "timestamp outside the tolerance window (-301 s from now)",
    );
}

#[test]
fn a_sinch_verification_callback_signed_by_the_application_verifies_with_its_url() {
    let url = "https://example.com/webhooks/sinch";
    let v = Verify {
        provider: "sinch",
        credentials: secret(SINCH_APPLICATION),
        url: Some(url),
        headers: sign("sinch", url, SINCH_EVENT, SINCH_APPLICATION, NOW),
        body: SINCH_EVENT,
        now: NOW,
    };
    assert_valid(&v.run("sinch-application"));
    let elsewhere = Verify {
        url: Some("https://example.com/webhooks/sinch/other"),
        ..v
    };
    assert_invalid(&elsewhere.run("sinch-application-path"), MISMATCH);
    let without_url = Verify {
        url: None,
        ..elsewhere
    };
    let o = without_url.run("sinch-application-no-url");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--url is required"), "{}", stderr(&o));
}

// ---- Command line ----------------------------------------------------------------------------

#[test]
fn a_malformed_header_is_a_usage_error_naming_the_fault() {
    let mut v = telnyx(TELNYX_EVENT, TELNYX_PUBLIC_KEY, NOW);
    v.headers.push(("telnyx-timestamp= 1".into(), "".into()));
    let o = v.run("malformed-header");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--header"), "{err}");
    assert!(err.contains("is not a header name"), "{err}");
    v.headers = vec![("x-sig".into(), "a\u{7}".into())];
    let o = v.run("malformed-header-value");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("visible ASCII"), "{}", stderr(&o));
}

#[test]
fn the_help_documents_each_providers_secret() {
    let args = ["webhook", "verify", "--help"].map(String::from);
    let help = stdout(&onramp(&args, &[]));
    for expected in [
        "32-byte Ed25519 public key",
        "auth token",
        "application_key:base64_application_secret",
        "whsec_",
        "Meta app secret",
        "--webhook-id and --cert-file",
    ] {
        assert!(
            help.contains(expected),
            "{expected:?} missing from:\n{help}"
        );
    }
}

// ---- webhook send ----------------------------------------------------------------------------

/// Runs `onramp webhook send` off the async runtime.
async fn send(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        onramp(&args, &env)
    })
    .await
    .expect("the send command finishes")
}

fn send_args(provider: &str, name: &str, body: &[u8], server: &str) -> Vec<String> {
    let file = body_file(name, body);
    [
        "webhook",
        "send",
        "--provider",
        provider,
        "--server",
        server,
    ]
    .into_iter()
    .map(String::from)
    .chain(["--event".into(), file.display().to_string()])
    .collect()
}

/// The one request `server` received, as a verifier sees it. wiremock records the URL with
/// `localhost` as its host; the verifier gets the address the CLI called, as a server gets
/// its public URL.
async fn received(server: &MockServer) -> WebhookRequest {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1);
    let r = requests.remove(0);
    let query = r.url.query().map(|q| format!("?{q}")).unwrap_or_default();
    WebhookRequest {
        method: r.method.to_string(),
        url: format!("{}{}{query}", server.uri(), r.url.path()),
        headers: r.headers,
        body: r.body.into(),
    }
}
