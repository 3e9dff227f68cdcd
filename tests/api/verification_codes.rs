//! Checking codes: the format, wrong codes up to the lock, expiry, the resend cooldown. Each
//! refusal is a precise problem+json answer and changes nothing it should not.

use onramp_tests::{backends, spawn_app};

use crate::{assert_problem, id_of, wrong_code};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_lock_the_verification_and_then_even_the_right_code_is_refused() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000401";
        let vid = id_of(&app.start_verification(phone, None).await);
        let code = app.wait_for_code(phone, 1).await;
        app.wait_for_deliveries(&vid).await;

        // Letters are refused before any check is counted.
        let before = app.get_verification(&vid).await.body;
        for bad in ["12a456", "12345", "1234567"] {
            let reply = app.check_code(&vid, bad).await;
            assert_problem(&reply, 422, "INVALID_CODE_FORMAT");
        }
        insta::assert_json_snapshot!(
            "code_with_letters",
            app.check_code(&vid, "12a456").await.body
        );
        assert_eq!(app.get_verification(&vid).await.body, before);
        assert_eq!(before["checks_remaining"], 5);

        let wrong = wrong_code(&code);
        for remaining in [4, 3, 2, 1] {
            let reply = app.check_code(&vid, &wrong).await;
            assert_problem(&reply, 422, "VERIFICATION_CODE_INCORRECT");
            assert_eq!(reply.body["checks_remaining"], remaining);
            if remaining == 4 {
                insta::assert_json_snapshot!("code_incorrect", reply.body);
            }
        }
        let reply = app.check_code(&vid, &wrong).await;
        assert_problem(&reply, 423, "VERIFICATION_LOCKED");
        insta::assert_json_snapshot!("verification_locked", reply.body);
        let reply = app.check_code(&vid, &code).await;
        assert_problem(&reply, 423, "VERIFICATION_LOCKED");
        let locked = app.get_verification(&vid).await.body;
        assert_eq!(
            (
                locked["status"].as_str(),
                locked["checks_remaining"].as_u64()
            ),
            (Some("locked"), Some(0))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_checked_after_five_minutes_has_expired() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000501";
        let vid = id_of(&app.start_verification(phone, None).await);
        let code = app.wait_for_code(phone, 1).await;
        app.wait_for_deliveries(&vid).await;
        app.clock.advance(301);
        let reply = app.check_code(&vid, &code).await;
        assert_problem(&reply, 410, "VERIFICATION_EXPIRED");
        insta::assert_json_snapshot!("verification_expired", reply.body);
        assert_eq!(app.get_verification(&vid).await.body["status"], "expired");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_within_thirty_seconds_is_rate_limited_with_retry_after() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000601";
        let vid = id_of(&app.start_verification(phone, None).await);
        app.wait_for_deliveries(&vid).await;
        let before = app.get_verification(&vid).await.body;
        let reply = app.resend_verification(&vid).await;
        assert_problem(&reply, 429, "RATE_LIMITED");
        let retry_after: u64 = reply.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&retry_after), "{retry_after}");
        assert_eq!(reply.body["retry_after_seconds"], retry_after);
        assert_eq!(app.get_verification(&vid).await.body, before);

        app.clock.advance(31);
        let reply = app.resend_verification(&vid).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["deliveries"].as_array().unwrap().len(), 2);
    }
}
