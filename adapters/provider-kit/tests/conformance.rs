//! `testing::conformance::check` against the providers' real OpenAPI descriptions in
//! `../shared/provider-specs/`: real-shaped requests pass, and each kind of violation is named.
#![cfg(feature = "testing")]

use std::path::Path;

use onramp_provider_kit::testing::{conformance::check, request_snapshot};
use serde_json::{Value, json};

const TELNYX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/provider-specs/telnyx.json"
);
const TWILIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/provider-specs/twilio.json"
);
const STRIPE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/provider-specs/stripe.json"
);
const META: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/provider-specs/meta.json"
);
const SERVICE: &str = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PROFILE: &str = "12ade33a-21c0-473b-b055-b3c836e1c292";

fn telnyx(method: &str, path: &str, body: Value) -> Value {
    json!({
        "provider": "telnyx",
        "method": method,
        "path": path,
        "query": {},
        "headers": {"authorization": "[redacted]", "content-type": "application/json"},
        "content_type": "application/json",
        "body": body,
    })
}

fn twilio(path: &str, body: Value) -> Value {
    json!({
        "provider": "twilio",
        "method": "POST",
        "path": path,
        "query": {},
        "headers": {"authorization": "[redacted]", "content-type": "application/x-www-form-urlencoded"},
        "content_type": "application/x-www-form-urlencoded",
        "body": body,
    })
}

fn sms_body() -> Value {
    json!({"phone_number": "+14155550123", "verify_profile_id": PROFILE, "custom_code": "123456"})
}

fn verifications() -> String {
    format!("/v2/Services/{SERVICE}/Verifications")
}

/// The violations of `snapshot`, joined, for `contains` checks.
fn violations(spec: &str, snapshot: &Value) -> String {
    match check(Path::new(spec), snapshot) {
        Ok(()) => panic!("expected violations, the request passed: {snapshot}"),
        Err(list) => list.join("\n"),
    }
}

fn passes(spec: &str, snapshot: &Value) {
    if let Err(list) = check(Path::new(spec), snapshot) {
        panic!("expected no violation, got:\n{}", list.join("\n"));
    }
}

#[test]
fn a_telnyx_sms_verification_with_a_custom_code_conforms() {
    passes(TELNYX, &telnyx("POST", "/v2/verifications/sms", sms_body()));
}

#[test]
fn a_telnyx_path_conforms_without_the_server_prefix_too() {
    passes(TELNYX, &telnyx("POST", "/verifications/call", sms_body()));
}

#[test]
fn a_telnyx_health_check_with_deep_object_paging_conforms() {
    let mut s = telnyx("GET", "/v2/verify_profiles", Value::Null);
    s["query"] = json!({"page[size]": "1"});
    s["content_type"] = Value::Null;
    passes(TELNYX, &s);
}

#[test]
fn a_telnyx_paging_value_that_is_not_an_integer_is_reported() {
    let mut s = telnyx("GET", "/v2/verify_profiles", Value::Null);
    s["query"] = json!({"page[size]": "many"});
    assert!(violations(TELNYX, &s).contains("query parameter page.size"));
}

#[test]
fn a_twilio_verification_with_a_custom_code_conforms() {
    let body = json!({"To": "+14155550123", "Channel": "sms", "CustomCode": "123456"});
    passes(TWILIO, &twilio(&verifications(), body));
}

#[test]
fn a_twilio_form_boolean_is_accepted_as_text() {
    let body = json!({"To": "+1", "Channel": "sms", "EnableSnaClientToken": "true"});
    passes(TWILIO, &twilio(&verifications(), body));
    let body = json!({"To": "+1", "Channel": "sms", "EnableSnaClientToken": "maybe"});
    let found = violations(TWILIO, &twilio(&verifications(), body));
    assert!(found.contains("body.EnableSnaClientToken"), "{found}");
}

#[test]
fn a_twilio_health_check_conforms() {
    let mut s = twilio(&format!("/v2/Services/{SERVICE}"), Value::Null);
    s["method"] = json!("GET");
    s["content_type"] = Value::Null;
    passes(TWILIO, &s);
}

#[test]
fn an_unknown_path_is_reported() {
    let found = violations(TELNYX, &telnyx("POST", "/v2/verification/sms", sms_body()));
    assert!(
        found.contains("no path of the description matches"),
        "{found}"
    );
}

#[test]
fn a_wrong_method_is_reported() {
    let found = violations(TELNYX, &telnyx("PUT", "/v2/verifications/sms", sms_body()));
    assert!(found.contains("has no PUT operation"), "{found}");
    // A concrete path is matched before `/verifications/{verification_id}`, which has a GET.
    let found = violations(TELNYX, &telnyx("GET", "/v2/verifications/sms", Value::Null));
    assert!(found.contains("/verifications/sms has no GET"), "{found}");
}

#[test]
fn a_missing_required_field_is_reported() {
    let body = json!({"phone_number": "+14155550123", "custom_code": "123456"});
    let found = violations(TELNYX, &telnyx("POST", "/v2/verifications/sms", body));
    assert!(
        found.contains("required property \"verify_profile_id\" is missing"),
        "{found}"
    );
    let found = violations(TWILIO, &twilio(&verifications(), json!({"To": "+1"})));
    assert!(found.contains("required property \"Channel\""), "{found}");
}

#[test]
fn an_unknown_field_is_reported() {
    let mut body = sms_body();
    body["code"] = json!("123456");
    let found = violations(TELNYX, &telnyx("POST", "/v2/verifications/sms", body));
    assert!(
        found.contains("property \"code\" is not declared"),
        "{found}"
    );
    let body = json!({"To": "+1", "Channel": "sms", "Code": "123456"});
    let found = violations(TWILIO, &twilio(&verifications(), body));
    assert!(
        found.contains("property \"Code\" is not declared"),
        "{found}"
    );
}

