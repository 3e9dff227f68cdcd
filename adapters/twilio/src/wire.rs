//! Twilio on the wire: the form fields we send and the JSON we read back.
//!
//! - Verify v2 (`../shared/provider-specs/twilio.json`, schemas
//!   `verify.v2.service.verification` and `verify.v2.service.verification_check`;
//!   twilio/twilio-python: twilio/rest/verify/v2/service/verification.py,
//!   verification_check.py);
//! - Messages and Accounts of the 2010-04-01 API (schema `api.v2010.account.message`;
//!   twilio/twilio-python: twilio/rest/api/v2010/account/message/__init__.py,
//!   twilio/rest/api/v2010/account/__init__.py), with WhatsApp's `whatsapp:` addresses
//!   (PROVIDERS.md section 4, Messages (WhatsApp)).

use onramp_domain::verification::Channel;
use serde::Deserialize;

/// The `Channel` form value of a domain channel: `sms` or `call` (the spec's
/// `CreateVerificationRequest.Channel`: `email`, `sms`, `whatsapp`, `call`, `sna` or `auto`).
pub(crate) fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "call",
    }
}

/// The part of a Verification resource we use (answer of `POST …/Verifications`, HTTP 201).
#[derive(Debug, Deserialize)]
pub(crate) struct Verification {
    /// `VE` + 32 hex digits.
    #[serde(default)]
    pub sid: Option<String>,
    /// `pending` after a start.
    #[serde(default)]
    pub status: Option<String>,
}

/// The part of a VerificationCheck answer we use (HTTP 200 or 201).
#[derive(Debug, Deserialize)]
pub(crate) struct VerificationCheck {
    /// `pending` (wrong code), `approved`, `canceled`, `max_attempts_reached`, `deleted`,
    /// `failed` or `expired` (the spec's `status` description).
    #[serde(default)]
    pub status: Option<String>,
    /// Legacy: whether the code was right ("Use status instead").
    #[serde(default)]
    pub valid: Option<bool>,
}

/// Twilio's error body: `{"code": 60200, "message": "Invalid parameter: To", "more_info":
/// "https://www.twilio.com/docs/errors/60200", "status": 400}`
/// (doc: <https://www.twilio.com/docs/api/errors/60200>).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    /// Twilio error code (`60200`, `20404`, ...).
    #[serde(default)]
    pub code: Option<i64>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// Link to the error's documentation page.
    #[serde(default)]
    pub more_info: Option<String>,
}

/// The channel prefix of WhatsApp addresses in `To` and `From`, sent and received
/// (`whatsapp:+14155238886`; PROVIDERS.md section 4).
pub(crate) const WHATSAPP_PREFIX: &str = "whatsapp:";

/// `number` (E.164, or already prefixed) as a WhatsApp address: `+1415…` gives
/// `whatsapp:+1415…`.
pub(crate) fn whatsapp_address(number: &str) -> String {
    format!(
        "{WHATSAPP_PREFIX}{}",
        strip_whatsapp(number).unwrap_or(number)
    )
}

/// The number of a WhatsApp address (`whatsapp:+1415…` gives `+1415…`; the prefix is read
/// case-insensitively); `None` when `address` is not a WhatsApp address.
pub(crate) fn strip_whatsapp(address: &str) -> Option<&str> {
    let head = address.get(..WHATSAPP_PREFIX.len())?;
    head.eq_ignore_ascii_case(WHATSAPP_PREFIX)
        .then(|| &address[WHATSAPP_PREFIX.len()..])
}

/// The part of a Message resource we use (answer of
/// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP 201).
#[derive(Debug, Deserialize)]
pub(crate) struct Message {
    /// `SM` (or `MM`) + 32 hex digits.
    #[serde(default)]
    pub sid: Option<String>,
    /// `queued` or `accepted` after a create (`message_enum_status`).
    #[serde(default)]
    pub status: Option<String>,
}

/// The part of an Account resource we use (answer of `GET /2010-04-01/Accounts/{Sid}.json`).
#[derive(Debug, Deserialize)]
pub(crate) struct Account {
    /// `active`, `suspended` or `closed` (doc: <https://www.twilio.com/docs/iam/api/account>).
    #[serde(default)]
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_becomes_a_whatsapp_address_once() {
        assert_eq!(whatsapp_address("+14155238886"), "whatsapp:+14155238886");
        assert_eq!(
            whatsapp_address("whatsapp:+14155238886"),
            "whatsapp:+14155238886"
        );
    }

    #[test]
    fn only_whatsapp_addresses_are_stripped() {
        assert_eq!(strip_whatsapp("whatsapp:+1415"), Some("+1415"));
        assert_eq!(strip_whatsapp("WhatsApp:+1415"), Some("+1415"));
        assert_eq!(strip_whatsapp("+14155238886"), None);
        assert_eq!(strip_whatsapp("whats"), None);
        assert_eq!(strip_whatsapp("é"), None);
    }
}
