//! Issue 5, item 3: a BSP sender waiting for the proof that the business owns its number
//! (Sinch's `PENDING_VERIFICATION`) gets a code by SMS or voice call (`POST .../register`),
//! gives it back (`POST .../verify`), and its review goes on to approval (P-WABA-5), on the
//! sandbox with its magic display name `Unverified Number`.

use std::time::Duration;

use serde_json::{Value, json};

use onramp_tests::{TestApp, backends, spawn_app};

use crate::whatsapp_accounts::{advance_hour, mail_subjects, wait_for_account};
use crate::{assert_problem, id_of};

/// The number's messages in the sandbox inbox, waiting (up to 10 s) for `count` of them.
async fn number_messages(app: &TestApp, phone: &str, count: usize) -> Vec<Value> {
    for _ in 0..400 {
        let messages = app.sandbox_messages(phone).await;
        if messages.len() >= count {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{phone} never got {count} messages");
}

/// A code other than `code` (the next one, modulo a million).
fn other_code(code: &str) -> String {
    let n: u32 = code.parse().expect("6 digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_proves_its_number_with_a_code_then_its_review_goes_on_to_approval() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+12025550176";
        let contact = "number@bright.example.com";
        let submitted = app
            .post(
                "/v1/whatsapp/senders",
                &json!({ "display_name": "Bright Dental Unverified Number", "phone": phone,
                         "contact_email": contact }),
            )
            .await;
        assert_eq!(submitted.status, 201, "{:?}", submitted.body);
        let account = id_of(&submitted);
        let path = |action: &str| format!("/v1/whatsapp/accounts/{account}/{action}");

        // Created at the BSP, in review, waiting for the number's proof.
        let a = wait_for_account(&app, &account, "in_review").await;
        assert_eq!(a["number_verification"], "required", "{a:?}");
        assert_eq!(a["verification_codes_sent"], 0);

        // No code was asked yet: nothing to verify; a malformed code never reaches the BSP.
        let early = app
            .post(&path("verify"), &json!({ "code": "123456" }))
            .await;
        assert_problem(&early, 409, "INVALID_WABA_TRANSITION");
        let bad = app.post(&path("verify"), &json!({ "code": "12345" })).await;
        assert_problem(&bad, 422, "INVALID_CODE_FORMAT");
        let unknown = app
            .post(&path("register"), &json!({ "method": "fax" }))
            .await;
        assert!(
            unknown.status == 400 || unknown.status == 422,
            "{unknown:?}"
        );

        // A code by SMS; the same request retried (its idempotency key) sends no second one.
        let sms = app
            .post_idempotent(&path("register"), "register-1", &json!({ "method": "sms" }))
            .await;
        assert_eq!(sms.status, 200, "{:?}", sms.body);
        assert_eq!(sms.body["number_verification"], "code_sent");
        assert_eq!(sms.body["number_verification_method"], "sms");
        assert_eq!(sms.body["verification_codes_sent"], 1);
        let replay = app
            .post_idempotent(&path("register"), "register-1", &json!({ "method": "sms" }))
            .await;
        assert_eq!(replay.body, sms.body);
        let messages = number_messages(&app, phone, 1).await;
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(messages[0]["channel"], "sms");
        assert!(
            messages[0]["body"]
                .as_str()
                .unwrap()
                .contains("WhatsApp Business verification code"),
            "{messages:?}"
        );
        let first = messages[0]["code"].as_str().unwrap().to_owned();

        // A wrong code is refused and changes nothing.
        let wrong = app
            .post(&path("verify"), &json!({ "code": other_code(&first) }))
            .await;
        assert_problem(&wrong, 422, "SENDER_CODE_INCORRECT");
        let a = app
            .get(&format!("/v1/whatsapp/accounts/{account}"))
            .await
            .body;
        assert_eq!(a["number_verification"], "code_sent");

        // A new code by voice call; the first one dies with it.
        let voice = app
            .post(&path("register"), &json!({ "method": "voice" }))
            .await;
        assert_eq!(voice.status, 200, "{:?}", voice.body);
        assert_eq!(voice.body["number_verification_method"], "voice");
        assert_eq!(voice.body["verification_codes_sent"], 2);
        let messages = number_messages(&app, phone, 2).await;
        assert_eq!(messages[1]["channel"], "voice");
        let second = messages[1]["code"].as_str().unwrap().to_owned();
        if second != first {
            let stale = app.post(&path("verify"), &json!({ "code": first })).await;
            assert_problem(&stale, 422, "SENDER_CODE_INCORRECT");
        }

        // The right code verifies the number; the review goes on.
        let verified = app.post(&path("verify"), &json!({ "code": second })).await;
        assert_eq!(verified.status, 200, "{:?}", verified.body);
        assert_eq!(verified.body["number_verification"], "verified");
        assert_eq!(verified.body["status"], "in_review");
        // Verified once: giving the code again answers the account; no new code is sent.
        let again = app.post(&path("verify"), &json!({ "code": second })).await;
        assert_eq!(again.body["number_verification"], "verified", "{again:?}");
        let late = app
            .post(&path("register"), &json!({ "method": "sms" }))
            .await;
        assert_problem(&late, 409, "INVALID_WABA_TRANSITION");

        // The next poll approves it.
        advance_hour(&app).await;
        let a = wait_for_account(&app, &account, "approved").await;
        assert_eq!(a["number_verification"], "verified");

        // One mail per change, the number's two included.
        let mut subjects = Vec::new();
        for _ in 0..200 {
            subjects = mail_subjects(&app, contact).await;
            if subjects.len() >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(subjects.len(), 5, "{subjects:?}");
        assert!(
            subjects.iter().any(|s| s.ends_with("verify your number")),
            "{subjects:?}"
        );
        assert!(
            subjects.iter().any(|s| s.ends_with("number verified")),
            "{subjects:?}"
        );

        // Another tenant can neither ask for a code nor verify.
        let (_, other) = app.create_tenant("other").await;
        let r = app
            .post_as(&other, &path("register"), &json!({ "method": "sms" }))
            .await;
        assert_problem(&r, 404, "WHATSAPP_ACCOUNT_NOT_FOUND");
    }
}
