//! Twilio Verify v2 on the wire: the form fields we send and the JSON we read back
//! (`../shared/provider-specs/twilio.json`, schemas `verify.v2.service.verification` and
//! `verify.v2.service.verification_check`; twilio/twilio-python:
//! twilio/rest/verify/v2/service/verification.py, verification_check.py).

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
