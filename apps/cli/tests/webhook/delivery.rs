//! `webhook send` for Telnyx and Twilio: what it delivers verifies under the adapters'
//! verifiers, it reads secrets from the environment, and a refused delivery or a missing secret
//! exits as documented.

use super::*;

#[tokio::test]
async fn a_sent_telnyx_event_carries_headers_the_telnyx_verifier_accepts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/telnyx"))
        .respond_with(ResponseTemplate::new(200).set_body_string("accepted"))
        .expect(1)
        .mount(&server)
        .await;
    let mut args = send_args("telnyx", "send-telnyx", TELNYX_EVENT, &server.uri());
    args.extend(["--secret".into(), TELNYX_SEED.into()]);
    args.extend(["--now".into(), NOW.to_string()]);

    let o = send(args, vec![]).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "HTTP 200 OK\naccepted\n");
    let request = received(&server).await;
    assert_eq!(&request.body[..], TELNYX_EVENT);
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(
        request.headers["telnyx-timestamp"],
        NOW.to_string().as_str()
    );
    onramp_telnyx::webhook::verify(&request, TELNYX_PUBLIC_KEY, NOW).expect("verifies");
}

#[tokio::test]
async fn send_reads_the_seed_from_the_environment_and_routes_to_the_tenant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/telnyx/tenant_42"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut args = send_args("telnyx", "send-tenant", TELNYX_EVENT, &server.uri());
    args.extend(["--tenant".into(), "tenant_42".into()]);
    let env = vec![("TELNYX_WEBHOOK_SIGNING_SEED", TELNYX_SEED.to_string())];

    let o = send(args, env).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    let signed_at: i64 = request.headers["telnyx-timestamp"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("Unix seconds");
    onramp_telnyx::webhook::verify(&request, TELNYX_PUBLIC_KEY, signed_at).expect("verifies");
}

#[tokio::test]
async fn a_sent_twilio_json_event_goes_to_the_url_with_its_body_sha256() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/twilio"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let body = br#"[{"id":"EZ1","type":"com.twilio.messaging.message.delivered"}]"#;
    let mut args = send_args("twilio", "send-twilio-json", body, &server.uri());
    args.extend(["--secret".into(), "auth-token-1".into()]);

    let o = send(args, vec![]).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    assert!(request.url.contains("?bodySHA256="), "{}", request.url);
    assert_eq!(request.headers["content-type"], "application/json");
    onramp_twilio::webhook::verify(&request, "auth-token-1", NOW).expect("verifies");
}

#[tokio::test]
async fn a_sent_twilio_form_is_form_encoded_and_verifies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/twilio"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let args = send_args("twilio", "send-twilio-form", TWILIO_FORM, &server.uri());
    let env = vec![("TWILIO_AUTH_TOKEN", "auth-token-1".to_string())];

    let o = send(args, env).await;

    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let request = received(&server).await;
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    onramp_twilio::webhook::verify(&request, "auth-token-1", NOW).expect("verifies");
}

#[tokio::test]
async fn a_refused_delivery_exits_1_with_the_status_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks/sinch"))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad signature"))
        .expect(1)
        .mount(&server)
        .await;
    let mut args = send_args("sinch", "send-sinch-401", SINCH_EVENT, &server.uri());
    args.extend(["--secret".into(), "webhook-secret-1".into()]);

    let o = send(args, vec![]).await;

    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "HTTP 401 Unauthorized\nbad signature\n");
}

#[tokio::test]
async fn send_without_a_secret_is_a_usage_error_naming_the_variable() {
    let args = send_args("sinch", "send-no-secret", SINCH_EVENT, "http://127.0.0.1:9");
    let o = send(args, vec![]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("SINCH_WEBHOOK_SECRET"),
        "{}",
        stderr(&o)
    );
}