#[test]
fn a_bad_enum_value_is_reported_through_a_reference() {
    let body = json!({"To": "+1", "Channel": "sms", "RiskCheck": "sometimes"});
    let found = violations(TWILIO, &twilio(&verifications(), body));
    assert!(
        found.contains("\"sometimes\" is not one of \"enable\", \"disable\""),
        "{found}"
    );
}

#[test]
fn a_json_field_of_the_wrong_type_is_reported() {
    let mut body = sms_body();
    body["timeout_secs"] = json!("300");
    let found = violations(TELNYX, &telnyx("POST", "/v2/verifications/sms", body));
    assert!(
        found.contains("body.timeout_secs: \"300\" where integer is expected"),
        "{found}"
    );
}

#[test]
fn a_null_is_accepted_only_where_the_type_list_has_null() {
    let mut body = sms_body();
    body["custom_code"] = Value::Null;
    passes(TELNYX, &telnyx("POST", "/v2/verifications/sms", body));
    let mut body = sms_body();
    body["phone_number"] = Value::Null;
    assert!(violations(TELNYX, &telnyx("POST", "/v2/verifications/sms", body)).contains("null"));
}

#[test]
fn an_undeclared_content_type_is_reported() {
    let mut s = telnyx("POST", "/v2/verifications/sms", sms_body());
    s["content_type"] = json!("application/x-www-form-urlencoded");
    let found = violations(TELNYX, &s);
    assert!(
        found.contains("is not one the operation takes (application/json)"),
        "{found}"
    );
}

#[test]
fn a_missing_required_body_is_reported() {
    let mut s = telnyx("POST", "/v2/verifications/sms", Value::Null);
    s["content_type"] = Value::Null;
    assert!(violations(TELNYX, &s).contains("a request body is required"));
}

#[test]
fn missing_credentials_are_reported() {
    let mut s = telnyx("POST", "/v2/verifications/sms", sms_body());
    s["headers"] = json!({"content-type": "application/json"});
    let found = violations(TELNYX, &s);
    assert!(found.contains("no credentials sent"), "{found}");
}

#[test]
fn an_undeclared_query_parameter_is_reported() {
    let mut s = telnyx("POST", "/v2/verifications/sms", sms_body());
    s["query"] = json!({"debug": "1"});
    assert!(violations(TELNYX, &s).contains("query parameter \"debug\" is not declared"));
}

#[test]
fn violations_name_the_request_and_the_operation() {
    let found = violations(TELNYX, &telnyx("POST", "/v2/verifications/sms", json!({})));
    assert!(
        found.starts_with("POST /v2/verifications/sms (CreateVerificationSms): "),
        "{found}"
    );
}

#[test]
fn an_unreadable_spec_is_reported() {
    let found = violations("/nonexistent/spec.json", &telnyx("GET", "/", Value::Null));
    assert!(found.contains("cannot read"), "{found}");
}

#[test]
fn a_request_recorded_by_wiremock_conforms_end_to_end() {
    let request = wiremock::Request {
        url: url::Url::parse(&format!("http://127.0.0.1:1{}", verifications())).unwrap(),
        method: http::Method::POST,
        headers: [
            (http::header::AUTHORIZATION, "Basic QUM6dG9rZW4="),
            (
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k, http::HeaderValue::from_static(v)))
        .collect(),
        body: b"To=%2B14155550123&Channel=call&CustomCode=123456".to_vec(),
    };
    let snapshot = request_snapshot("twilio", &request, &[]);
    assert_eq!(snapshot["body"]["To"], "+14155550123");
    passes(TWILIO, &snapshot);
}

fn stripe_subscription(body: Value) -> Value {
    let mut s = twilio("/v1/subscriptions", body);
    s["provider"] = json!("stripe");
    s
}

#[test]
fn a_stripe_form_with_bracket_keys_conforms() {
    let body = json!({
        "customer": "cus_123",
        "items[0][price]": "price_123",
        "items[0][quantity]": "1",
        "metadata[tenant]": "t_1",
        "payment_behavior": "default_incomplete",
        "expand[]": ["latest_invoice.payment_intent", "pending_setup_intent"],
    });
    passes(STRIPE, &stripe_subscription(body));
}

#[test]
fn a_stripe_violation_inside_bracket_keys_is_reported_where_it_is() {
    let body = json!({
        "customer": "cus_123",
        "items[0][price]": "price_123",
        "items[0][quantity]": "one",
        "items[1][prize]": "price_456",
    });
    let found = violations(STRIPE, &stripe_subscription(body));
    assert!(
        found.contains("body.items[0].quantity: \"one\" where integer is expected"),
        "{found}"
    );
    assert!(
        found.contains("body.items[1]: property \"prize\" is not declared"),
        "{found}"
    );
}

#[test]
fn a_discriminator_picks_the_branch_that_is_checked() {
    let mut s = telnyx(
        "POST",
        "/v21.0/106540352242922/messages",
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "14155550123",
            "type": "image",
            "image": {"id": "1234"},
        }),
    );
    s["provider"] = json!("meta");
    passes(META, &s);
    s["body"]["image"] = json!({"url": "https://example.com/a.png"});
    let found = violations(META, &s);
    assert!(found.contains("body.image"), "{found}");
    assert!(
        !found.contains("\"text\""),
        "only the image branch is reported: {found}"
    );
}
