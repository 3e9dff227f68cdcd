//! `Idempotency-Key`: the same key and request replay the first answer and create nothing; the
//! same key with another request is refused; keys belong to a tenant.

use onramp_tests::{backends, spawn_app};
use serde_json::json;

use crate::{assert_problem, id_of, sessions_count};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_request() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let body = json!({ "flow_id": "platform-setup", "external_ref": "crm-1" });
        let first = app.post_idempotent("/v1/sessions", "signup-1", &body).await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        let again = app.post_idempotent("/v1/sessions", "signup-1", &body).await;
        assert_eq!((again.status, &again.body), (201, &first.body));
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(sessions_count(&app).await, 1);

        let other_body = json!({ "flow_id": "platform-setup", "external_ref": "crm-2" });
        let reply = app
            .post_idempotent("/v1/sessions", "signup-1", &other_body)
            .await;
        assert_problem(&reply, 409, "IDEMPOTENCY_KEY_REUSED");
        insta::assert_json_snapshot!("idempotency_key_reused", reply.body);
        let reply = app
            .post_idempotent(
                "/v1/sessions/00000000-0000-0000-0000-000000000000/pause",
                "signup-1",
                &body,
            )
            .await;
        assert_problem(&reply, 409, "IDEMPOTENCY_KEY_REUSED");
        assert_eq!(sessions_count(&app).await, 1);

        // An error answer is replayed too.
        let bad = json!({ "flow_id": "no-such-flow" });
        assert_problem(
            &app.post_idempotent("/v1/sessions", "signup-2", &bad).await,
            404,
            "TEMPLATE_NOT_FOUND",
        );
        let replayed = app.post_idempotent("/v1/sessions", "signup-2", &bad).await;
        assert_problem(&replayed, 404, "TEMPLATE_NOT_FOUND");
        assert_eq!(replayed.headers["idempotent-replayed"], "true");

        // Keys belong to the tenant: another tenant's same key is a new request.
        let (_, other) = app.create_tenant("globex").await;
        let theirs = app
            .post_idempotent_as(&other, "/v1/sessions", "signup-1", &body)
            .await;
        assert_eq!(theirs.status, 201, "{:?}", theirs.body);
        assert!(theirs.headers.get("idempotent-replayed").is_none());
        assert_ne!(theirs.body["id"], first.body["id"]);
        assert_eq!(sessions_count(&app).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_holding_a_secret_are_stored_without_it_and_never_replayed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let replayed_without =
            |reply: &onramp_tests::Reply, first: &onramp_tests::Reply, field: &str| {
                assert_problem(reply, 409, "SECRET_SHOWN_ONCE");
                assert_eq!(reply.headers["idempotent-replayed"], "true");
                assert_eq!(reply.body["answer_status"], first.status);
                let mut expected = first.body.clone();
                expected.as_object_mut().unwrap().remove(field);
                assert_eq!(
                    reply.body["answer"], expected,
                    "the rest of the first answer"
                );
            };

        // A tenant's API key.
        let body = json!({ "name": "initech" });
        let first = app
            .post_idempotent_as(&app.admin_token, "/admin/v1/tenants", "tenant-1", &body)
            .await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        let again = app
            .post_idempotent_as(&app.admin_token, "/admin/v1/tenants", "tenant-1", &body)
            .await;
        replayed_without(&again, &first, "api_key");
        let api_key = first.body["api_key"].as_str().unwrap().to_owned();

        // An end user's session token, issued then refreshed.
        let sid = id_of(&app.post_session("conversational-profile", None).await);
        let path = format!("/v1/sessions/{sid}/tokens");
        let body = json!({ "platform": "web" });
        let first = app.post_idempotent(&path, "token-1", &body).await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        let again = app.post_idempotent(&path, "token-1", &body).await;
        replayed_without(&again, &first, "token");
        let token = first.body["token"].as_str().unwrap().to_owned();

        // A sandbox Embedded Signup code.
        let first = app
            .post_idempotent("/v1/sandbox/whatsapp/signups", "signup-1", &json!({}))
            .await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        let again = app
            .post_idempotent("/v1/sandbox/whatsapp/signups", "signup-1", &json!({}))
            .await;
        replayed_without(&again, &first, "code");
        let code = first.body["code"].as_str().unwrap().to_owned();

        let stored = app.stored_text().await;
        for secret in [&api_key, &token, &code] {
            assert!(
                !stored.contains(secret.as_str()),
                "{backend:?}: {secret} is stored"
            );
        }
    }
}
