//! Issue 3's "Done when": with wiremock stand-ins for Telnyx and Twilio, voice on Telnyx
//! answering 503, SMS on Telnyx timing out, SMS on Twilio delivered; the user checks one code;
//! the audit trail shows each step and its reason; after enough failures the Telnyx breakers
//! open, later sends skip Telnyx, and a successful half-open probe closes the breaker.

use std::time::Duration;

use onramp_tests::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SERVICE_SID: &str = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

async fn app_with_providers(telnyx: &MockServer, twilio: &MockServer) -> TestApp {
    let telnyx_url = format!("{}/v2", telnyx.uri());
    let twilio_url = twilio.uri();
    spawn_app_with(Backend::Sqlite, move |s| {
        s.voice_providers = "telnyx".into();
        s.sms_providers = "telnyx,twilio".into();
        s.breaker_failures = 2;
        s.breaker_cooldown_seconds = 60;
        s.provider_credentials.telnyx = Some(
            serde_json::from_value(json!({
                "api_key": "KEY0123456789",
                "verify_profile_id": "12ade33a-21c0-473b-b055-b3c836e1c292",
                "base_url": telnyx_url,
            }))
            .unwrap(),
        );
        s.provider_credentials.twilio = Some(
            serde_json::from_value(json!({
                "account_sid": ACCOUNT_SID,
                "auth_token": "twilio-auth-token",
                "verify_service_sid": SERVICE_SID,
                "base_url": twilio_url,
            }))
            .unwrap(),
        );
    })
    .await
}

fn telnyx_verification(kind: &str) -> Value {
    json!({ "data": {
        "id": format!("12ade33a-21c0-473b-b055-b3c836e1c{:03}", rand_suffix()),
        "type": kind, "record_type": "verification", "status": "pending",
        "phone_number": "+12025550123", "verify_profile_id": "12ade33a-21c0-473b-b055-b3c836e1c292",
        "timeout_secs": 300, "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"
    }})
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Twilio answers every start with a new verification sid.
struct TwilioVerifications;

impl wiremock::Respond for TwilioVerifications {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        twilio_verification()
    }
}

fn twilio_verification() -> ResponseTemplate {
    let sid = format!("VE{:032}", rand_suffix());
    ResponseTemplate::new(201).set_body_json(json!({
        "sid": sid, "service_sid": SERVICE_SID, "account_sid": ACCOUNT_SID,
        "to": "+12025550123", "channel": "sms", "status": "pending", "valid": false,
        "date_created": "2026-11-21T10:00:00Z", "date_updated": "2026-11-21T10:00:00Z",
        "lookup": {}, "amount": null, "payee": null, "send_code_attempts": [],
        "sna": null, "url": format!("https://verify.twilio.com/v2/Services/{SERVICE_SID}/Verifications/{sid}")
    }))
}

/// Polls the verification until `done` holds (the worker delivers in the background).
async fn wait_for(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let v = app.get_verification(id).await.body;
        if done(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "verification {id} never reached the expected state: {}",
        app.get_verification(id).await.body
    );
}

fn sms_sent_by(v: &Value, provider: &str) -> bool {
    v["deliveries"].as_array().is_some_and(|ds| {
        ds.iter()
            .any(|d| d["channel"] == "sms" && d["status"] == "sent" && d["provider"] == provider)
    })
}

/// Starts a verification; each to its own number, so the per-phone quota (5 per hour) stays
/// out of the way.
async fn start(app: &TestApp) -> String {
    start_for(app, None).await
}

