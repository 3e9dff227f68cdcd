//! The endpoints of a conversation across channels (issue 5): the sandbox's WhatsApp (a
//! simulated inbound message, the bot's outbox), a session found by phone, link codes and
//! end-user tokens, the conversation's history, and the end user's own session routes.
//! Bodies as far as the CLI reads them; unknown keys are ignored.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{ApiError, Client, SessionView, seg};

/// `200` of `POST /v1/sandbox/whatsapp/inbound`: what a simulated message did.
#[derive(Debug, Clone, Deserialize)]
pub struct InboundTurn {
    /// The person's session after the message.
    pub session: SessionView,
    /// True when the message started the session.
    pub started: bool,
    /// The bot's replies, in order.
    #[serde(default)]
    pub replies: Vec<String>,
}

/// One message the tenant's bot sent on the sandbox WhatsApp (`GET
/// /v1/sandbox/whatsapp/messages`).
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxWhatsAppMessage {
    /// The idempotency key it was sent with, unique per message.
    pub key: String,
    /// The text.
    pub text: String,
}

/// `202` of `POST /v1/sessions/{id}/links`: where the link code went; never the code.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRequested {
    /// The session the code links.
    pub session_id: String,
    /// Where the code was sent over WhatsApp, E.164.
    pub phone: String,
    /// Seconds the code works.
    pub expires_in_seconds: i64,
}

/// `201` of `POST /v1/links/verify`: an end-user session token, shown once.
#[derive(Debug, Clone, Deserialize)]
pub struct IssuedToken {
    /// `ort_<token id>_<secret>`, the `Authorization: Bearer` value.
    pub token: String,
    /// The token's id.
    pub token_id: String,
    /// The session it acts for.
    pub session_id: String,
    /// The platform it belongs to (`web`, ...).
    pub platform: String,
    /// Seconds of inactivity after which it is refused.
    pub idle_timeout_seconds: i64,
}

/// One message of a session's conversation (`GET /v1/sessions/{id}/messages`).
#[derive(Debug, Clone, Deserialize)]
pub struct ChatMessage {
    /// Its place in the conversation, from 1.
    pub seq: u32,
    /// `user` or `bot`.
    pub author: String,
    /// `whatsapp` or `web`.
    pub channel: String,
    /// The text (a link code masked).
    pub text: String,
    /// The step it answered or prompted.
    #[serde(default)]
    pub step: Option<String>,
    /// Bot messages: `queued`, `sent`, `delivered`, `read`, `failed`; user messages:
    /// `received`.
    pub status: String,
}

/// A `{"data": [...]}` list.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    data: Vec<T>,
}

impl Client {
    /// `POST /v1/sandbox/whatsapp/inbound`: `from` (E.164) writes `text` to the tenant's bot on
    /// the sandbox WhatsApp.
    pub async fn whatsapp_inbound(&self, from: &str, text: &str) -> Result<InboundTurn, ApiError> {
        self.post(
            "/v1/sandbox/whatsapp/inbound",
            Some(json!({ "from": from, "text": text })),
        )
        .await
    }

    /// `GET /v1/sandbox/whatsapp/messages?to=...`: what the bot sent `to`, oldest first.
    pub async fn sandbox_whatsapp_messages(
        &self,
        to: &str,
    ) -> Result<Vec<SandboxWhatsAppMessage>, ApiError> {
        let page: Page<SandboxWhatsAppMessage> = self
            .get("/v1/sandbox/whatsapp/messages", &[("to", to.to_string())])
            .await?;
        Ok(page.data)
    }

    /// `GET /v1/sessions/find?phone=...`: the person's open session, None when there is none.
    pub async fn find_session(&self, phone: &str) -> Result<Option<SessionView>, ApiError> {
        match self
            .get("/v1/sessions/find", &[("phone", phone.to_string())])
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(e) if e.code() == Some("ONBOARDING_SESSION_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /v1/sessions/{id}/links`: sends a link code over WhatsApp to the session's phone.
    pub async fn request_link(&self, session: &str) -> Result<LinkRequested, ApiError> {
        self.post(&format!("/v1/sessions/{}/links", seg(session)), None)
            .await
    }

    /// `POST /v1/links/verify`: the code typed on `platform` for `phone` gives an end-user
    /// token.
    pub async fn verify_link(
        &self,
        phone: &str,
        code: &str,
        platform: &str,
    ) -> Result<IssuedToken, ApiError> {
        let body = json!({ "phone": phone, "code": code, "platform": platform });
        self.post("/v1/links/verify", Some(body)).await
    }

    /// `GET /v1/sessions/{id}/messages`: the conversation on every channel, oldest first.
    pub async fn session_messages(&self, session: &str) -> Result<Vec<ChatMessage>, ApiError> {
        let page: Page<ChatMessage> = self
            .get(&format!("/v1/sessions/{}/messages", seg(session)), &[])
            .await?;
        Ok(page.data)
    }

    /// `GET /v1/me/session` (an end-user client, [`Client::end_user`]).
    pub async fn me_session(&self) -> Result<SessionView, ApiError> {
        self.get("/v1/me/session", &[]).await
    }

    /// `POST /v1/me/session/steps/{step_id}` (an end-user client): answers a step on the web.
    pub async fn me_submit_step(
        &self,
        step: &str,
        answers: &Value,
    ) -> Result<SessionView, ApiError> {
        self.post(
            &format!("/v1/me/session/steps/{}", seg(step)),
            Some(json!({ "answers": answers })),
        )
        .await
    }
}
