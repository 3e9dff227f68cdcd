//! The generic requests of a [`TestApp`]: as the tenant, with another key, idempotent, raw,
//! public, an end user's, a provider's webhook; and [`Reply`], an answer read whole.

use serde_json::Value;

use crate::TestApp;

/// A response read whole: status, headers and JSON body (Null when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as JSON.
    pub body: Value,
}

impl Reply {
    /// The `code` of a problem+json body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The Content-Type header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Reads an answer: its status, headers and JSON body (`Null` when it is not JSON).
pub async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

impl TestApp {
    /// POSTs a provider's webhook: the raw JSON `body` with `headers`, no API key.
    pub async fn post_webhook(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        read(req.send().await.unwrap()).await
    }

    /// A request of an end user: `Authorization: Bearer <token>` and `X-Onramp-Platform`,
    /// with a JSON body when given (POST), else a GET.
    pub async fn end_user(
        &self,
        token: &str,
        platform: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let req = match body {
            Some(b) => self.client.post(self.url(path)).json(b),
            None => self.client.get(self.url(path)),
        };
        let req = req.bearer_auth(token).header("x-onramp-platform", platform);
        read(req.send().await.unwrap()).await
    }

    /// POSTs JSON with the tenant's key.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_as(&self.api_key, path, body).await
    }

    /// `PUT path` with `body` as the tenant.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    /// `PATCH path` with `body` as the tenant.
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send_json(reqwest::Method::PATCH, path, body).await
    }

    async fn send_json(&self, method: reqwest::Method, path: &str, body: &Value) -> Reply {
        let request = self.client.request(method, self.url(path));
        read(
            request
                .bearer_auth(&self.api_key)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `DELETE path` as the tenant.
    pub async fn delete(&self, path: &str) -> Reply {
        read(
            self.client
                .delete(self.url(path))
                .bearer_auth(&self.api_key)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POSTs JSON with another key.
    pub async fn post_as(&self, key: &str, path: &str, body: &Value) -> Reply {
        read(
            self.client
                .post(self.url(path))
                .bearer_auth(key)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POSTs a raw body with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &'static str) -> Reply {
        let req = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.api_key)
            .header("content-type", content_type)
            .body(body);
        read(req.send().await.unwrap()).await
    }

    /// POSTs JSON with an Idempotency-Key.
    pub async fn post_idempotent(&self, path: &str, key: &str, body: &Value) -> Reply {
        let req = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.api_key)
            .header("idempotency-key", key)
            .json(body);
        read(req.send().await.unwrap()).await
    }

    /// GETs with the tenant's key.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_as(&self.api_key, path).await
    }

    /// GETs with another key.
    pub async fn get_as(&self, key: &str, path: &str) -> Reply {
        read(
            self.client
                .get(self.url(path))
                .bearer_auth(key)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// GETs without credentials.
    pub async fn get_public(&self, path: &str) -> Reply {
        read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    /// POSTs JSON with an Idempotency-Key and another tenant's key.
    pub async fn post_idempotent_as(
        &self,
        api_key: &str,
        path: &str,
        key: &str,
        body: &Value,
    ) -> Reply {
        let req = self
            .client
            .post(self.url(path))
            .bearer_auth(api_key)
            .header("idempotency-key", key)
            .json(body);
        read(req.send().await.unwrap()).await
    }

    /// POSTs a raw body with the tenant's key and no Content-Type header.
    pub async fn post_without_content_type(&self, path: &str, body: &'static str) -> Reply {
        read(
            self.client
                .post(self.url(path))
                .bearer_auth(&self.api_key)
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POSTs JSON without credentials.
    pub async fn post_public(&self, path: &str, body: &Value) -> Reply {
        read(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}
