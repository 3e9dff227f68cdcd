//! The JSON of the Conversation API calls this adapter makes, shaped as the fixtures of
//! sinch/sinch-sdk-java `openapi-contracts/src/test/resources/domains/conversation/v1/`.

use serde::{Deserialize, Serialize};

/// Path below `/v1/projects/{project_id}` of "send a message" (`POST`).
pub const SEND_PATH: &str = "/messages:send";

/// Path below `/v1/projects/{project_id}` of the apps (`GET .../apps/{app_id}`).
pub const APPS_PATH: &str = "/apps/";

/// The Conversation API's name of the WhatsApp channel (`ConversationChannel`).
pub const WHATSAPP: &str = "WHATSAPP";

/// Send request for a text message to one WhatsApp user: `{"app_id", "recipient":
/// {"identified_by": {"channel_identities": [{"channel": "WHATSAPP", "identity"}]}},
/// "message": {"text_message": {"text"}}, "correlation_id"}`
/// (`messages/request/SendTextMessageRequestDto.json` without the optional fields,
/// `RecipientChannelRecipientIdentitiesDto.json`).
#[derive(Debug, Serialize)]
pub struct SendMessageRequest<'a> {
    /// The Conversation API app that owns the WhatsApp channel.
    pub app_id: &'a str,
    /// Who receives it.
    pub recipient: Recipient<'a>,
    /// What is sent.
    pub message: AppMessage<'a>,
    /// Onramp's message key: "an arbitrary identifier that will be propagated to callbacks
    /// related to this message", up to 128 characters (Sinch SDKs' `correlation_id` docs). It
    /// is not an idempotency key.
    pub correlation_id: &'a str,
}

/// `{"identified_by": {"channel_identities": [...]}}`.
#[derive(Debug, Serialize)]
pub struct Recipient<'a> {
    /// The channel identities.
    pub identified_by: IdentifiedBy<'a>,
}

/// `{"channel_identities": [...]}`.
#[derive(Debug, Serialize)]
pub struct IdentifiedBy<'a> {
    /// One identity: the user's WhatsApp number.
    pub channel_identities: [ChannelIdentity<'a>; 1],
}

/// `{"channel": "WHATSAPP", "identity": "<E.164 digits without +>"}`.
#[derive(Debug, Serialize)]
pub struct ChannelIdentity<'a> {
    /// Always [`WHATSAPP`].
    pub channel: &'static str,
    /// The number's digits, without `+`.
    pub identity: &'a str,
}

/// `{"text_message": {"text"}}`.
#[derive(Debug, Serialize)]
pub struct AppMessage<'a> {
    /// The text.
    pub text_message: TextMessage<'a>,
}

/// `{"text": "..."}`.
#[derive(Debug, Serialize)]
pub struct TextMessage<'a> {
    /// The message's text.
    pub text: &'a str,
}

/// Send response: `{"message_id", "accepted_time"}`
/// (`messages/response/SendMessageResponseDto.json`).
#[derive(Debug, Deserialize)]
pub struct SendMessageResponse {
    /// Sinch's id of the message, which delivery reports name.
    #[serde(default)]
    pub message_id: Option<String>,
    /// When Sinch accepted it (RFC 3339).
    #[serde(default)]
    pub accepted_time: Option<String>,
}

/// The WhatsApp identity of an E.164 number: its digits without `+` (`+15551234567` gives
/// `15551234567`, the form of Sinch's WhatsApp channel identities); None when `to` is not `+`
/// and 1 to 15 digits.
pub fn whatsapp_identity(to: &str) -> Option<&str> {
    let digits = to.trim().strip_prefix('+')?;
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_text_to_a_whatsapp_number_has_the_sdk_shape() {
        let body = SendMessageRequest {
            app_id: "app",
            recipient: Recipient {
                identified_by: IdentifiedBy {
                    channel_identities: [ChannelIdentity {
                        channel: WHATSAPP,
                        identity: "15551234567",
                    }],
                },
            },
            message: AppMessage {
                text_message: TextMessage { text: "hi" },
            },
            correlation_id: "key",
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "app_id": "app",
                "recipient": {"identified_by": {"channel_identities": [{"channel": "WHATSAPP", "identity": "15551234567"}]}},
                "message": {"text_message": {"text": "hi"}},
                "correlation_id": "key"
            })
        );
    }

    #[test]
    fn identities_are_e164_digits_without_plus() {
        assert_eq!(whatsapp_identity("+15551234567"), Some("15551234567"));
        assert_eq!(whatsapp_identity(" +447700900123 "), Some("447700900123"));
        for bad in [
            "15551234567",
            "+",
            "+1 555",
            "+1234567890123456",
            "whatsapp:+1555",
        ] {
            assert_eq!(whatsapp_identity(bad), None, "{bad}");
        }
    }
}
