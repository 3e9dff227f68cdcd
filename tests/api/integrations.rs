//! Per-tenant integrations (issue 3, item 4): credentials stored sealed and never returned, a
//! test call that records connected or the provider's error, the status list, and deliveries
//! and webhooks that use the tenant's own credentials while other tenants stay on the sandbox.

use std::time::Duration;

use onramp_tests::{Backend, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT_SID: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const SERVICE_SID: &str = "VAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const AUTH_TOKEN: &str = "tenant-auth-token-7f3a9c";

fn credentials(base_url: &str) -> Value {
    json!({
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "verify_service_sid": SERVICE_SID,
        "base_url": base_url,
    })
}

async fn twilio(app: &TestApp) -> Value {
    let list = app.get("/v1/integrations").await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["provider"] == "twilio")
        .cloned()
        .unwrap()
}

/// Every text column of every row of the database, to look for a secret in clear.
async fn database_text(app: &TestApp) -> String {
    let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
    let mut all = String::new();
    for (table, columns) in [
        ("events", "payload"),
        ("snapshots", "state"),
        ("jobs", "payload"),
        ("idempotency_keys", "CAST(response_body AS TEXT)"),
    ] {
        let rows: Vec<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM {table}"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        for (text,) in rows {
            all.push_str(&text.unwrap_or_default());
        }
    }
    all
}

#[tokio::test]
async fn credentials_are_stored_sealed_never_returned_and_tested_against_the_provider() {
    let provider = MockServer::start().await;
    let app = spawn_app(Backend::Sqlite).await;

    assert_eq!(twilio(&app).await["status"], "not_configured");
    assert_eq!(twilio(&app).await["source"], "none");

    let put = app
        .put("/v1/integrations/twilio", &credentials(&provider.uri()))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert!(!put.body.to_string().contains(AUTH_TOKEN));
    assert_eq!(put.body["status"], "pending");
    assert_eq!(put.body["source"], "tenant");
    assert_eq!(put.body["live"], true);
    assert!(
        put.body["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("auth_token"))
    );
    assert!(!twilio(&app).await.to_string().contains(AUTH_TOKEN));
    assert!(
        !database_text(&app).await.contains(AUTH_TOKEN),
        "a credential is stored in clear"
    );

    Mock::given(method("GET"))
        .and(path(format!("/v2/Services/{SERVICE_SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "sid": SERVICE_SID, "account_sid": ACCOUNT_SID, "friendly_name": "acme" }),
        ))
        .up_to_n_times(1)
        .mount(&provider)
        .await;
    let tested = app.post("/v1/integrations/twilio/test", &json!({})).await;
    assert_eq!(tested.status, 200, "{}", tested.body);
    assert_eq!(tested.body["status"], "connected");
    assert!(tested.body["last_response_ms"].is_u64());
    assert!(tested.body["last_check_at"].is_string());

    Mock::given(method("GET"))
        .and(path(format!("/v2/Services/{SERVICE_SID}")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401 })))
        .mount(&provider)
        .await;
    let tested = app.post("/v1/integrations/twilio/test", &json!({})).await;
    assert_eq!(tested.body["status"], "error", "{}", tested.body);
    assert!(
        tested.body["last_error"]
            .as_str()
            .unwrap()
            .contains("20003"),
        "{}",
        tested.body
    );
}

#[tokio::test]
async fn bad_credentials_and_unknown_providers_are_refused_precisely() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut missing = credentials("https://verify.twilio.com");
    missing.as_object_mut().unwrap().remove("auth_token");
    let r = app.put("/v1/integrations/twilio", &missing).await;
    assert_eq!(
        (r.status, r.code()),
        (422, "CONFIGURATION_VALIDATION_FAILED"),
        "{}",
        r.body
    );
    assert!(
        r.body["detail"].as_str().unwrap().contains("auth_token"),
        "{}",
        r.body
    );
    let r = app
        .put("/v1/integrations/acme-sms", &credentials("x"))
        .await;
    assert_eq!((r.status, r.code()), (404, "PROVIDER_NOT_FOUND"));
    let r = app.post("/v1/integrations/telnyx/test", &json!({})).await;
    assert_eq!(
        (r.status, r.code()),
        (404, "PROVIDER_NOT_FOUND"),
        "no credentials anywhere: {}",
        r.body
    );
}

