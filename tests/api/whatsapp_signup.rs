//! Issue 5, "Done when" 1: the Embedded Signup saga against a wiremock Meta Graph API. The server
//! is killed while the credit line cannot be shared; a new server on the same database resumes
//! at that step and repeats none that were done (P-WABA-1). A stale code is never exchanged
//! (P-WABA-2). The business token and the PIN appear in clear in neither the database nor the
//! logs (P-WABA-3).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use onramp_server::settings::Settings;
use onramp_tests::{TestApp, backends, captured_logs, restart_app_with, spawn_app_with};

use crate::{assert_problem, id_of};

const WABA: &str = "102290129340398";
const PHONE_NUMBER: &str = "106540352242922";
const BUSINESS: &str = "5566778899";
const CREDIT_LINE: &str = "1972385232742146";
const BUSINESS_TOKEN: &str = "EAAGbusinessTokenNeverInClear0123456789";

fn meta(settings: &mut Settings, base: &str) {
    settings.provider_credentials.meta = Some(
        serde_json::from_value(json!({
            "app_id": "1234567890",
            "app_secret": "meta-app-secret",
            "system_user_token": "EAAGsystemUserToken",
            "credit_line_id": CREDIT_LINE,
            "base_url": base,
            "verify_token": "verify-me",
        }))
        .unwrap(),
    );
}

/// Answers Graph's 500 while `down`, else the credit allocation.
struct CreditLine {
    down: Arc<AtomicBool>,
}

impl Respond for CreditLine {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.down.load(Ordering::SeqCst) {
            ResponseTemplate::new(500).set_body_json(json!({ "error": {
                "message": "An unknown error has occurred.", "type": "OAuthException",
                "code": 1, "is_transient": true, "fbtrace_id": "AbCdEf" } }))
        } else {
            ResponseTemplate::new(200)
                .set_body_json(json!({ "allocation_config_id": "58501441721238", "waba_id": WABA }))
        }
    }
}

async fn graph(down: Arc<AtomicBool>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v23.0/oauth/access_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": BUSINESS_TOKEN, "token_type": "bearer" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{WABA}/subscribed_apps")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/v23.0/{CREDIT_LINE}/whatsapp_credit_sharing_and_attach"
        )))
        .respond_with(CreditLine { down })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PHONE_NUMBER}/register")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true })))
        .mount(&server)
        .await;
    server
}

/// How many requests Meta received per path suffix.
async fn calls(server: &MockServer, suffix: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with(suffix))
        .collect()
}

