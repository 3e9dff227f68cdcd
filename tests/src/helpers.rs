//! The helpers of a [`TestApp`] named after requests (sessions, verifications, tenants) and the
//! sandbox's outboxes (codes, WhatsApp messages, deliveries) waited for.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{Reply, TestApp, read};

impl TestApp {
    /// The WhatsApp messages the tenant's bot sent to `phone` on the sandbox, oldest first.
    pub async fn sandbox_whatsapp(&self, phone: &str) -> Vec<Value> {
        let r = self
            .get(&format!(
                "/v1/sandbox/whatsapp/messages?to={}",
                phone.replace('+', "%2B")
            ))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["data"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to 10 s) until the sandbox WhatsApp holds at least `count` messages to
    /// `phone`; answers them.
    pub async fn wait_for_whatsapp(&self, phone: &str, count: usize) -> Vec<Value> {
        for _ in 0..200 {
            let messages = self.sandbox_whatsapp(phone).await;
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} WhatsApp messages reached {phone}");
    }

    /// `GET /v1/sessions/{id}`.
    pub async fn get_session(&self, session: &str) -> Reply {
        self.get(&format!("/v1/sessions/{session}")).await
    }

    /// `GET /v1/sessions?{query}`.
    pub async fn list_sessions(&self, query: &str) -> Reply {
        self.get(&format!("/v1/sessions?{query}")).await
    }

    /// `GET /v1/sessions/{id}/events`: the audit trail (the whole reply).
    pub async fn get_session_events(&self, session: &str) -> Reply {
        self.get(&format!("/v1/sessions/{session}/events")).await
    }

    /// `POST /v1/sessions/{id}/{action}` with no body: `pause`, `resume`, `complete`, `abandon`.
    pub async fn post_session_action(&self, session: &str, action: &str) -> Reply {
        let req = self
            .client
            .post(self.url(&format!("/v1/sessions/{session}/{action}")))
            .bearer_auth(&self.api_key);
        read(req.send().await.unwrap()).await
    }

    /// `POST /v1/sessions/{id}/steps/{step}/skip`.
    pub async fn skip_step(&self, session: &str, step: &str) -> Reply {
        self.post_session_action(session, &format!("steps/{step}/skip"))
            .await
    }

    /// `GET /v1/verifications/{id}`.
    pub async fn get_verification(&self, verification: &str) -> Reply {
        self.get(&format!("/v1/verifications/{verification}")).await
    }

    /// `POST /v1/verifications/{id}/resend` with no body.
    pub async fn resend_verification(&self, verification: &str) -> Reply {
        let req = self
            .client
            .post(self.url(&format!("/v1/verifications/{verification}/resend")))
            .bearer_auth(&self.api_key);
        read(req.send().await.unwrap()).await
    }

    /// Creates a tenant through the admin API: (id, api key).
    pub async fn create_tenant(&self, name: &str) -> (String, String) {
        let r = self
            .post_as(
                &self.admin_token,
                "/admin/v1/tenants",
                &json!({ "name": name }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        (
            r.body["id"].as_str().unwrap().to_string(),
            r.body["api_key"].as_str().unwrap().to_string(),
        )
    }

    /// Starts a session: the reply.
    pub async fn post_session(&self, flow_id: &str, phone: Option<&str>) -> Reply {
        let mut body = json!({ "flow_id": flow_id, "channel": "web" });
        if let Some(p) = phone {
            body["phone"] = json!(p);
        }
        self.post("/v1/sessions", &body).await
    }

    /// Answers a step.
    pub async fn submit_step(&self, session: &str, step: &str, answers: Value) -> Reply {
        self.post(
            &format!("/v1/sessions/{session}/steps/{step}"),
            &json!({ "answers": answers }),
        )
        .await
    }

    /// Starts a verification.
    pub async fn start_verification(&self, phone: &str, session: Option<&str>) -> Reply {
        let mut body = json!({ "phone": phone });
        if let Some(s) = session {
            body["session_id"] = json!(s);
        }
        self.post("/v1/verifications", &body).await
    }

    /// Checks a code.
    pub async fn check_code(&self, verification: &str, code: &str) -> Reply {
        self.post(
            &format!("/v1/verifications/{verification}/check"),
            &json!({ "code": code }),
        )
        .await
    }

    /// The sandbox inbox of `phone`.
    pub async fn sandbox_messages(&self, phone: &str) -> Vec<Value> {
        let r = self
            .get(&format!(
                "/v1/sandbox/messages?to={}",
                phone.replace('+', "%2B")
            ))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["data"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to 10 s) until the sandbox holds `count` delivered messages for `phone`, and
    /// returns the newest delivered code.
    pub async fn wait_for_code(&self, phone: &str, count: usize) -> String {
        for _ in 0..400 {
            let delivered: Vec<Value> = self
                .sandbox_messages(phone)
                .await
                .into_iter()
                .filter(|m| m["status"] == "delivered")
                .collect();
            if delivered.len() >= count {
                return delivered[count - 1]["code"].as_str().unwrap().to_string();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "no delivered code #{count} for {phone} within 10 s: {:?}",
            self.sandbox_messages(phone).await
        );
    }

    /// Waits (up to 10 s) until the verification has no queued delivery; returns its view.
    pub async fn wait_for_deliveries(&self, verification: &str) -> Value {
        for _ in 0..400 {
            let v = self
                .get(&format!("/v1/verifications/{verification}"))
                .await
                .body;
            let queued = v["deliveries"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x["status"] == "queued"));
            if !queued {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("deliveries of {verification} still queued after 10 s");
    }
}
