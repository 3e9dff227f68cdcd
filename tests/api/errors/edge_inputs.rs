//! Edge inputs (issue 11 item 8): a body of another content type or over the size limit, an
//! oversized path or header, all answered with problem+json; a NUL character answered the same
//! on both engines, in the API's input and in a provider's webhook.

use onramp_tests::{backends, read, spawn_app};
use serde_json::json;

use crate::{assert_problem, events_count, id_of, sessions_count};

// See: issue 11 item 8 (a wrong Content-Type answered 400, an oversized body 400, an oversized
// header or path a bare 431/414 without problem+json).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_another_type_or_over_the_limit_and_oversized_paths_or_headers_are_problem_json()
{
    for backend in backends() {
        let app = spawn_app(backend).await;
        for reply in [
            app.post_without_content_type("/v1/sessions", r#"{"flow_id": "platform-setup"}"#)
                .await,
            app.post_raw(
                "/v1/sessions",
                "text/plain",
                r#"{"flow_id": "platform-setup"}"#,
            )
            .await,
        ] {
            assert_problem(&reply, 415, "UNSUPPORTED_MEDIA_TYPE");
            assert!(
                reply.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("application/json")
            );
        }

        // 1 MiB and a little: with and without an idempotency key (which buffers it first).
        let big = format!(
            r#"{{"flow_id": "platform-setup", "external_ref": "{}"}}"#,
            "x".repeat((1 << 20) + 10)
        );
        for key in [None, Some("big-1")] {
            let mut request = app
                .client
                .post(format!("{}/v1/sessions", app.address))
                .bearer_auth(&app.api_key)
                .header("content-type", "application/json")
                .body(big.clone());
            if let Some(key) = key {
                request = request.header("idempotency-key", key);
            }
            let reply = read(request.send().await.unwrap()).await;
            assert_problem(&reply, 413, "PAYLOAD_TOO_LARGE");
        }

        let long = format!("/v1/sessions/{}", "a".repeat(9 * 1024));
        let reply = read(
            app.client
                .get(format!("{}{long}", app.address))
                .bearer_auth(&app.api_key)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_problem(&reply, 414, "URI_TOO_LONG");

        let reply = read(
            app.client
                .get(format!("{}/v1/sessions", app.address))
                .bearer_auth(&app.api_key)
                .header("x-padding", "p".repeat(40 * 1024))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_problem(&reply, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE");
        assert_eq!(sessions_count(&app).await, 0);
    }
}

// See: issue 11 item 8 (PostgreSQL answered 500 for a \u0000 in any stored string, SQLite
// accepted it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_gets_the_same_answer_on_both_engines() {
    const SECRET: &str = "whsec_nul_test";
    for backend in backends() {
        let app = spawn_app(backend).await;
        // In the API's input: refused, precisely, and nothing starts.
        let reply = app
            .post_raw(
                "/v1/sessions",
                "application/json",
                r#"{"flow_id": "platform-setup", "external_ref": "crm\u0000-1"}"#,
            )
            .await;
        assert_problem(&reply, 400, "MALFORMED_REQUEST");
        assert!(reply.body["detail"].as_str().unwrap().contains("NUL"));
        assert_eq!(sessions_count(&app).await, 0);
        let sid = id_of(&app.post_session("conversational-profile", None).await);
        let reply = app
            .post_raw(
                &format!("/v1/sessions/{sid}/steps/welcome"),
                "application/json",
                r#"{"answers": {"choice": "general_info\u0000"}}"#,
            )
            .await;
        assert_problem(&reply, 400, "MALFORMED_REQUEST");
        assert_eq!(events_count(&app, &sid).await, 1);
        // In a filter: no match, no failure.
        let list = app.list_sessions("external_ref=crm%00-1").await;
        assert_eq!(list.status, 200, "{:?}", list.body);
        assert_eq!(list.body["data"], json!([]));

        // From a provider, which cannot be refused: stored once, then a duplicate.
        let put = app
            .put(
                "/v1/integrations/stripe",
                &json!({ "secret_key": "sk_test_onramp", "webhook_secret": SECRET }),
            )
            .await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        let body = json!({
            "id": "evt_nul\u{0}1", "object": "event", "api_version": "2024-06-20", "created": 1_700_000_000,
            "data": {"object": {"id": "cus_nul", "object": "customer", "name": "Ada\u{0}Lovelace"}},
            "livemode": false, "pending_webhooks": 1, "type": "customer.updated"
        })
        .to_string();
        assert!(body.contains("\\u0000"));
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = onramp_stripe::webhook::sign(body.as_bytes(), SECRET, now);
        let path = format!("/webhooks/stripe/{}", app.tenant_id);
        let first = app
            .post_webhook(&path, &[("stripe-signature", &signature)], &body)
            .await;
        assert_eq!(
            (first.status, &first.body["status"]),
            (200, &json!("stored")),
            "{backend:?}: {:?}",
            first.body
        );
        let again = app
            .post_webhook(&path, &[("stripe-signature", &signature)], &body)
            .await;
        assert_eq!(
            (again.status, &again.body["status"]),
            (200, &json!("duplicate")),
            "{backend:?}: {:?}",
            again.body
        );
    }
}