async fn wait_for(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = app.get(&format!("/v1/whatsapp/accounts/{id}")).await.body;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("account {id} never got there: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signup_saga_resumes_after_a_crash_at_the_step_that_had_not_finished() {
    for backend in backends() {
        let down = Arc::new(AtomicBool::new(true));
        let server = graph(down.clone()).await;
        let base = server.uri();
        let app = spawn_app_with(backend, |s| meta(s, &base)).await;

        let signup = app
            .post(
                "/v1/whatsapp/signups",
                &json!({ "waba_id": WABA, "phone_number_id": PHONE_NUMBER, "business_id": BUSINESS,
                         "code": "AQBx-single-use-code" }),
            )
            .await;
        assert_eq!(signup.status, 201, "{:?}", signup.body);
        let account = id_of(&signup);
        assert_eq!(signup.body["steps_done"], json!(["code_exchange"]));

        // The webhooks are subscribed; the credit line fails and is retried.
        let a = wait_for(&app, &account, |a| {
            a["last_failure"]["step"] == "credit_line_sharing"
        })
        .await;
        assert_eq!(
            a["steps_done"],
            json!(["code_exchange", "webhook_subscription"]),
            "{a:?}"
        );
        assert_eq!(a["status"], "webhooks_subscribed");

        // Killed between the second and third steps; Meta recovers; a new server resumes.
        let app = restart_app_with(app, |s| meta(s, &base)).await;
        down.store(false, Ordering::SeqCst);
        // Past the job's backoff and the dead worker's lease.
        app.clock.advance(3600);
        let a = wait_for(&app, &account, |a| a["status"] == "active").await;
        assert_eq!(
            a["steps_done"],
            json!([
                "code_exchange",
                "webhook_subscription",
                "credit_line_sharing",
                "phone_registration"
            ])
        );

        // Each step took effect once: nothing done before the crash was repeated.
        assert_eq!(calls(&server, "/oauth/access_token").await.len(), 1);
        assert_eq!(calls(&server, "/subscribed_apps").await.len(), 1);
        let credit = calls(&server, "/whatsapp_credit_sharing_and_attach").await;
        assert!(credit.len() >= 2, "{}", credit.len());
        let register = calls(&server, "/register").await;
        assert_eq!(register.len(), 1);
        let pin = serde_json::from_slice::<Value>(&register[0].body).unwrap()["pin"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(pin.len(), 6);
        // The business token went where it belongs.
        let subscribe = &calls(&server, "/subscribed_apps").await[0];
        assert_eq!(
            subscribe.headers.get("authorization").unwrap(),
            &format!("Bearer {BUSINESS_TOKEN}")
        );

        // P-WABA-3: neither the token nor the PIN is in the store or the logs, nor in the API.
        let stored = app.stored_text().await;
        assert!(stored.contains(WABA), "the scan reads the store");
        assert!(
            !stored.contains(BUSINESS_TOKEN),
            "the business token is stored in clear"
        );
        assert!(
            !stored.contains(&format!("\"{pin}\"")),
            "the PIN is stored in clear"
        );
        let logs = captured_logs();
        assert!(!logs.is_empty());
        assert!(
            !logs.contains(BUSINESS_TOKEN),
            "the business token was logged"
        );
        assert!(
            !logs.contains("AQBx-single-use-code"),
            "the code was logged"
        );
        assert!(!a.to_string().contains(BUSINESS_TOKEN) && !a.to_string().contains(&pin));

        // P-WABA-2: a code older than its 30 s is refused and never sent to Meta.
        let issued = time::OffsetDateTime::now_utc() - time::Duration::seconds(31);
        let stale = app
            .post(
                "/v1/whatsapp/signups",
                &json!({ "waba_id": WABA, "phone_number_id": PHONE_NUMBER, "business_id": BUSINESS,
                         "code": "AQBx-stale-code",
                         "code_issued_at": issued.format(&time::format_description::well_known::Rfc3339).unwrap() }),
            )
            .await;
        assert_problem(&stale, 410, "SIGNUP_CODE_EXPIRED");
        assert_eq!(calls(&server, "/oauth/access_token").await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_webhooks_handshake_and_signed_events_reach_the_account() {
    let server = graph(Arc::new(AtomicBool::new(false))).await;
    let base = server.uri();
    let app = spawn_app_with(backends()[0], |s| meta(s, &base)).await;

    // The GET handshake echoes the challenge only with the verify token.
    let ok = app
        .get_public(
            "/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, json!(1158201444));
    let refused = app
        .get_public("/webhooks/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
        .await;
    assert_eq!(refused.status, 401);

    let signup = app
        .post(
            "/v1/whatsapp/signups",
            &json!({ "waba_id": WABA, "phone_number_id": PHONE_NUMBER, "business_id": BUSINESS, "code": "AQBx-code" }),
        )
        .await;
    let account = id_of(&signup);
    wait_for(&app, &account, |a| a["status"] == "active").await;

    // A signed quality update (red), Meta's review of the WABA, an account update, a template
    // rejected, and an inbound message to the client's number.
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = json!({ "object": "whatsapp_business_account", "entry": [
        { "id": WABA, "time": at, "changes": [
            { "field": "phone_number_quality_update", "value": {
                "display_phone_number": "15550783881", "event": "FLAGGED", "current_limit": "TIER_10K" } },
            { "field": "account_review_update", "value": { "decision": "APPROVED" } },
            { "field": "account_update", "value": { "phone_number": "15550783881", "event": "VERIFIED_ACCOUNT" } },
            { "field": "message_template_status_update", "value": {
                "event": "REJECTED", "message_template_id": 1689556908129832_u64,
                "message_template_name": "order_confirmation", "message_template_language": "en_US",
                "reason": "INCORRECT_CATEGORY" } },
            { "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER },
                "contacts": [ { "profile": { "name": "Sheena Nelson" }, "wa_id": "16505551234" } ],
                "messages": [ { "from": "16505551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQ3", "timestamp": at.to_string(),
                                "type": "text", "text": { "body": "Is my appointment at 3?" } } ] } }
        ] } ] })
    .to_string();
    let signature = onramp_meta::webhook::sign(body.as_bytes(), "meta-app-secret");
    let r = app
        .post_webhook(
            "/webhooks/meta",
            &[("x-hub-signature-256", &signature)],
            &body,
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("stored")),
        "{:?}",
        r.body
    );
    let again = app
        .post_webhook(
            "/webhooks/meta",
            &[("x-hub-signature-256", &signature)],
            &body,
        )
        .await;
    assert_eq!(again.body["status"], "duplicate");
    let forged = app
        .post_webhook(
            "/webhooks/meta",
            &[("x-hub-signature-256", "sha256=00")],
            &body,
        )
        .await;
    assert_problem(&forged, 401, "WEBHOOK_SIGNATURE_INVALID");

    let a = wait_for(&app, &account, |a| {
        a["quality"]["rating"] == "red" && a["templates"]["1689556908129832"].is_object()
    })
    .await;
    assert_eq!(a["status"], "active");
    assert_eq!(a["account_review"], "APPROVED", "{a:?}");
    assert_eq!(a["account_event"], "VERIFIED_ACCOUNT", "{a:?}");
    let template = &a["templates"]["1689556908129832"];
    assert_eq!(template["name"], "order_confirmation");
    assert_eq!(template["status"], "REJECTED");
    assert_eq!(template["reason"], "INCORRECT_CATEGORY");
    let mut history = Value::Null;
    for _ in 0..200 {
        history = app
            .get(&format!("/v1/whatsapp/accounts/{account}/messages"))
            .await
            .body;
        if history["data"].as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        history["data"][0]["text"], "Is my appointment at 3?",
        "{history:?}"
    );
    assert_eq!(history["data"][0]["author"], "user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_meta_could_not_answer_is_retried_within_the_code_ttl() {
    let server = graph(Arc::new(AtomicBool::new(false))).await;
    Mock::given(method("GET"))
        .and(path("/v23.0/oauth/access_token"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({ "error": {
            "message": "Service temporarily unavailable", "type": "OAuthException",
            "code": 2, "is_transient": true, "fbtrace_id": "X" } })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let base = server.uri();
    let app = spawn_app_with(backends()[0], |s| meta(s, &base)).await;
    let signup = app
        .post(
            "/v1/whatsapp/signups",
            &json!({ "waba_id": WABA, "phone_number_id": PHONE_NUMBER, "business_id": BUSINESS, "code": "AQBx-code" }),
        )
        .await;
    assert_eq!(signup.status, 201, "{:?}", signup.body);
    assert_eq!(signup.body["status"], "code_received");
    assert_eq!(signup.body["last_failure"]["step"], "code_exchange");
    let account = id_of(&signup);
    // The retry waits out the first call's timeout, within the code's 30 s.
    app.clock.advance(12);
    let a = wait_for(&app, &account, |a| a["status"] == "active").await;
    assert_eq!(a["steps_done"][0], "code_exchange");
    assert_eq!(calls(&server, "/oauth/access_token").await.len(), 2);
}
