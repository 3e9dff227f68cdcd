//! Bad input gets a precise problem+json answer with a stable `code`, and changes nothing: bodies
//! that do not parse, invalid phones, answers failing the step schema, steps out of order,
//! unknown or foreign ids, missing credentials. (Codes: `verification_codes.rs`; keys:
//! `idempotency.rs`; content types, size limits and NUL characters: `errors/edge_inputs.rs`.)

mod edge_inputs;

use onramp_tests::{backends, spawn_app};
use serde_json::json;

use crate::{assert_problem, events_count, id_of, sessions_count, verify_session_phone};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_parse_is_a_400_and_starts_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let cases = [
            (
                "malformed_json",
                app.post_raw("/v1/sessions", "application/json", r#"{"flow_id": "#)
                    .await,
            ),
            (
                "unknown_field",
                app.post(
                    "/v1/sessions",
                    &json!({ "flow_id": "platform-setup", "colour": "blue" }),
                )
                .await,
            ),
            (
                "wrong_type",
                app.post("/v1/sessions", &json!({ "flow_id": 42 })).await,
            ),
            (
                "missing_field",
                app.post("/v1/sessions", &json!({ "channel": "web" })).await,
            ),
        ];
        for (name, reply) in cases {
            assert_problem(&reply, 400, "MALFORMED_REQUEST");
            insta::assert_json_snapshot!(format!("malformed_{name}"), reply.body);
        }
        assert_eq!(sessions_count(&app).await, 0);

        // A step answer that does not parse leaves the session as it was.
        let sid = id_of(&app.post_session("conversational-profile", None).await);
        let before = app.get_session(&sid).await.body;
        let reply = app
            .post_raw(
                &format!("/v1/sessions/{sid}/steps/welcome"),
                "application/json",
                "{\"answers\": ",
            )
            .await;
        assert_problem(&reply, 400, "MALFORMED_REQUEST");
        let reply = app
            .post(
                &format!("/v1/sessions/{sid}/steps/welcome"),
                &json!({ "answer": {} }),
            )
            .await;
        assert_problem(&reply, 400, "MALFORMED_REQUEST");
        assert_eq!(app.get_session(&sid).await.body, before);
        assert_eq!(events_count(&app, &sid).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_phone_is_a_422_and_a_national_number_with_its_country_is_accepted() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        for (name, phone) in [("too_short", "+44 1"), ("not_a_phone", "not a phone")] {
            let reply = app
                .post_session("conversational-profile", Some(phone))
                .await;
            assert_problem(&reply, 422, "INVALID_PHONE_NUMBER");
            insta::assert_json_snapshot!(format!("invalid_phone_session_{name}"), reply.body);
            let reply = app.start_verification(phone, None).await;
            assert_problem(&reply, 422, "INVALID_PHONE_NUMBER");
        }
        let reply = app
            .post(
                "/v1/verifications",
                &json!({ "phone": "07911 123456", "country": "XX" }),
            )
            .await;
        assert_problem(&reply, 422, "INVALID_PHONE_NUMBER");
        assert_eq!(sessions_count(&app).await, 0);

        let national = json!({ "flow_id": "conversational-profile", "phone": "07911 123456", "country": "GB" });
        let reply = app.post("/v1/sessions", &national).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        assert_eq!(reply.body["phone"], "+447911123456", "normalised to E.164");
        let reply = app
            .post(
                "/v1/verifications",
                &json!({ "phone": "07911 123457", "country": "gb" }),
            )
            .await;
        assert_eq!(
            (reply.status, reply.body["phone"].as_str()),
            (201, Some("+447911123457")),
            "{:?}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_failing_the_step_schema_list_every_failing_field_and_change_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let sid = id_of(&app.post_session("platform-setup", None).await);
        app.submit_step(&sid, "welcome", json!({})).await;
        verify_session_phone(&app, &sid, "+447911000201").await;
        let before = app.get_session(&sid).await.body;
        assert_eq!(before["current_step"], "organization");
        let events = events_count(&app, &sid).await;

        let bad = json!({ "name": "A", "industry": "mining", "size": "11-50" });
        let reply = app.submit_step(&sid, "organization", bad).await;
        assert_problem(&reply, 422, "CONFIGURATION_VALIDATION_FAILED");
        let mut fields: Vec<&str> = reply.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["industry", "name"]);
        insta::assert_json_snapshot!("organization_answers_invalid", reply.body);

        let reply = app
            .submit_step(
                &sid,
                "organization",
                json!({ "name": "Acme", "industry": "saas", "size": "11-50", "vat": "x" }),
            )
            .await;
        assert_problem(&reply, 422, "CONFIGURATION_VALIDATION_FAILED");
        insta::assert_json_snapshot!("organization_answers_unknown_key", reply.body);

        // A later step, an unknown step.
        let reply = app
            .submit_step(
                &sid,
                "payment",
                json!({ "plan": "growth", "billing_email": "b@acme.example.com" }),
            )
            .await;
        assert_problem(&reply, 409, "INVALID_STEP_TRANSITION");
        insta::assert_json_snapshot!("later_step", reply.body);
        let reply = app.submit_step(&sid, "nope", json!({})).await;
        assert_problem(&reply, 409, "INVALID_STEP_TRANSITION");
        // Skipping a required step.
        let reply = app.skip_step(&sid, "organization").await;
        assert_problem(&reply, 409, "INVALID_STEP_TRANSITION");

        assert_eq!(app.get_session(&sid).await.body, before);
        assert_eq!(events_count(&app, &sid).await, events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_other_tenants_ids_and_unknown_routes_are_404() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let reply = app.post_session("no-such-flow", None).await;
        assert_problem(&reply, 404, "TEMPLATE_NOT_FOUND");
        insta::assert_json_snapshot!("unknown_flow", reply.body);
        assert_problem(
            &app.get("/v1/flows/no-such-flow").await,
            404,
            "TEMPLATE_NOT_FOUND",
        );

        let sid = id_of(&app.post_session("conversational-profile", None).await);
        let vid = id_of(&app.start_verification("+447911000301", Some(&sid)).await);
        app.wait_for_deliveries(&vid).await;
        let session_before = app.get_session(&sid).await.body;
        let verification_before = app.get_verification(&vid).await.body;

        let (_, other) = app.create_tenant("globex").await;
        let reply = app.get_as(&other, &format!("/v1/sessions/{sid}")).await;
        assert_problem(&reply, 404, "ONBOARDING_SESSION_NOT_FOUND");
        insta::assert_json_snapshot!("session_not_found", reply.body);
        let reply = app
            .post_as(
                &other,
                &format!("/v1/sessions/{sid}/steps/welcome"),
                &json!({ "answers": { "choice": "general_info" } }),
            )
            .await;
        assert_problem(&reply, 404, "ONBOARDING_SESSION_NOT_FOUND");
        assert_problem(
            &app.get_as(&other, &format!("/v1/sessions/{sid}/events"))
                .await,
            404,
            "ONBOARDING_SESSION_NOT_FOUND",
        );
        assert_problem(
            &app.post_as(&other, &format!("/v1/sessions/{sid}/abandon"), &json!({}))
                .await,
            404,
            "ONBOARDING_SESSION_NOT_FOUND",
        );
        let reply = app
            .get_as(&other, &format!("/v1/verifications/{vid}"))
            .await;
        assert_problem(&reply, 404, "VERIFICATION_NOT_FOUND");
        insta::assert_json_snapshot!("verification_not_found", reply.body);
        let reply = app
            .post_as(
                &other,
                &format!("/v1/verifications/{vid}/check"),
                &json!({ "code": "123456" }),
            )
            .await;
        assert_problem(&reply, 404, "VERIFICATION_NOT_FOUND");
        let reply = app
            .post_as(
                &other,
                "/v1/verifications",
                &json!({ "phone": "+447911000302", "session_id": sid }),
            )
            .await;
        assert_problem(&reply, 404, "ONBOARDING_SESSION_NOT_FOUND");

        assert_problem(
            &app.get("/v1/sessions/not-a-uuid").await,
            404,
            "ONBOARDING_SESSION_NOT_FOUND",
        );
        assert_problem(
            &app.submit_step("12345", "welcome", json!({})).await,
            404,
            "ONBOARDING_SESSION_NOT_FOUND",
        );
        assert_problem(
            &app.get("/v1/verifications/not-a-uuid").await,
            404,
            "VERIFICATION_NOT_FOUND",
        );
        assert_problem(
            &app.check_code("not-a-uuid", "123456").await,
            404,
            "VERIFICATION_NOT_FOUND",
        );
        let reply = app.get("/v1/no-such-route").await;
        assert_problem(&reply, 404, "NOT_FOUND");
        insta::assert_json_snapshot!("unknown_route", reply.body);

        assert_eq!(app.get_session(&sid).await.body, session_before);
        assert_eq!(app.get_verification(&vid).await.body, verification_before);
        assert_eq!(events_count(&app, &sid).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_unknown_api_key_is_a_401() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let reply = app.get_public("/v1/sessions").await;
        assert_problem(&reply, 401, "UNAUTHORIZED");
        insta::assert_json_snapshot!("no_api_key", reply.body);
        let reply = app.get_as("onr_sk_not-a-real-key", "/v1/sessions").await;
        assert_problem(&reply, 401, "UNAUTHORIZED");
        insta::assert_json_snapshot!("unknown_api_key", reply.body);
        let reply = app
            .post_public("/v1/sessions", &json!({ "flow_id": "platform-setup" }))
            .await;
        assert_problem(&reply, 401, "UNAUTHORIZED");
        let reply = app
            .post_as(
                &app.api_key,
                "/admin/v1/tenants",
                &json!({ "name": "intruder" }),
            )
            .await;
        assert_problem(&reply, 401, "UNAUTHORIZED");
        assert_problem(
            &app.get_as(&app.admin_token, "/v1/sessions").await,
            401,
            "UNAUTHORIZED",
        );
        assert_eq!(sessions_count(&app).await, 0);
    }
}
