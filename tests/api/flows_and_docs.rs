//! Flow templates, the OpenAPI document and its docs page, health probes, request ids.

use std::collections::BTreeSet;

use onramp_tests::{backends, spawn_app};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flow_template_is_listed_and_each_is_described_in_full() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let list = app.get("/v1/flows").await;
        assert_eq!(list.status, 200, "{:?}", list.body);
        let ids: BTreeSet<&str> = list.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            BTreeSet::from([
                "ai-receptionist",
                "conversational-profile",
                "platform-setup",
                "solution-partner-whatsapp",
                "unified-voice-first"
            ])
        );
        insta::assert_json_snapshot!("flow_list", list.body);

        for id in [
            "ai-receptionist",
            "conversational-profile",
            "platform-setup",
            "solution-partner-whatsapp",
            "unified-voice-first",
        ] {
            let flow = app.get(&format!("/v1/flows/{id}")).await;
            assert_eq!(flow.status, 200, "{:?}", flow.body);
            assert_eq!(flow.body["id"], id);
            insta::assert_json_snapshot!(format!("flow_{id}"), flow.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_names_every_path_and_the_docs_page_serves_html() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let doc = app.get_public("/openapi.json").await;
        assert_eq!(doc.status, 200);
        assert!(
            doc.content_type().starts_with("application/json"),
            "{}",
            doc.content_type()
        );
        assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
        let paths: BTreeSet<&str> = doc.body["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected = BTreeSet::from([
            "/admin/v1/tenants",
            "/v1/customers",
            "/v1/customers/{id}",
            "/v1/events",
            "/v1/events/{id}",
            "/v1/events/{id}/redeliver",
            "/v1/flows",
            "/v1/flows/{flow_id}",
            "/v1/integrations",
            "/v1/integrations/{provider}",
            "/v1/integrations/{provider}/test",
            "/v1/links/verify",
            "/v1/me/session",
            "/v1/me/session/messages",
            "/v1/me/session/steps/{step_id}",
            "/v1/me/token/exchange",
            "/v1/me/token/refresh",
            "/v1/me/token/revoke",
            "/v1/orders",
            "/v1/orders/{id}",
            "/v1/orders/{id}/capture",
            "/v1/platforms/links",
            "/v1/sandbox/clock/advance",
            "/v1/sandbox/mail",
            "/v1/sandbox/messages",
            "/v1/sandbox/paypal/orders/{id}/approve",
            "/v1/sandbox/whatsapp/inbound",
            "/v1/sandbox/whatsapp/messages",
            "/v1/sandbox/whatsapp/signups",
            "/v1/sessions",
            "/v1/sessions/find",
            "/v1/sessions/{id}",
            "/v1/sessions/{id}/abandon",
            "/v1/sessions/{id}/audit",
            "/v1/sessions/{id}/complete",
            "/v1/sessions/{id}/events",
            "/v1/sessions/{id}/links",
            "/v1/sessions/{id}/messages",
            "/v1/sessions/{id}/tokens",
            "/v1/sessions/{id}/pause",
            "/v1/sessions/{id}/resume",
            "/v1/sessions/{id}/steps/{step_id}",
            "/v1/sessions/{id}/steps/{step_id}/skip",
            "/v1/sessions/{id}/trial",
            "/v1/trials/{id}",
            "/v1/trials/{id}/cancel",
            "/v1/verifications",
            "/v1/verifications/{id}",
            "/v1/verifications/{id}/check",
            "/v1/verifications/{id}/resend",
            "/v1/whatsapp/accounts",
            "/v1/whatsapp/accounts/{id}",
            "/v1/whatsapp/accounts/{id}/messages",
            "/v1/whatsapp/accounts/{id}/resubmit",
            "/v1/whatsapp/accounts/{id}/register",
            "/v1/whatsapp/accounts/{id}/verify",
            "/v1/whatsapp/accounts/{id}/retry",
            "/v1/whatsapp/senders",
            "/v1/whatsapp/signups",
            "/v1/whatsapp/status",
            "/v1/webhook_endpoints",
            "/v1/webhook_endpoints/{id}",
            "/v1/webhook_endpoints/{id}/attempts",
            "/v1/webhook_endpoints/{id}/messages",
            "/v1/webhook_endpoints/{id}/replay",
            "/v1/webhook_endpoints/{id}/rotate_secret",
        ]);
        assert_eq!(paths, expected);
        assert!(
            doc.body["components"]["schemas"]["Problem"].is_object(),
            "the problem+json schema is documented"
        );

        let docs = app
            .client
            .get(format!("{}/docs", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(docs.status(), 200);
        let content_type = docs.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(
            docs.text().await.unwrap().contains("swagger"),
            "the Swagger UI page"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_probes_answer_and_every_response_carries_a_request_id() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let healthz = app.get_public("/healthz").await;
        assert_eq!(healthz.status, 200);
        let readyz = app.get_public("/readyz").await;
        assert_eq!(readyz.status, 200);

        let replies = [
            healthz,
            readyz,
            app.get_public("/openapi.json").await,
            app.get("/v1/flows").await,
            app.post_session("platform-setup", None).await,
            app.get("/v1/no-such-route").await,
            app.get_public("/v1/sessions").await,
            app.post("/v1/sessions", &json!({ "flow_id": 1 })).await,
            app.post_as(
                &app.admin_token,
                "/admin/v1/tenants",
                &json!({ "name": "globex" }),
            )
            .await,
        ];
        let mut ids = BTreeSet::new();
        for r in &replies {
            let id = r
                .headers
                .get("x-request-id")
                .unwrap_or_else(|| panic!("no x-request-id on {} {:?}", r.status, r.body));
            ids.insert(id.to_str().unwrap().to_string());
        }
        assert_eq!(ids.len(), replies.len(), "each request has its own id");

        // A request id sent by the client is kept.
        let resp = app
            .client
            .get(format!("{}/healthz", app.address))
            .header("x-request-id", "trace-me-42")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    }
}
