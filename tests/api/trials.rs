//! Card-gated trials on the sandbox (issue 4, "Done when"): a card verified by an authorization
//! that is voided, a 7-day trial, the reminder after 4 days on the test clock, the conversion
//! after 7; a card that fails at the trial's end ends past due; a declined card answers
//! CARD_DECLINED and another card works; one trial per card and per phone.

use std::time::Duration;

use onramp_tests::{TestApp, backends, spawn_app};
use serde_json::{Value, json};

use crate::{assert_problem, id_of};

const DAY: i64 = 86_400;

/// A session of `unified-voice-first` at its trial step: phone verified, business answered.
pub(crate) async fn session_at_trial(app: &TestApp, phone: &str) -> String {
    let started = app.post_session("unified-voice-first", Some(phone)).await;
    let sid = id_of(&started);
    let vid = verify_again(app, &sid, phone).await;
    let r = app
        .submit_step(&sid, "phone", json!({ "verification_id": vid }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = app
        .submit_step(
            &sid,
            "business",
            json!({ "company_name": "Bright Dental Care", "industry": "healthcare", "team_size": "2-10" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["current_step"], "trial", "{:?}", r.body);
    sid
}

/// Verifies the session's phone, even when the phone received codes before.
async fn verify_again(app: &TestApp, session: &str, phone: &str) -> String {
    let delivered = app
        .sandbox_messages(phone)
        .await
        .iter()
        .filter(|m| m["status"] == "delivered")
        .count();
    let started = app.start_verification(phone, Some(session)).await;
    let vid = id_of(&started);
    let code = app.wait_for_code(phone, delivered + 1).await;
    let checked = app.check_code(&vid, &code).await;
    assert_eq!(checked.body["status"], "approved", "{:?}", checked.body);
    vid
}

pub(crate) async fn submit_card(
    app: &TestApp,
    session: &str,
    card: &str,
    email: &str,
) -> onramp_tests::Reply {
    app.post(
        &format!("/v1/sessions/{session}/trial"),
        &json!({ "payment_method": card, "email": email }),
    )
    .await
}

async fn advance(app: &TestApp, seconds: i64) -> Value {
    let r = app
        .post("/v1/sandbox/clock/advance", &json!({ "seconds": seconds }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

/// Waits (up to 10 s) until the trial's status is `status`; returns the trial.
async fn wait_for_status(app: &TestApp, trial: &str, status: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = app.get(&format!("/v1/trials/{trial}")).await.body;
        if last["status"] == status {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("trial {trial} never reached {status}: {last:?}");
}

/// Waits (up to 10 s) for `count` mails to `to`; returns them.
async fn wait_for_mail(app: &TestApp, to: &str, count: usize) -> Vec<Value> {
    let mut mails = Vec::new();
    for _ in 0..400 {
        let r = app.get(&format!("/v1/sandbox/mail?to={to}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        mails = r.body["data"].as_array().cloned().unwrap_or_default();
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{count} mails to {to} never arrived: {mails:?}");
}

async fn mail_count(app: &TestApp, to: &str) -> usize {
    let r = app.get(&format!("/v1/sandbox/mail?to={to}")).await;
    r.body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visa_trial_is_verified_by_a_voided_authorization_reminded_at_day_4_and_converted_at_day_7()
 {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let sid = session_at_trial(&app, "+12025550140").await;
        let email = "owner@brightdental.example.com";

        let trial = submit_card(&app, &sid, "pm_card_visa", email).await;
        assert_eq!(trial.status, 200, "{:?}", trial.body);
        let t = &trial.body;
        assert_eq!(t["status"], "trialing");
        assert_eq!(
            (t["trial_days"].as_u64(), t["plan"].as_str()),
            (Some(7), Some("business"))
        );
        assert_eq!(t["card"], json!({ "brand": "visa", "last4": "4242" }));
        // P-TRI-1: the $1 check was an authorization, and it was voided.
        let auths = t["authorizations"].as_array().unwrap();
        assert_eq!(auths.len(), 1, "{t:?}");
        assert_eq!(
            auths[0]["amount"],
            json!({ "amount": 100, "currency": "USD" })
        );
        assert_eq!(auths[0]["voided"], true);
        // P-TRI-4: exactly 7 days.
        let start = time::OffsetDateTime::parse(
            t["started_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let end = time::OffsetDateTime::parse(
            t["ends_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(end - start, time::Duration::days(7));
        let trial_id = t["id"].as_str().unwrap().to_string();

        // Repeating the request changes nothing and authorizes nothing more.
        let again = submit_card(&app, &sid, "pm_card_visa", email).await;
        assert_eq!(again.status, 200, "{:?}", again.body);
        assert_eq!(again.body["authorizations"].as_array().unwrap().len(), 1);

        // The step completes with the trial of this session.
        let s = app
            .submit_step(&sid, "trial", json!({ "trial_id": trial_id }))
            .await;
        assert_eq!(s.status, 200, "{:?}", s.body);
        assert_eq!(s.body["current_step"], "whatsapp");
        assert_eq!(
            app.get(&format!("/v1/sessions/{sid}/trial")).await.body["id"],
            trial_id
        );

        // Day 3: no reminder yet. Day 4: the reminder (3 days before the end).
        advance(&app, 3 * DAY).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(mail_count(&app, email).await, 0);
        advance(&app, DAY).await;
        let mails = wait_for_mail(&app, email, 1).await;
        assert!(
            mails[0]["subject"].as_str().unwrap().contains("ends soon"),
            "{mails:?}"
        );
        let t = app.get(&format!("/v1/trials/{trial_id}")).await.body;
        assert_eq!(
            (t["status"].as_str(), t["reminder_sent"].as_bool()),
            (Some("trialing"), Some(true))
        );

        // Day 7: converted, one account with the plan, active, and its welcome mail.
        advance(&app, 3 * DAY).await;
        let t = wait_for_status(&app, &trial_id, "active").await;
        assert_eq!(t["end_reached"], true);
        let customers = app.get(&format!("/v1/customers?session_id={sid}")).await;
        assert_eq!(customers.status, 200, "{:?}", customers.body);
        let accounts = customers.body["data"].as_array().unwrap();
        assert_eq!(accounts.len(), 1, "{accounts:?}");
        assert_eq!(accounts[0]["plan"], "business");
        assert_eq!(accounts[0]["status"], "active");
        assert_eq!(
            accounts[0]["source"],
            json!({ "kind": "trial", "id": trial_id })
        );
        assert_eq!(accounts[0]["id"], t["customer_id"]);
        let account = app
            .get(&format!(
                "/v1/customers/{}",
                accounts[0]["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(account.status, 200, "{:?}", account.body);
        wait_for_mail(&app, email, 2).await;

        // The template runs to its end: the WhatsApp sender is submitted (its review is
        // tests/api/whatsapp_accounts.rs's), then the review.
        let sender = app
            .post(
                "/v1/whatsapp/senders",
                &json!({ "session_id": sid, "display_name": "Bright Dental Care", "phone": "+12025550140" }),
            )
            .await;
        assert_eq!(sender.status, 201, "{:?}", sender.body);
        let done = app
            .submit_step(&sid, "review", json!({ "confirmed": true }))
            .await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        assert_eq!(done.body["status"], "completed", "{:?}", done.body);

        // Another tenant sees none of it.
        let (_, other_key) = app.create_tenant("other").await;
        let r = app
            .get_as(&other_key, &format!("/v1/trials/{trial_id}"))
            .await;
        assert_problem(&r, 404, "TRIAL_NOT_FOUND");
        let r = app
            .get_as(
                &other_key,
                &format!("/v1/customers/{}", accounts[0]["id"].as_str().unwrap()),
            )
            .await;
        assert_problem(&r, 404, "CUSTOMER_NOT_FOUND");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_that_fails_at_the_trials_end_ends_past_due_without_an_account() {
    let app = spawn_app(onramp_tests::Backend::Sqlite).await;
    let sid = session_at_trial(&app, "+12025550141").await;
    let trial = submit_card(&app, &sid, "pm_card_chargeCustomerFail", "late@example.com").await;
    assert_eq!(trial.status, 200, "{:?}", trial.body);
    assert_eq!(trial.body["status"], "trialing");
    let id = trial.body["id"].as_str().unwrap().to_string();
    advance(&app, 7 * DAY).await;
    let t = wait_for_status(&app, &id, "past_due").await;
    assert_eq!(t["customer_id"], Value::Null);
    let customers = app.get(&format!("/v1/customers?session_id={sid}")).await;
    assert_eq!(customers.body["data"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_answers_card_declined_and_another_card_starts_the_trial() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let sid = session_at_trial(&app, "+12025550142").await;
        let declined =
            submit_card(&app, &sid, "pm_card_visa_chargeDeclined", "d@example.com").await;
        assert_problem(&declined, 402, "CARD_DECLINED");
        assert_eq!(declined.body["decline_code"], "generic_decline");
        let t = app.get(&format!("/v1/sessions/{sid}/trial")).await.body;
        assert_eq!(t["status"], "awaiting_payment_method");
        assert_eq!(t["last_decline"]["code"], "card_declined");
        // The step cannot complete yet.
        let early = app
            .submit_step(&sid, "trial", json!({ "trial_id": t["id"] }))
            .await;
        assert_problem(&early, 409, "INVALID_STEP_TRANSITION");

        let ok = submit_card(&app, &sid, "pm_card_mastercard", "d@example.com").await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        assert_eq!(ok.body["status"], "trialing");
        assert_eq!(ok.body["attempts"], 2);
        assert_eq!(ok.body["card"]["brand"], "mastercard");
        assert_eq!(ok.body["last_decline"], Value::Null);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_trial_for_the_same_card_or_the_same_phone_is_refused() {
    let app = spawn_app(onramp_tests::Backend::Sqlite).await;
    let first = session_at_trial(&app, "+12025550143").await;
    let r = submit_card(&app, &first, "pm_card_amex", "a@example.com").await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Same card, another person's session.
    let second = session_at_trial(&app, "+12025550144").await;
    let r = submit_card(&app, &second, "pm_card_amex", "b@example.com").await;
    assert_problem(&r, 409, "TRIAL_ALREADY_USED");
    // Same phone, another card.
    let third = session_at_trial(&app, "+12025550143").await;
    let r = submit_card(&app, &third, "pm_card_discover", "a2@example.com").await;
    assert_problem(&r, 409, "TRIAL_ALREADY_USED");
    // Nothing was authorized for the refused ones: their trials hold no authorization.
    for sid in [&second, &third] {
        let t = app.get(&format!("/v1/sessions/{sid}/trial")).await.body;
        assert_eq!(t["authorizations"], json!([]), "{t:?}");
        assert_eq!(t["status"], "awaiting_payment_method");
    }
    // A refused attempt claimed nothing: the second person with a card of their own is fine.
    let r = submit_card(&app, &second, "pm_card_discover", "b@example.com").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "trialing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_can_be_canceled_and_its_timers_do_nothing_after() {
    let app = spawn_app(onramp_tests::Backend::Sqlite).await;
    let sid = session_at_trial(&app, "+12025550145").await;
    let r = submit_card(&app, &sid, "pm_card_visa", "c@example.com").await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let canceled = app
        .post(&format!("/v1/trials/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(canceled.status, 200, "{:?}", canceled.body);
    assert_eq!(canceled.body["status"], "canceled");
    let again = app
        .post(&format!("/v1/trials/{id}/cancel"), &json!({}))
        .await;
    assert_problem(&again, 409, "INVALID_PAYMENT_TRANSITION");
    advance(&app, 8 * DAY).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let t = app.get(&format!("/v1/trials/{id}")).await.body;
    assert_eq!(
        (t["status"].as_str(), t["customer_id"].is_null()),
        (Some("canceled"), true)
    );
    assert_eq!(mail_count(&app, "c@example.com").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_comes_at_the_trial_step_and_the_step_needs_this_sessions_trial() {
    let app = spawn_app(onramp_tests::Backend::Sqlite).await;
    let started = app
        .post_session("unified-voice-first", Some("+12025550146"))
        .await;
    let early_sid = id_of(&started);
    let r = submit_card(&app, &early_sid, "pm_card_visa", "e@example.com").await;
    assert_problem(&r, 409, "INVALID_STEP_TRANSITION");

    let sid = session_at_trial(&app, "+12025550147").await;
    let other = session_at_trial(&app, "+12025550148").await;
    let r = submit_card(&app, &other, "pm_card_visa", "f@example.com").await;
    let others_trial = r.body["id"].clone();
    let r = app
        .submit_step(&sid, "trial", json!({ "trial_id": others_trial }))
        .await;
    assert_problem(&r, 409, "INVALID_STEP_TRANSITION");
    let r = app
        .post("/v1/sandbox/clock/advance", &json!({ "seconds": 0 }))
        .await;
    assert_problem(&r, 400, "MALFORMED_REQUEST");
}