/// Starts a verification for `session`.
async fn start_for(app: &TestApp, session: Option<&str>) -> String {
    let phone = format!("+1202555{:04}", 1200 + rand_suffix());
    let r = app
        .post(
            "/v1/verifications",
            &json!({ "phone": phone, "session_id": session }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

fn custom_codes(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "CustomCode")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_verification_survives_telnyx_failing_on_voice_and_sms_and_the_breaker_opens_then_closes()
{
    let telnyx = MockServer::start().await;
    let twilio = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v2/verifications/call"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"errors": [{"code": "90001", "title": "Service unavailable", "detail": "try again later"}]})))
        .mount(&telnyx).await;
    Mock::given(method("POST"))
        .and(path("/v2/verifications/sms"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(telnyx_verification("sms"))
                .set_delay(Duration::from_secs(15)),
        )
        .mount(&telnyx)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/Services/{SERVICE_SID}/Verifications")))
        .respond_with(TwilioVerifications)
        .mount(&twilio)
        .await;
    let app = app_with_providers(&telnyx, &twilio).await;

    // 1. Voice on Telnyx: 503; SMS on Telnyx: timeout; SMS on Twilio: accepted.
    let session = app
        .post(
            "/v1/sessions",
            &json!({ "flow_id": "conversational-profile" }),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.body);
    let session = session.body["id"].as_str().unwrap().to_string();
    let id = start_for(&app, Some(&session)).await;
    let v = wait_for(&app, &id, |v| sms_sent_by(v, "twilio")).await;
    let voice = &v["deliveries"][0];
    assert_eq!(voice["channel"], "voice");
    assert_eq!(voice["status"], "failed");
    assert_eq!(voice["attempts"][0]["provider"], "telnyx");
    assert_eq!(voice["attempts"][0]["failure"], "unavailable: http 503");
    let sms = &v["deliveries"][1];
    assert_eq!(sms["fallback"], true);
    assert_eq!(sms["attempts"][0]["provider"], "telnyx");
    assert_eq!(sms["attempts"][0]["failure"], "unavailable: timeout");
    assert_eq!(sms["attempts"][1]["provider"], "twilio");
    assert!(
        sms["attempts"][1]["provider_ref"]
            .as_str()
            .unwrap()
            .starts_with("VE")
    );

    // The user types the one code: Twilio carried Onramp's code, the same Telnyx was given.
    let twilio_codes = custom_codes(&twilio.received_requests().await.unwrap());
    assert_eq!(twilio_codes.len(), 1);
    let telnyx_codes: Vec<String> = telnyx
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["custom_code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        telnyx_codes.iter().all(|c| *c == twilio_codes[0]),
        "{telnyx_codes:?} vs {twilio_codes:?}"
    );
    let checked = app
        .post(
            &format!("/v1/verifications/{id}/check"),
            &json!({ "code": twilio_codes[0] }),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert_eq!(checked.body["status"], "approved");

    // The session's audit trail shows every decision with its reason, in order.
    let trail = app.get(&format!("/v1/sessions/{session}/audit")).await;
    assert_eq!(trail.status, 200, "{}", trail.body);
    let steps: Vec<String> = trail.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["stream"] == "verification")
        .map(|e| {
            let d = &e["data"];
            let why = d["reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let who = d["provider"]
                .as_str()
                .map(|p| format!(" {p}"))
                .unwrap_or_default();
            let channel = d["channel"]
                .as_str()
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            format!("{}{who}{channel}{why}", e["type"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        steps,
        [
            "verification.started",
            "verification.code_sent voice",
            "verification.provider_failed telnyx (unavailable: http 503)",
            "verification.delivery_failed telnyx (no_provider_available: every provider failed)",
            "verification.code_sent sms",
            "verification.provider_failed telnyx (unavailable: timeout)",
            "verification.provider_accepted twilio",
            "verification.approved",
        ],
        "{steps:#?}"
    );
    assert!(
        trail.body.to_string().find("sealed_code").is_none(),
        "ciphertext in the audit trail"
    );

    // 2. A second verification: the second failure on each channel opens both Telnyx breakers.
    let second = start(&app).await;
    let v = wait_for(&app, &second, |v| sms_sent_by(v, "twilio")).await;
    assert!(
        v["deliveries"][1]["attempts"][0]["failure"]
            .as_str()
            .unwrap()
            .contains("timeout")
    );
    let integrations = app.get("/v1/integrations").await.body;
    let telnyx_status = &integrations["data"][0];
    assert_eq!(telnyx_status["provider"], "telnyx");
    assert_eq!(telnyx_status["source"], "server");
    assert_eq!(
        telnyx_status["breakers"][0]["status"], "open",
        "{telnyx_status}"
    );
    assert_eq!(
        telnyx_status["breakers"][1]["status"], "open",
        "{telnyx_status}"
    );
    // `/metrics` shows both open (issue 12, item 4).
    let scraped = crate::metrics::scrape(&app, None).await;
    for channel in ["voice", "sms"] {
        let open = [
            ("provider", "telnyx"),
            ("channel", channel),
            ("state", "open"),
        ];
        let closed = [
            ("provider", "telnyx"),
            ("channel", channel),
            ("state", "closed"),
        ];
        assert_eq!(
            crate::metrics::gauge(&scraped, "onramp_breakers", &open),
            1.0,
            "{channel}"
        );
        assert_eq!(
            crate::metrics::gauge(&scraped, "onramp_breakers", &closed),
            0.0,
            "{channel}"
        );
    }

    // 3. A third: Telnyx is skipped on both channels without being called.
    let calls_before = telnyx.received_requests().await.unwrap().len();
    let third = start(&app).await;
    let v = wait_for(&app, &third, |v| sms_sent_by(v, "twilio")).await;
    assert_eq!(
        telnyx.received_requests().await.unwrap().len(),
        calls_before,
        "an open breaker was called"
    );
    assert!(
        v["deliveries"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("telnyx circuit_open"),
        "{v}"
    );
    assert_eq!(v["deliveries"][1]["attempts"][0]["provider"], "twilio");
    assert_eq!(
        v["deliveries"][1]["attempts"][0]["skipped"][0]["reason"],
        "circuit_open"
    );

    // 4. After the cooldown Telnyx recovers: the half-open probe succeeds and closes the breaker.
    telnyx.reset().await;
    Mock::given(method("POST"))
        .and(path("/v2/verifications/call"))
        .respond_with(ResponseTemplate::new(200).set_body_json(telnyx_verification("call")))
        .mount(&telnyx)
        .await;
    app.clock.advance(61);
    let fourth = start(&app).await;
    let v = wait_for(&app, &fourth, |v| v["deliveries"][0]["status"] == "sent").await;
    assert_eq!(v["deliveries"][0]["attempts"][0]["provider"], "telnyx");
    assert_eq!(v["deliveries"][0]["attempts"][0]["probe"], true);
    let integrations = app.get("/v1/integrations").await.body;
    assert_eq!(integrations["data"][0]["breakers"][0]["status"], "closed");
}
