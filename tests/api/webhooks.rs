//! The webhook inbox over HTTP (issue 3, item 3): forged, tampered and stale requests get 401
//! and are stored nowhere; a signed delivery report is stored once (a duplicate changes
//! nothing); a voice call not answered moves the code to SMS, an undelivered SMS moves it to
//! the next provider.
//!
//! This file holds the providers on wiremock, the helpers and the failover by webhook;
//! `signatures` holds the refusals of unsigned, forged and stale webhooks.

mod signatures;

use std::time::Duration;

use onramp_tests::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// telnyx-java's WebhookVerificationTest key pair (PROVIDERS.md section 3).
const TELNYX_SEED: &str = "i1xxSkIuQOY9H8laaRslIoYGTJ1NwBAFdjsQwiwJH04=";
const TELNYX_PUBLIC: &str = "jrMBoswHlhhVx2W2Www72WU/xn4UMpjreslD0m2u0qs=";
const SINCH_SECRET: &str = "sinch-webhook-secret";
const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SERVICE_SID: &str = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Answers every start with a fresh provider id: Telnyx's `data.id`, Twilio's `sid`.
struct Accept {
    telnyx: bool,
}

impl Respond for Accept {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = uuid::Uuid::new_v4();
        if self.telnyx {
            let kind = if request.url.path().ends_with("/call") {
                "call"
            } else {
                "sms"
            };
            ResponseTemplate::new(200).set_body_json(json!({ "data": {
                "id": id, "type": kind, "record_type": "verification", "status": "pending",
                "phone_number": "+12025550123", "verify_profile_id": "12ade33a-21c0-473b-b055-b3c836e1c292",
                "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"
            }}))
        } else {
            let sid = format!("VE{}", id.simple());
            ResponseTemplate::new(201).set_body_json(json!({
                "sid": sid, "service_sid": SERVICE_SID, "account_sid": ACCOUNT_SID,
                "to": "+12025550123", "channel": "sms", "status": "pending", "valid": false,
                "date_created": "2026-11-21T10:00:00Z", "date_updated": "2026-11-21T10:00:00Z"
            }))
        }
    }
}

