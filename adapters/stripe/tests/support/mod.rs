//! What the Stripe contract tests share: the fixed ids, the domain requests, Stripe's answers
//! (objects of the API reference's examples; errors as `{"error": {...}}` with the codes
//! Stripe's test payment methods produce) and the wiremock, form and snapshot helpers.
#![allow(clippy::unwrap_used, dead_code)] // test helpers; not every test binary uses every one

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, IdempotencyKey, NewCustomer, PaymentError, TrialSubscription,
};
use onramp_provider_kit::http::HttpSettings;
use onramp_provider_kit::testing::{conformance, request_snapshot};
use onramp_stripe::StripeCards;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const SECRET_KEY: &str = "sk_test_51OnrampContractOnly0123456789abcdef";
pub const CUSTOMER: &str = "cus_NffrFeUfNV2Hib";
pub const PAYMENT_METHOD: &str = "pm_1MqM05LkdIwHu7ixlDxxO6Mc";
pub const INTENT: &str = "pi_3MtwBwLkdIwHu7ix28a3tqPa";
pub const SUBSCRIPTION: &str = "sub_1MowQVLkdIwHu7ixeRlqHVzs";
pub const PRICE: &str = "price_1MowQULkdIwHu7ixraBm864M";
pub const TRIAL_REF: &str = "trial_01920000-0000-7000-8000-0000000000bb";
pub const TRIAL_END: i64 = 1_681_404_800;

pub fn spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/provider-specs/stripe.json")
}

pub fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

pub fn settings(server_uri: &str, timeout: Duration) -> HttpSettings {
    let mut settings = HttpSettings::parse(server_uri).unwrap();
    settings.timeout = timeout;
    settings.connect_timeout = Duration::from_millis(200);
    settings.min_backoff = Duration::from_millis(10);
    settings.max_attempts = 3;
    settings
}

pub fn cards(server_uri: &str) -> StripeCards {
    StripeCards::new(
        settings(server_uri, Duration::from_millis(800)),
        SECRET_KEY.to_string().into(),
    )
    .unwrap()
}

pub fn tenant() -> TenantId {
    TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap()
}

pub fn key(operation: &str) -> IdempotencyKey {
    IdempotencyKey::derive(tenant(), "session-1", 0, operation)
}

pub fn new_customer() -> NewCustomer {
    NewCustomer {
        tenant: tenant(),
        email: "jenny.rosen@example.com".into(),
        phone: Some("+14155550123".into()),
        trial_ref: TRIAL_REF.into(),
        key: key("create_customer"),
    }
}

pub fn attach() -> AttachCard {
    AttachCard {
        customer: CUSTOMER.into(),
        payment_method: PAYMENT_METHOD.into(),
        key: key("attach_card"),
    }
}

pub fn authorization() -> CardAuthorization {
    CardAuthorization {
        customer: CUSTOMER.into(),
        payment_method: PAYMENT_METHOD.into(),
        amount: Money::new(100, "USD").unwrap(),
        key: key("authorize"),
    }
}

pub fn trial() -> TrialSubscription {
    TrialSubscription {
        customer: CUSTOMER.into(),
        price: PRICE.into(),
        payment_method: PAYMENT_METHOD.into(),
        trial_days: 7,
        trial_ref: TRIAL_REF.into(),
        key: key("start_trial"),
    }
}

// ---- Stripe's answers ----

pub fn customer_object() -> Value {
    json!({
        "id": CUSTOMER, "object": "customer", "address": null, "balance": 0,
        "created": 1680893993, "currency": null, "default_source": null, "delinquent": false,
        "description": null, "discount": null, "email": "jenny.rosen@example.com",
        "invoice_prefix": "0759376C",
        "invoice_settings": {"custom_fields": null, "default_payment_method": null,
                             "footer": null, "rendering_options": null},
        "livemode": false, "metadata": {"onramp_trial": TRIAL_REF}, "name": null,
        "next_invoice_sequence": 1, "phone": "+14155550123", "preferred_locales": [],
        "shipping": null, "tax_exempt": "none", "test_clock": null
    })
}

pub fn payment_method_object() -> Value {
    json!({
        "id": PAYMENT_METHOD, "object": "payment_method",
        "billing_details": {"address": {"city": null, "country": null, "line1": null,
            "line2": null, "postal_code": null, "state": null},
            "email": null, "name": null, "phone": null},
        "card": {"brand": "visa",
            "checks": {"address_line1_check": null, "address_postal_code_check": null,
                       "cvc_check": "unchecked"},
            "country": "US", "display_brand": "visa", "exp_month": 8, "exp_year": 2027,
            "fingerprint": "mToisGZ01V71BCos", "funding": "credit", "generated_from": null,
            "last4": "4242", "networks": {"available": ["visa"], "preferred": null},
            "three_d_secure_usage": {"supported": true}, "wallet": null},
        "created": 1679945299, "customer": CUSTOMER, "livemode": false, "metadata": {},
        "type": "card"
    })
}

