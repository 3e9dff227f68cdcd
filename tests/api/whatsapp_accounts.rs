//! Issue 5, "Done when" 3: the `unified-voice-first` (BSP path, Sinch's conventions) and
//! `solution-partner-whatsapp` (Embedded Signup, Meta's conventions) templates end to end on
//! the sandbox; a rejected sender is corrected and resubmitted and reaches approval only
//! through review (P-WABA-4), with a mail at each change; a stale code is refused (P-WABA-2).

use std::time::Duration;

use serde_json::{Value, json};

use onramp_tests::{TestApp, backends, spawn_app};

use crate::{assert_problem, id_of};

/// Waits (up to 10 s) until the account's status is `status`.
pub(crate) async fn wait_for_account(app: &TestApp, id: &str, status: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = app.get(&format!("/v1/whatsapp/accounts/{id}")).await.body;
        if last["status"] == status {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("account {id} never reached {status}: {last:?}");
}

pub(crate) async fn advance_hour(app: &TestApp) {
    let r = app
        .post("/v1/sandbox/clock/advance", &json!({ "seconds": 3600 }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

pub(crate) async fn mail_subjects(app: &TestApp, to: &str) -> Vec<String> {
    let r = app.get(&format!("/v1/sandbox/mail?to={to}")).await;
    r.body["data"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|x| x["subject"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_voice_first_gets_its_waba_through_review_after_a_corrected_rejection() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+12025550174";
        let sid = crate::trials::session_at_trial(&app, phone).await;
        let trial = app
            .post(
                &format!("/v1/sessions/{sid}/trial"),
                &json!({ "payment_method": "pm_card_visa", "email": "owner@bright.example.com" }),
            )
            .await;
        assert_eq!(trial.status, 200, "{:?}", trial.body);
        let r = app
            .submit_step(&sid, "trial", json!({ "trial_id": trial.body["id"] }))
            .await;
        assert_eq!(r.body["current_step"], "whatsapp", "{:?}", r.body);

        // The sender is submitted at the BSP; the step completes on submission.
        let contact = "waba@bright.example.com";
        let submitted = app
            .post(
                "/v1/whatsapp/senders",
                &json!({ "session_id": sid, "display_name": "Bright Dental Rejected", "phone": phone,
                         "contact_email": contact, "details": { "website": "https://bright.example.com" } }),
            )
            .await;
        assert_eq!(submitted.status, 201, "{:?}", submitted.body);
        let account = id_of(&submitted);
        assert_eq!(submitted.body["path"], "bsp");
        assert_eq!(app.get_session(&sid).await.body["current_step"], "review");

        // In review first (created at the BSP), then rejected with the reason at the poll.
        let a = wait_for_account(&app, &account, "in_review").await;
        assert!(
            a["sender_id"].as_str().unwrap().starts_with("sbx_sender_"),
            "{a:?}"
        );
        // Approval only through review: resubmitting while in review is refused.
        let early = app
            .post(
                &format!("/v1/whatsapp/accounts/{account}/resubmit"),
                &json!({ "corrections": "x" }),
            )
            .await;
        assert_problem(&early, 409, "INVALID_WABA_TRANSITION");
        advance_hour(&app).await;
        let a = wait_for_account(&app, &account, "rejected").await;
        assert!(
            a["rejection"].as_str().unwrap().contains("display name"),
            "{a:?}"
        );

        // Corrected and resubmitted: in review again, then approved.
        let again = app
            .post(
                &format!("/v1/whatsapp/accounts/{account}/resubmit"),
                &json!({ "corrections": "Display name is now the registered business name", "display_name": "Bright Dental Care" }),
            )
            .await;
        assert_eq!(again.status, 200, "{:?}", again.body);
        assert_eq!(again.body["status"], "resubmitted");
        wait_for_account(&app, &account, "in_review").await;
        advance_hour(&app).await;
        let a = wait_for_account(&app, &account, "approved").await;
        assert_eq!(a["submissions"], 2);

        // A mail at each change.
        let mut subjects = Vec::new();
        for _ in 0..200 {
            subjects = mail_subjects(&app, contact).await;
            if subjects.len() >= 6 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(subjects.len(), 6, "{subjects:?}");

        // The dashboard: the template runs to its end.
        let done = app
            .submit_step(&sid, "review", json!({ "confirmed": true }))
            .await;
        assert_eq!(done.body["status"], "completed", "{:?}", done.body);

        // Another tenant sees none of it.
        let (_, other) = app.create_tenant("other").await;
        let r = app
            .get_as(&other, &format!("/v1/whatsapp/accounts/{account}"))
            .await;
        assert_problem(&r, 404, "WHATSAPP_ACCOUNT_NOT_FOUND");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solution_partner_onboards_a_client_by_embedded_signup_on_the_sandbox() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let started = app.post_session("solution-partner-whatsapp", None).await;
        let sid = id_of(&started);
        let r = app
            .submit_step(
                &sid,
                "business",
                json!({ "business_name": "Bright Dental Care", "contact_email": "owner@bright.example.com" }),
            )
            .await;
        assert_eq!(r.body["current_step"], "whatsapp", "{:?}", r.body);

        // The browser finishes the sandbox Embedded Signup and hands its data to the server.
        let finish = app.post("/v1/sandbox/whatsapp/signups", &json!({})).await;
        assert_eq!(finish.status, 201, "{:?}", finish.body);
        let mut body = finish.body.clone();
        body["session_id"] = json!(sid);
        let signup = app.post("/v1/whatsapp/signups", &body).await;
        assert_eq!(signup.status, 201, "{:?}", signup.body);
        assert!(
            !signup.body.to_string().contains("sbx_token"),
            "{:?}",
            signup.body
        );
        let account = id_of(&signup);

        // The saga runs to its end, in order; the session's step completes by itself.
        let a = wait_for_account(&app, &account, "active").await;
        assert_eq!(
            a["steps_done"],
            json!([
                "code_exchange",
                "webhook_subscription",
                "credit_line_sharing",
                "phone_registration"
            ])
        );
        let s = app.get_session(&sid).await;
        assert_eq!(s.body["current_step"], "go_live", "{:?}", s.body);

        // A code used once is dead: a second signup with it is refused, nothing exchanged.
        let reused = app.post("/v1/whatsapp/signups", &finish.body).await;
        assert_problem(&reused, 410, "SIGNUP_CODE_EXPIRED");
        // A code older than 30 s is never exchanged.
        let fresh = app.post("/v1/sandbox/whatsapp/signups", &json!({})).await;
        let mut stale = fresh.body.clone();
        let issued = time::OffsetDateTime::now_utc() - time::Duration::seconds(31);
        stale["code_issued_at"] = json!(
            issued
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        );
        let refused = app.post("/v1/whatsapp/signups", &stale).await;
        assert_problem(&refused, 410, "SIGNUP_CODE_EXPIRED");

        // After onboarding: the partner's clients, a message on the client's behalf, its
        // history.
        let clients = app.get("/v1/whatsapp/accounts?status=active").await;
        assert_eq!(
            clients.body["data"].as_array().unwrap().len(),
            1,
            "{:?}",
            clients.body
        );
        let sent = app
            .post(
                &format!("/v1/whatsapp/accounts/{account}/messages"),
                &json!({ "to": "+12025550175", "text": "Your appointment is confirmed." }),
            )
            .await;
        assert_eq!(sent.status, 202, "{:?}", sent.body);
        let mut history = Value::Null;
        for _ in 0..200 {
            history = app
                .get(&format!("/v1/whatsapp/accounts/{account}/messages"))
                .await
                .body;
            if history["data"][0]["status"] == "sent" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(history["data"][0]["status"], "sent", "{history:?}");
        assert_eq!(history["data"][0]["author"], "bot");

        let done = app
            .submit_step(&sid, "go_live", json!({ "confirmed": true }))
            .await;
        assert_eq!(done.body["status"], "completed", "{:?}", done.body);
    }
}

// See: issue 11 item 8 (a BSP review poll answered "not found" completed silently and the account
// stayed `in_review` for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_the_bsp_no_longer_knows_is_shown_on_the_account_and_polled_again_on_retry() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let submitted = app
            .post(
                "/v1/whatsapp/senders",
                &json!({ "display_name": "Harbor Clinic", "phone": "+12025550175" }),
            )
            .await;
        assert_eq!(submitted.status, 201, "{:?}", submitted.body);
        let account = id_of(&submitted);
        let a = wait_for_account(&app, &account, "in_review").await;

        // The BSP loses the sender (as the sandbox did at every restart while it kept its
        // senders in memory): it no longer knows this one.
        app.forget_sandbox_object("bsp.sender", a["sender_id"].as_str().unwrap())
            .await;
        advance_hour(&app).await;
        let path = format!("/v1/whatsapp/accounts/{account}");
        let failed = wait_for(&app, &path, |a| !a["review_failure"].is_null()).await;
        assert_eq!(failed["status"], "in_review", "{failed:?}");
        let reason = failed["review_failure"]["reason"].as_str().unwrap();
        assert!(reason.contains("sender_not_found"), "{failed:?}");

        // A retry follows the review again: the failure is cleared, the poll runs at once (and
        // fails again here, recorded anew).
        let retried = app.post(&format!("{path}/retry"), &json!({})).await;
        assert_eq!(retried.status, 200, "{:?}", retried.body);
        assert!(
            retried.body["review_failure"].is_null(),
            "{:?}",
            retried.body
        );
        let again = wait_for(&app, &path, |a| !a["review_failure"].is_null()).await;
        assert_ne!(
            again["review_failure"]["at"],
            failed["review_failure"]["at"]
        );
    }
}

async fn wait_for(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = app.get(path).await.body;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} never got there: {last:?}");
}