#[tokio::test]
async fn a_tenant_with_its_own_credentials_delivers_through_its_provider_and_others_stay_on_the_sandbox()
 {
    let provider = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/Services/{SERVICE_SID}/Verifications")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "sid": "VEcccccccccccccccccccccccccccccccc", "service_sid": SERVICE_SID, "account_sid": ACCOUNT_SID,
            "to": "+12025550123", "channel": "sms", "status": "pending", "valid": false
        })))
        .mount(&provider)
        .await;
    let app = spawn_app(Backend::Sqlite).await;
    let put = app
        .put("/v1/integrations/twilio", &credentials(&provider.uri()))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let (_, other_key) = app.create_tenant("globex").await;

    let mine = app
        .post(
            "/v1/verifications",
            &json!({ "phone": "+12025550123", "channel": "sms" }),
        )
        .await;
    let theirs = app
        .post_as(
            &other_key,
            "/v1/verifications",
            &json!({ "phone": "+12025550124", "channel": "sms" }),
        )
        .await;
    let (mine, theirs) = (
        mine.body["id"].as_str().unwrap().to_string(),
        theirs.body["id"].as_str().unwrap().to_string(),
    );
    let mut done = (Value::Null, Value::Null);
    for _ in 0..100 {
        done = (
            app.get_verification(&mine).await.body,
            app.get_as(&other_key, &format!("/v1/verifications/{theirs}"))
                .await
                .body,
        );
        if done.0["deliveries"][0]["status"] == "sent"
            && done.1["deliveries"][0]["status"] == "delivered"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done.0["deliveries"][0]["provider"], "twilio", "{}", done.0);
    assert_eq!(done.1["deliveries"][0]["provider"], "sandbox", "{}", done.1);
    assert_eq!(provider.received_requests().await.unwrap().len(), 1);

    // The tenant's own webhook URL verifies with the tenant's auth token.
    let url = format!("{}/webhooks/twilio/{}", app.address, app.tenant_id);
    let body = format!(
        "MessageSid=SM1&MessageStatus=delivered&VerificationSid=VEcccccccccccccccccccccccccccccccc&AccountSid={ACCOUNT_SID}"
    );
    let headers = onramp_twilio::webhook::sign(&url, body.as_bytes(), AUTH_TOKEN, 0).unwrap();
    let mut request = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone());
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let forged = onramp_twilio::webhook::sign(&url, body.as_bytes(), "another-token", 0).unwrap();
    let mut request = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    for (k, v) in &forged {
        request = request.header(k, v);
    }
    assert_eq!(request.send().await.unwrap().status().as_u16(), 401);
    let mut delivered = Value::Null;
    for _ in 0..100 {
        delivered = app.get_verification(&mine).await.body;
        if delivered["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        delivered["deliveries"][0]["status"], "delivered",
        "{delivered}"
    );
}

#[tokio::test]
async fn a_tenant_cannot_point_a_provider_at_another_host_unless_the_server_allows_it() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.allow_tenant_base_urls = false).await;
    let r = app
        .put(
            "/v1/integrations/twilio",
            &credentials("http://169.254.169.254"),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (422, "CONFIGURATION_VALIDATION_FAILED"),
        "{}",
        r.body
    );
    assert!(r.body["detail"].as_str().unwrap().contains("base_url"));
    let mut plain = credentials("unused");
    plain.as_object_mut().unwrap().remove("base_url");
    let r = app.put("/v1/integrations/twilio", &plain).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
