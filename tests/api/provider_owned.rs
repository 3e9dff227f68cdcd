//! A provider-owned code (issue 3, item 1): Sinch Verification sends a code of its own, so the
//! code the user types is checked through Sinch; its verdicts count against the same limits as
//! Onramp's own checks.

use std::time::Duration;

use onramp_tests::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SINCH_ID: &str = "1118624000";

async fn app(sinch: &MockServer) -> TestApp {
    let url = sinch.uri();
    spawn_app_with(Backend::Sqlite, move |s| {
        s.voice_providers = "sinch".into();
        s.sms_providers = "sinch".into();
        s.provider_credentials.sinch = Some(
            serde_json::from_value(json!({
                "application_key": "5a3b1c2d-0000-4000-8000-000000000001",
                "application_secret": "c2luY2gtYXBwbGljYXRpb24tc2VjcmV0",
                "base_url": url,
            }))
            .unwrap(),
        );
    })
    .await
}

fn report(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({ "id": SINCH_ID, "method": "sms", "status": status }))
}

#[tokio::test]
async fn a_sinch_code_is_checked_through_sinch_and_a_wrong_one_counts_against_the_limit() {
    let sinch = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/verification/v1/verifications"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": SINCH_ID, "method": "sms",
            "sms": { "template": "Your verification code is {{CODE}}. Verified by Sinch", "interceptionTimeout": 298 },
            "_links": [{ "rel": "report", "href": format!("https://verification.api.sinch.com/verification/v1/verifications/id/{SINCH_ID}"), "method": "PUT" }]
        })))
        .mount(&sinch)
        .await;
    let report_path = format!("/verification/v1/verifications/id/{SINCH_ID}");
    Mock::given(method("PUT"))
        .and(path(report_path.clone()))
        .and(body_partial_json(
            json!({ "method": "sms", "sms": { "code": "246810" } }),
        ))
        .respond_with(report("SUCCESSFUL"))
        .mount(&sinch)
        .await;
    Mock::given(method("PUT"))
        .and(path(report_path))
        .respond_with(report("FAIL"))
        .mount(&sinch)
        .await;
    let app = app(&sinch).await;

    let r = app
        .post(
            "/v1/verifications",
            &json!({ "phone": "+12025550123", "channel": "sms" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let mut v = Value::Null;
    for _ in 0..100 {
        v = app.get_verification(&id).await.body;
        if v["deliveries"][0]["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        v["deliveries"][0]["attempts"][0]["code_owner"], "provider",
        "{v}"
    );
    assert_eq!(v["deliveries"][0]["attempts"][0]["provider_ref"], SINCH_ID);

    let wrong = app
        .post(
            &format!("/v1/verifications/{id}/check"),
            &json!({ "code": "111111" }),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (422, "VERIFICATION_CODE_INCORRECT"),
        "{}",
        wrong.body
    );
    assert_eq!(wrong.body["checks_remaining"], 4);

    let right = app
        .post(
            &format!("/v1/verifications/{id}/check"),
            &json!({ "code": "246810" }),
        )
        .await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(right.body["status"], "approved");
    let reports = sinch
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(reports, 2);
}