async fn app(telnyx: &MockServer, twilio: &MockServer) -> TestApp {
    let telnyx_url = format!("{}/v2", telnyx.uri());
    let twilio_url = twilio.uri();
    spawn_app_with(Backend::Sqlite, move |s| {
        s.voice_providers = "telnyx".into();
        s.sms_providers = "telnyx,twilio".into();
        s.provider_credentials.telnyx = Some(
            serde_json::from_value(json!({
                "api_key": "KEY0123456789",
                "verify_profile_id": "12ade33a-21c0-473b-b055-b3c836e1c292",
                "public_key": TELNYX_PUBLIC,
                "base_url": telnyx_url,
            }))
            .unwrap(),
        );
        s.provider_credentials.sinch = Some(
            serde_json::from_value(json!({
                "application_key": "5a3b1c2d-0000-4000-8000-000000000001",
                "application_secret": "c2luY2gtYXBwbGljYXRpb24tc2VjcmV0",
                "webhook_secret": SINCH_SECRET,
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

async fn mocks() -> (MockServer, MockServer) {
    let telnyx = MockServer::start().await;
    let twilio = MockServer::start().await;
    for p in ["/v2/verifications/call", "/v2/verifications/sms"] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(Accept { telnyx: true })
            .mount(&telnyx)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(format!("/v2/Services/{SERVICE_SID}/Verifications")))
        .respond_with(Accept { telnyx: false })
        .mount(&twilio)
        .await;
    (telnyx, twilio)
}

fn telnyx_event(
    event_id: &str,
    event_type: &str,
    verification: &str,
    kind: &str,
    status: &str,
) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "data": {
            "event_type": event_type, "id": event_id, "occurred_at": "2026-11-21T10:00:01Z",
            "payload": { "id": verification, "type": kind, "delivery_status": status, "status": "pending",
                         "phone_number": "+12025550123", "record_type": "verification" },
            "record_type": "event"
        },
        "meta": { "attempt": 1 }
    }))
    .unwrap()
}

/// Posts `body` to `/webhooks/telnyx` signed with `seed` at `at` (unix seconds).
async fn post_telnyx(app: &TestApp, body: &[u8], seed: &str, at: i64) -> (u16, Value) {
    let url = format!("{}/webhooks/telnyx", app.address);
    let headers = onramp_telnyx::webhook::sign(&url, body, seed, at).unwrap();
    let mut request = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn now(app: &TestApp) -> i64 {
    use onramp_domain::ports::Clock;
    app.clock.now().unix_timestamp()
}

async fn stored_webhooks(app: &TestApp) -> i64 {
    let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM aggregates WHERE kind = 'webhook_event'")
        .fetch_one(&pool)
        .await
        .unwrap();
    n.0
}

async fn wait_for(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let v = app.get_verification(id).await.body;
        if done(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached: {}", app.get_verification(id).await.body);
}

#[tokio::test]
async fn an_unanswered_call_moves_to_sms_and_an_undelivered_sms_to_the_next_provider_once() {
    let (telnyx, twilio) = mocks().await;
    let app = app(&telnyx, &twilio).await;
    let r = app
        .post("/v1/verifications", &json!({ "phone": "+12025550123" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let v = wait_for(&app, &id, |v| v["deliveries"][0]["status"] == "sent").await;
    let call_ref = v["deliveries"][0]["attempts"][0]["provider_ref"]
        .as_str()
        .unwrap()
        .to_string();

    // Telnyx reports the call failed: the same code goes out by SMS (Telnyx first).
    let failed_call = telnyx_event(
        "evt-call-failed",
        "verify.failed",
        &call_ref,
        "call",
        "no_answer",
    );
    let (status, ack) = post_telnyx(&app, &failed_call, TELNYX_SEED, now(&app)).await;
    assert_eq!(
        (status, ack["status"].as_str()),
        (200, Some("stored")),
        "{ack}"
    );
    let v = wait_for(&app, &id, |v| v["deliveries"][1]["status"] == "sent").await;
    assert_eq!(v["deliveries"][0]["status"], "failed");
    assert_eq!(v["deliveries"][0]["reason"], "no_answer");
    assert_eq!(v["deliveries"][1]["channel"], "sms");
    assert_eq!(v["deliveries"][1]["attempts"][0]["provider"], "telnyx");
    let sms_ref = v["deliveries"][1]["attempts"][0]["provider_ref"]
        .as_str()
        .unwrap()
        .to_string();

    // Telnyx reports the SMS undelivered: Twilio sends the same code.
    let undelivered = telnyx_event(
        "evt-sms-failed",
        "verify.failed",
        &sms_ref,
        "sms",
        "undelivered",
    );
    let (status, ack) = post_telnyx(&app, &undelivered, TELNYX_SEED, now(&app)).await;
    assert_eq!((status, ack["status"].as_str()), (200, Some("stored")));
    let v = wait_for(&app, &id, |v| {
        v["deliveries"][1]["attempts"][1]["provider"] == "twilio"
            && v["deliveries"][1]["status"] == "sent"
    })
    .await;
    assert_eq!(
        v["deliveries"][1]["attempts"][0]["failure"],
        "reported: undelivered"
    );
    let sent_codes = |requests: &[Request]| -> Vec<String> {
        requests
            .iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|b| b["custom_code"].as_str().map(str::to_string))
                    .or_else(|| {
                        url::form_urlencoded::parse(&r.body)
                            .find(|(k, _)| k == "CustomCode")
                            .map(|(_, v)| v.into_owned())
                    })
                    .unwrap()
            })
            .collect()
    };
    let mut codes = sent_codes(&telnyx.received_requests().await.unwrap());
    codes.extend(sent_codes(&twilio.received_requests().await.unwrap()));
    assert_eq!(codes.len(), 3);
    assert!(
        codes.iter().all(|c| *c == codes[0]),
        "one code across providers: {codes:?}"
    );

    // The same event delivered again is acknowledged and changes nothing.
    let (status, ack) = post_telnyx(&app, &undelivered, TELNYX_SEED, now(&app)).await;
    assert_eq!((status, ack["status"].as_str()), (200, Some("duplicate")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(twilio.received_requests().await.unwrap().len(), 1);
    assert_eq!(app.get_verification(&id).await.body, v);

    // The user checks the one code.
    let checked = app
        .post(
            &format!("/v1/verifications/{id}/check"),
            &json!({ "code": codes[0] }),
        )
        .await;
    assert_eq!(checked.body["status"], "approved", "{}", checked.body);
}
