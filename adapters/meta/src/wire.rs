//! Graph API request bodies and the parts of the answers the adapter reads.
//!
//! Request shapes are the OpenAPI description's (`../shared/provider-specs/meta.json`:
//! `WhatsAppBusinessPhoneNumberRegistrationRequest`, `TextMessage` over
//! `BaseMessageProperties`); answers are its `SubscriptionResponse`,
//! `WhatsAppBusinessPhoneNumberRegistrationResponse`, `MessageResponsePayload` and
//! `GraphAPIError`. The token and credit-sharing answers are not in the description: they
//! follow PROVIDERS.md section 6 and Meta's pages cited there (`{"access_token",
//! "token_type", "expires_in"?}`; `{"allocation_config_id", "waba_id"}`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `messaging_product` of every WhatsApp request.
pub(crate) const WHATSAPP: &str = "whatsapp";

/// `POST /{version}/{phone-number-id}/register`.
#[derive(Debug, Serialize)]
pub(crate) struct RegisterRequest<'a> {
    pub messaging_product: &'static str,
    /// Six digits.
    pub pin: &'a str,
}

/// `POST /{version}/{phone-number-id}/messages`, a text message to one user.
#[derive(Debug, Serialize)]
pub(crate) struct TextMessageRequest<'a> {
    pub messaging_product: &'static str,
    pub recipient_type: &'static str,
    /// The user's number, digits only (no `+`).
    pub to: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: TextBody<'a>,
}

/// `text` of a text message.
#[derive(Debug, Serialize)]
pub(crate) struct TextBody<'a> {
    pub body: &'a str,
}

/// The answer of `GET /{version}/oauth/access_token` (both grants).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    /// Seconds; absent for tokens that do not expire.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// `{"success": true}` (subscribe, register).
#[derive(Debug, Deserialize)]
pub(crate) struct SuccessAnswer {
    pub success: bool,
}

/// The answer of `whatsapp_credit_sharing_and_attach`. Ids are numeric strings in Meta's
/// example; a bare number is accepted too.
#[derive(Debug, Deserialize)]
pub(crate) struct CreditSharingAnswer {
    pub allocation_config_id: Value,
}

/// `MessageResponsePayload`.
#[derive(Debug, Deserialize)]
pub(crate) struct MessageAnswer {
    #[serde(default)]
    pub messages: Vec<MessageId>,
}

/// One accepted message.
#[derive(Debug, Deserialize)]
pub(crate) struct MessageId {
    /// `wamid.…`.
    pub id: String,
}

/// `GET /{version}/{phone-number-id}?fields=id`.
#[derive(Debug, Deserialize)]
pub(crate) struct NodeAnswer {
    pub id: String,
}

/// `GraphAPIError`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: GraphError,
}

/// The `error` object of a Graph answer (the fields read).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GraphError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
    #[serde(default)]
    pub is_transient: Option<bool>,
}

/// A JSON string or number as text (`"58501441721238"` or `58501441721238`).
pub(crate) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_message_serializes_as_the_description_shows() {
        let body = TextMessageRequest {
            messaging_product: WHATSAPP,
            recipient_type: "individual",
            to: "16505551234",
            kind: "text",
            text: TextBody { body: "hi" },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": "16505551234", "type": "text", "text": {"body": "hi"}})
        );
    }

    #[test]
    fn ids_are_read_from_strings_and_numbers_only() {
        assert_eq!(
            id_text(&serde_json::json!("58501441721238")).unwrap(),
            "58501441721238"
        );
        assert_eq!(
            id_text(&serde_json::json!(58501441721238u64)).unwrap(),
            "58501441721238"
        );
        assert!(id_text(&serde_json::json!("")).is_none());
        assert!(id_text(&serde_json::json!(null)).is_none());
        assert!(id_text(&serde_json::json!({"id": 1})).is_none());
    }
}
