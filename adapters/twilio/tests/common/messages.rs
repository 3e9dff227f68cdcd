//! Twilio's Messages and Accounts resources as the WhatsApp contract tests see them: WhatsApp
//! credentials, a fast channel, and answers shaped like the real API (the `create` example of
//! `Messages.json` in `../shared/provider-specs/twilio.json`, the Account resource of
//! <https://www.twilio.com/docs/iam/api/account>, error bodies `{code, message, more_info,
//! status}` as in `api.rs`).

use onramp_domain::ports::OutboundMessage;
use onramp_twilio::{SANDBOX_WHATSAPP_FROM, TwilioCredentials, TwilioWhatsApp};
use serde_json::{Value, json};
use wiremock::MockServer;

use super::api::{ACCOUNT_SID, credentials, fast_settings};

pub const MESSAGE_SID: &str = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const MESSAGING_SERVICE_SID: &str = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const STATUS_CALLBACK: &str = "https://onramp.example/webhooks/twilio";
pub const RECIPIENT: &str = "+14155550123";

/// The Verify credentials of `api.rs` with the sandbox sender and a status callback.
pub fn whatsapp_credentials() -> TwilioCredentials {
    let mut c = credentials();
    c.whatsapp_from = Some(SANDBOX_WHATSAPP_FROM.into());
    c.status_callback_url = Some(STATUS_CALLBACK.into());
    c
}

pub fn channel_for(server: &MockServer, credentials: &TwilioCredentials) -> TwilioWhatsApp {
    TwilioWhatsApp::new(credentials, fast_settings(&server.uri())).unwrap()
}

pub fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
}

pub fn account_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}.json")
}

pub fn outbound(text: &str) -> OutboundMessage {
    OutboundMessage {
        key: "01920000-0000-7000-8000-0000000000bb".into(),
        to: RECIPIENT.into(),
        text: text.into(),
    }
}

/// The spec's `create` example of `POST …/Messages.json`, as a WhatsApp message.
pub fn message_created() -> Value {
    json!({
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "Hello! 👍",
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
        "date_sent": null,
        "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": format!("whatsapp:{SANDBOX_WHATSAPP_FROM}"),
        "num_media": "0",
        "num_segments": "1",
        "price": null,
        "price_unit": null,
        "messaging_service_sid": null,
        "sid": MESSAGE_SID,
        "status": "queued",
        "subresource_uris": {
            "media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json")
        },
        "to": format!("whatsapp:{RECIPIENT}"),
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json")
    })
}

/// An Account resource with `status`.
pub fn account(status: &str) -> Value {
    json!({
        "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
        "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
        "friendly_name": "onramp",
        "owner_account_sid": ACCOUNT_SID,
        "sid": ACCOUNT_SID,
        "status": status,
        "subresource_uris": {},
        "type": "Full",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}.json")
    })
}