pub fn payment_intent_object(status: &str) -> Value {
    json!({
        "id": INTENT, "object": "payment_intent", "amount": 100,
        "amount_capturable": if status == "requires_capture" { 100 } else { 0 },
        "amount_received": 0, "capture_method": "manual", "canceled_at": null,
        "cancellation_reason": null, "client_secret": "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
        "confirmation_method": "automatic", "created": 1680800504, "currency": "usd",
        "customer": CUSTOMER, "last_payment_error": null, "latest_charge": "ch_3MtwBwLkdIwHu7ix2LrHCPKs",
        "livemode": false, "metadata": {}, "next_action": null, "payment_method": PAYMENT_METHOD,
        "payment_method_types": ["card"], "status": status
    })
}

pub fn subscription_object(status: &str) -> Value {
    json!({
        "id": SUBSCRIPTION, "object": "subscription", "billing_cycle_anchor": TRIAL_END,
        "cancel_at": null, "cancel_at_period_end": false,
        "canceled_at": if status == "canceled" { json!(1680800600) } else { Value::Null },
        "collection_method": "charge_automatically", "created": 1680800504, "currency": "usd",
        "customer": CUSTOMER, "default_payment_method": PAYMENT_METHOD,
        "items": {"object": "list", "data": [{
            "id": "si_NcLYdDxLHxlFo7", "object": "subscription_item", "created": 1680800505,
            "metadata": {}, "price": {"id": PRICE, "object": "price", "currency": "usd",
            "recurring": {"interval": "month", "interval_count": 1}, "unit_amount": 1000},
            "quantity": 1, "subscription": SUBSCRIPTION}],
            "has_more": false, "url": "/v1/subscription_items?subscription=sub_1MowQVLkdIwHu7ixeRlqHVzs"},
        "latest_invoice": "in_1MowQWLkdIwHu7ixuzkSPfKd", "livemode": false,
        "metadata": {"onramp_trial": TRIAL_REF}, "status": status,
        "trial_end": TRIAL_END,
        "trial_settings": {"end_behavior": {"missing_payment_method": "cancel"}},
        "trial_start": 1680800504
    })
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("request-id", "req_6Yvk2RVwXyOq5R")
        .set_body_json(body)
}

pub fn error(status: u16, error: Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("request-id", "req_6Yvk2RVwXyOq5R")
        .set_body_json(json!({"error": error}))
}

pub fn resource_missing(status: u16, message: &str, param: &str) -> ResponseTemplate {
    error(
        status,
        json!({
            "code": "resource_missing",
            "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
            "message": message,
            "param": param,
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_6Yvk2RVwXyOq5R?t=1680800504",
            "type": "invalid_request_error"
        }),
    )
}

pub fn invalid_api_key() -> ResponseTemplate {
    error(
        401,
        json!({
            "message": "Invalid API Key provided: sk_test_*****************************cdef",
            "type": "invalid_request_error"
        }),
    )
}

pub fn server_error() -> ResponseTemplate {
    error(
        503,
        json!({"message": "An unknown error occurred", "type": "api_error"}),
    )
}

// ---- helpers ----

/// A mock of `verb path` with the bearer key, answering `answer`.
pub async fn mount(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .and(header(
            "authorization",
            format!("Bearer {SECRET_KEY}").as_str(),
        ))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Like [`mount`], answering only the first `times` matching requests.
pub async fn mount_times(
    server: &MockServer,
    verb: &str,
    at: &str,
    answer: ResponseTemplate,
    times: u64,
) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// The form body of `request` as a map.
pub fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn idempotency_key(request: &Request) -> Option<String> {
    request
        .headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap().to_string())
}

/// Checks `request` against Stripe's OpenAPI description, then snapshots it as `name`.
pub fn snapshot(name: &str, request: &Request) {
    let value = request_snapshot("stripe", request, &[]);
    if let Err(violations) = conformance::check(&spec(), &value) {
        panic!(
            "{name} does not conform to stripe.json:\n  {}",
            violations.join("\n  ")
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

pub fn refused_code<T: std::fmt::Debug>(result: Result<T, PaymentError>) -> String {
    match result {
        Err(PaymentError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
