//! End-to-end journeys over real HTTP, on every store backend (SQLite always, PostgreSQL when
//! `ONRAMP_TEST_DATABASE_URL` is set), with insta snapshots of response shapes (ids and times
//! redacted). One binary, one module per area (HOUSE-STYLE.md section 5).
#![allow(clippy::unwrap_used)]

mod errors;
mod events;
mod failover;
mod flows_and_docs;
mod idempotency;
mod integrations;
mod journeys;
mod metrics;
mod orders;
mod outbound;
mod provider_owned;
mod rate_limit;
mod retention;
mod sessions_list;
mod stripe_history;
mod trials;
mod verification_codes;
mod webhooks;
mod whatsapp_accounts;
mod whatsapp_chat;
mod whatsapp_number;
mod whatsapp_signup;

use onramp_tests::{Reply, TestApp};

/// The sandbox number whose voice calls are never answered (the server falls back to SMS).
pub const VOICE_NEVER_ANSWERED: &str = "+12025550101";

/// A redaction that replaces a present value with `placeholder` and leaves `null` visible.
fn present(placeholder: &'static str) -> insta::internals::Redaction {
    insta::dynamic_redaction(move |value, _| {
        if value.as_str().is_some() {
            placeholder.into()
        } else {
            value
        }
    })
}

/// Snapshot settings for a session view: ids and times redacted.
pub fn session_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_redaction(".id", present("[id]"));
    for at in [".created_at", ".updated_at", ".completed_at"] {
        s.add_redaction(at, present("[ts]"));
    }
    s.add_redaction(".answers.phone.verification_id", present("[id]"));
    s.add_redaction(".answers.admin_phone.verification_id", present("[id]"));
    s
}

/// Snapshot settings for a verification view: ids and times redacted.
pub fn verification_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_redaction(".id", present("[id]"));
    s.add_redaction(".session_id", present("[id]"));
    for at in [
        ".created_at",
        ".expires_at",
        ".approved_at",
        ".deliveries[].at",
        ".deliveries[].attempts[].at",
        ".blocked_fallback.at",
    ] {
        s.add_redaction(at, present("[ts]"));
    }
    s.add_redaction(".deliveries[].attempts[].provider_ref", present("[ref]"));
    s
}

/// Asserts `r` is an `application/problem+json` answer with this status and stable code.
#[track_caller]
pub fn assert_problem(r: &Reply, status: u16, code: &str) {
    assert_eq!((r.status, r.code()), (status, code), "{:?}", r.body);
    assert_eq!(r.content_type(), "application/problem+json", "{:?}", r.body);
    assert_eq!(r.body["status"], status, "{:?}", r.body);
    assert_eq!(
        r.body["type"],
        format!("urn:onramp:problem:{code}"),
        "{:?}",
        r.body
    );
}

/// A session id from a 201 reply.
#[track_caller]
pub fn id_of(r: &Reply) -> String {
    assert!(
        r.status == 200 || r.status == 201,
        "{} {:?}",
        r.status,
        r.body
    );
    r.body["id"].as_str().unwrap().to_string()
}

/// Verifies the session's current phone step with `phone` (a number that delivers): starts a
/// verification for the session, checks the delivered code; returns the verification id.
pub async fn verify_session_phone(app: &TestApp, session: &str, phone: &str) -> String {
    let started = app.start_verification(phone, Some(session)).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let vid = id_of(&started);
    let code = app.wait_for_code(phone, 1).await;
    let checked = app.check_code(&vid, &code).await;
    assert_eq!(
        (checked.status, checked.body["status"].as_str()),
        (200, Some("approved")),
        "{:?}",
        checked.body
    );
    vid
}

/// The number of events in the session's audit trail.
pub async fn events_count(app: &TestApp, session: &str) -> usize {
    let r = app.get_session_events(session).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().len()
}

/// The number of the tenant's sessions (up to 100).
pub async fn sessions_count(app: &TestApp) -> usize {
    let r = app.list_sessions("limit=100").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().len()
}

/// A code that is not `code` (same length, every digit changed).
pub fn wrong_code(code: &str) -> String {
    code.chars()
        .map(|c| char::from_digit((c.to_digit(10).unwrap() + 1) % 10, 10).unwrap())
        .collect()
}
