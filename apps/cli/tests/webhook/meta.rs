//! Meta: the published `X-Hub-Signature-256` vector through `webhook verify`, forgeries
//! refused, and `webhook send` verified by `onramp_meta::webhook::verify`.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    MISMATCH, NOW, Verify, assert_invalid, assert_valid, received, secret, send, send_args, stderr,
    stdout,
};

/// WhatsApp/WhatsApp-Nodejs-SDK src/__tests__/utils.test.ts, with the app secret of its
/// jest.config.ts (PROVIDERS.md section 6, "Webhooks").
const META_SECRET: &str = "TEST_APP_SECRET";
const META_BODY: &[u8] = b"test";
const META_SIGNATURE: &str =
    "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
/// A `messages` change as Meta delivers it (PROVIDERS.md section 6), for `send`.
const META_EVENT: &[u8] = concat!(
    r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"#,
    r#""field":"messages","value":{"messaging_product":"whatsapp","metadata":{"#,
    r#""display_phone_number":"15550783881","phone_number_id":"106540352242922"},"#,
    r#""messages":[{"from":"12025550150","id":"wamid.HBgLMTIwMjU1NTAxNTAVAgASGBQzQTRB","#,
    r#""timestamp":"1760000000","type":"text","text":{"body":"Hi"}}]}}]}]}"#,
)
.as_bytes();

fn meta<'a>(body: &'a [u8], signature: &str, key: &str) -> Verify<'a> {
    Verify {
        provider: "meta",
        credentials: secret(key),
        url: None,
        headers: vec![("X-Hub-Signature-256".into(), signature.into())],
        body,
        now: NOW,
    }
}

#[test]
fn the_published_meta_vector_verifies() {
    assert_valid(&meta(META_BODY, META_SIGNATURE, META_SECRET).run("meta-valid"));
}

#[test]
fn a_forged_meta_signature_is_invalid() {
    let forged = META_SIGNATURE.replace("0c61", "0c62");
    let o = meta(META_BODY, &forged, META_SECRET).run("meta-forged");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_tampered_meta_body_or_another_secret_is_invalid() {
    let o = meta(b"tesT", META_SIGNATURE, META_SECRET).run("meta-tampered");
    assert_invalid(&o, MISMATCH);
    let o = meta(META_BODY, META_SIGNATURE, "ANOTHER_SECRET").run("meta-wrong-secret");
    assert_invalid(&o, MISMATCH);
}

#[test]
fn a_meta_signature_without_its_prefix_is_malformed() {
    let bare = META_SIGNATURE.trim_start_matches("sha256=");
    let o = meta(META_BODY, bare, META_SECRET).run("meta-no-prefix");
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.starts_with("invalid: "), "{err}");
    assert!(err.contains("x-hub-signature-256"), "{err}");
}

#[tokio::test]
async fn a_sent_meta_event_carries_a_signature_the_meta_verifier_accepts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/meta"))
        .respond_with(ResponseTemplate::new(200).set_body_string("EVENT_RECEIVED"))
        .expect(1)
        .mount(&server)
        .await;
    let args = send_args("meta", "send-meta", META_EVENT, &server.uri());
    let env = vec![("META_APP_SECRET", "app-secret-1".to_string())];

    let o = send(args, env).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "HTTP 200 OK\nEVENT_RECEIVED\n");
    let request = received(&server).await;
    assert_eq!(&request.body[..], META_EVENT);
    assert_eq!(request.headers["content-type"], "application/json");
    let signature = request.headers["x-hub-signature-256"]
        .to_str()
        .expect("ASCII");
    assert_eq!(
        signature,
        onramp_meta::webhook::sign(META_EVENT, "app-secret-1")
    );
    onramp_meta::webhook::verify(&request, "app-secret-1").expect("verifies");
    assert!(onramp_meta::webhook::verify(&request, "app-secret-2").is_err());
}

#[tokio::test]
async fn send_signs_the_published_vector_with_the_secret_given() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/meta/tenant_7"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut args = send_args("meta", "send-meta-vector", META_BODY, &server.uri());
    args.extend(["--tenant".into(), "tenant_7".into()]);
    args.extend(["--secret".into(), META_SECRET.into()]);

    let o = send(args, vec![]).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    assert_eq!(request.headers["x-hub-signature-256"], META_SIGNATURE);
}

#[tokio::test]
async fn meta_send_without_a_secret_is_a_usage_error_naming_the_variable() {
    let args = send_args(
        "meta",
        "send-meta-no-secret",
        META_EVENT,
        "http://127.0.0.1:9",
    );
    let o = send(args, vec![]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("META_APP_SECRET"), "{}", stderr(&o));
}
