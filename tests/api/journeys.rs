//! Whole journeys over HTTP: the conversational profile (voice call unanswered, SMS fallback with
//! the same code, a conditional step, a capability level) and the platform set-up wizard
//! (optional steps skipped, pause and resume, progress that only moves forward).

use onramp_tests::{Reply, TestApp, backends, spawn_app};
use serde_json::{Value, json};

use crate::{
    VOICE_NEVER_ANSWERED, assert_problem, events_count, id_of, session_settings,
    verification_settings, verify_session_phone,
};

fn step_status<'a>(session: &'a Value, step: &str) -> &'a str {
    let steps = session["steps"].as_array().unwrap();
    steps.iter().find(|s| s["id"] == step).unwrap()["status"]
        .as_str()
        .unwrap()
}

#[track_caller]
fn ok(r: Reply) -> Value {
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn answer(app: &TestApp, session: &str, step: &str, answers: Value) -> Value {
    ok(app.submit_step(session, step, answers).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_employed_person_verifies_by_sms_after_an_unanswered_call_and_gets_a_capability_level()
 {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let started = app
            .post_session("conversational-profile", Some(VOICE_NEVER_ANSWERED))
            .await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        let sid = id_of(&started);
        session_settings()
            .bind(|| insta::assert_json_snapshot!("conversational_profile_started", started.body));

        let s = answer(&app, &sid, "welcome", json!({ "choice": "personal_help" })).await;
        assert_eq!(s["current_step"], "phone");
        assert_eq!(s["progress"]["next_action"]["kind"], "verify_phone");

        // The call is never answered: the server falls back to an SMS carrying the same code.
        let v = app
            .start_verification(VOICE_NEVER_ANSWERED, Some(&sid))
            .await;
        assert_eq!(v.status, 201, "{:?}", v.body);
        let vid = id_of(&v);
        let v = app.wait_for_deliveries(&vid).await;
        let deliveries = v["deliveries"].as_array().unwrap();
        assert_eq!(deliveries.len(), 2, "{v:?}");
        assert_eq!(
            (
                deliveries[0]["channel"].as_str(),
                deliveries[0]["status"].as_str()
            ),
            (Some("voice"), Some("failed"))
        );
        assert_eq!(deliveries[0]["fallback"], false);
        assert_eq!(
            (
                deliveries[1]["channel"].as_str(),
                deliveries[1]["status"].as_str()
            ),
            (Some("sms"), Some("delivered"))
        );
        assert_eq!(deliveries[1]["fallback"], true);
        verification_settings().bind(|| {
            insta::assert_json_snapshot!("conversational_profile_fallback_verification", v)
        });

        let inbox = app.sandbox_messages(VOICE_NEVER_ANSWERED).await;
        assert_eq!(inbox.len(), 2, "{inbox:?}");
        assert_eq!(
            (inbox[0]["channel"].as_str(), inbox[0]["status"].as_str()),
            (Some("voice"), Some("failed"))
        );
        assert_eq!(
            (inbox[1]["channel"].as_str(), inbox[1]["status"].as_str()),
            (Some("sms"), Some("delivered"))
        );
        assert_eq!(
            inbox[0]["code"], inbox[1]["code"],
            "the fallback SMS carries the code of the unanswered call"
        );
        let code = inbox[1]["code"].as_str().unwrap();

        let checked = app.check_code(&vid, code).await;
        assert_eq!(
            (checked.status, checked.body["status"].as_str()),
            (200, Some("approved")),
            "{:?}",
            checked.body
        );

        // The approval completed the session's phone step by itself.
        let s = ok(app.get_session(&sid).await);
        assert_eq!(s["phone_verified"], true);
        assert_eq!(step_status(&s, "phone"), "completed");
        assert_eq!(s["current_step"], "consent");
        assert_eq!(s["answers"]["phone"]["verification_id"], vid.as_str());
        session_settings()
            .bind(|| insta::assert_json_snapshot!("conversational_profile_mid_way", s));

        answer(&app, &sid, "consent", json!({ "accepted": true })).await;
        let s = answer(&app, &sid, "goal", json!({ "choice": "organise" })).await;
        assert_eq!(step_status(&s, "income_complexity"), "not_applicable");
        let s = answer(
            &app,
            &sid,
            "income_type",
            json!({ "choice": "self_employed" }),
        )
        .await;
        assert_eq!(
            s["current_step"], "income_complexity",
            "asked of the self-employed"
        );
        assert_eq!(step_status(&s, "income_complexity"), "current");
        assert_eq!(s["progress"]["total"], 8);
        answer(
            &app,
            &sid,
            "income_complexity",
            json!({ "choice": "simple" }),
        )
        .await;
        let s = answer(&app, &sid, "confidence", json!({ "choice": "high" })).await;
        assert_eq!(s["current_step"], "complete");

        let done = answer(&app, &sid, "complete", json!({ "confirmed": true })).await;
        assert_eq!(done["status"], "completed");
        assert_eq!(done["progress"]["percent"], 100);
        assert_eq!(done["progress"]["estimated_seconds_remaining"], 0);
        assert_eq!(done["progress"]["next_action"]["kind"], "none");
        // organise 1 + self_employed 0 + simple 2 + high 4 = 7: advanced.
        assert_eq!(
            done["capability"],
            json!({ "level": "advanced", "score": 7 })
        );
        session_settings()
            .bind(|| insta::assert_json_snapshot!("conversational_profile_completed", done));

        // Completing again answers the same and records nothing.
        let events = events_count(&app, &sid).await;
        let again = app.post_session_action(&sid, "complete").await;
        assert_eq!(again.status, 200, "{:?}", again.body);
        assert_eq!(again.body, done);
        assert_eq!(events_count(&app, &sid).await, events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_salaried_person_is_never_asked_about_income_complexity() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+447911000102";
        let sid = id_of(
            &app.post_session("conversational-profile", Some(phone))
                .await,
        );
        let mut replies =
            vec![answer(&app, &sid, "welcome", json!({ "choice": "general_info" })).await];
        verify_session_phone(&app, &sid, phone).await;
        replies.push(ok(app.get_session(&sid).await));
        replies.push(answer(&app, &sid, "consent", json!({ "accepted": true })).await);
        replies.push(answer(&app, &sid, "goal", json!({ "choice": "file" })).await);
        replies.push(answer(&app, &sid, "income_type", json!({ "choice": "salaried" })).await);
        assert_eq!(
            replies.last().unwrap()["current_step"],
            "confidence",
            "income_complexity is skipped over"
        );

        let refused = app
            .submit_step(&sid, "income_complexity", json!({ "choice": "simple" }))
            .await;
        assert_problem(&refused, 409, "INVALID_STEP_TRANSITION");

        replies.push(answer(&app, &sid, "confidence", json!({ "choice": "medium" })).await);
        replies.push(answer(&app, &sid, "complete", json!({ "confirmed": true })).await);
        for s in &replies {
            assert_eq!(
                step_status(s, "income_complexity"),
                "not_applicable",
                "{s:?}"
            );
            assert_eq!(
                s["progress"]["total"], 7,
                "income_complexity is never counted as required: {s:?}"
            );
        }
        let done = replies.last().unwrap();
        assert_eq!(done["status"], "completed");
        assert_eq!(done["progress"]["percent"], 100);
        assert!(done["answers"].get("income_complexity").is_none());
        // file 2 + salaried 2 + medium 2 = 6: intermediate.
        assert_eq!(
            done["capability"],
            json!({ "level": "intermediate", "score": 6 })
        );
    }
}

/// The answers of a form step built from its fields' examples.
fn example_answers(flow: &Value, step: &str) -> Value {
    let step = flow["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == step)
        .unwrap();
    let fields = step["fields"].as_array().unwrap();
    Value::Object(
        fields
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["example"].clone(),
                )
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_set_up_wizard_moves_forward_with_skips_and_survives_a_pause() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let flow = ok(app.get("/v1/flows/platform-setup").await);
        let phone = "+447911000103";
        let started = app.post_session("platform-setup", None).await;
        let sid = id_of(&started);
        let mut views = vec![started.body.clone()];

        views.push(answer(&app, &sid, "welcome", json!({})).await);
        verify_session_phone(&app, &sid, phone).await;
        views.push(ok(app.get_session(&sid).await));
        assert_eq!(
            views.last().unwrap()["phone"],
            phone,
            "the verified phone becomes the session's"
        );
        views.push(
            answer(
                &app,
                &sid,
                "organization",
                example_answers(&flow, "organization"),
            )
            .await,
        );

        // Paused, nothing can be answered; resumed, the session goes on where it stood.
        let paused = ok(app.post_session_action(&sid, "pause").await);
        assert_eq!(paused["status"], "paused");
        assert_eq!(paused["progress"]["next_action"]["kind"], "resume");
        let refused = app
            .submit_step(&sid, "channels", example_answers(&flow, "channels"))
            .await;
        assert_problem(&refused, 409, "INVALID_STEP_TRANSITION");
        insta::assert_json_snapshot!("platform_setup_submit_while_paused", refused.body);
        let resumed = ok(app.post_session_action(&sid, "resume").await);
        assert_eq!(resumed["status"], "active");
        assert_eq!(resumed["current_step"], "channels");

        views.push(answer(&app, &sid, "channels", example_answers(&flow, "channels")).await);
        views.push(ok(app.skip_step(&sid, "ai_features").await));
        views.push(
            answer(
                &app,
                &sid,
                "knowledge_base",
                example_answers(&flow, "knowledge_base"),
            )
            .await,
        );
        views.push(answer(&app, &sid, "payment", example_answers(&flow, "payment")).await);
        views.push(ok(app.skip_step(&sid, "team").await));
        views.push(answer(&app, &sid, "workflows", example_answers(&flow, "workflows")).await);
        views.push(ok(app.skip_step(&sid, "customer_portal").await));
        views.push(
            answer(
                &app,
                &sid,
                "data_import",
                example_answers(&flow, "data_import"),
            )
            .await,
        );
        views.push(ok(app.skip_step(&sid, "analytics").await));
        session_settings().bind(|| {
            insta::assert_json_snapshot!("platform_setup_before_review", views.last().unwrap())
        });
        views.push(answer(&app, &sid, "complete", json!({ "confirmed": true })).await);

        for pair in views.windows(2) {
            let (before, after) = (&pair[0]["progress"], &pair[1]["progress"]);
            assert!(
                after["percent"].as_u64() >= before["percent"].as_u64(),
                "progress went back: {before} -> {after}"
            );
            assert!(
                after["estimated_seconds_remaining"].as_u64()
                    < before["estimated_seconds_remaining"].as_u64(),
                "time remaining did not shrink: {before} -> {after}"
            );
            assert_ne!(after["next_action"], before["next_action"]);
        }
        let done = views.last().unwrap();
        assert_eq!(done["status"], "completed");
        assert_eq!(done["progress"]["percent"], 100);
        assert_eq!(step_status(done, "ai_features"), "skipped");
        assert_eq!(step_status(done, "knowledge_base"), "completed");
        assert_eq!(
            done["answers"]["payment"],
            example_answers(&flow, "payment")
        );
        assert!(
            done["capability"].is_null(),
            "platform-setup has no capability rule"
        );
    }
}
