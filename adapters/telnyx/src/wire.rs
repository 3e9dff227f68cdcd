//! Telnyx Verify v2 request and response bodies, as the OpenAPI description
//! (`../shared/provider-specs/telnyx.json`) names them.

use serde::{Deserialize, Serialize};

/// `CreateVerificationRequestSMS` / `CreateVerificationRequestCall`: the body of
/// `POST /verifications/sms` and `POST /verifications/call`. `timeout_secs` is left to the
/// profile's `default_verification_timeout_secs` (Onramp keeps its own expiry).
#[derive(Debug, Serialize)]
pub(crate) struct TriggerVerification<'a> {
    /// `+E164`.
    pub phone_number: &'a str,
    /// The Verify profile (UUID).
    pub verify_profile_id: &'a str,
    /// Onramp's code, so Telnyx delivers it instead of one of its own.
    pub custom_code: &'a str,
}

/// `VerifyVerificationCodeRequestByPhoneNumber`: the body of
/// `POST /verifications/by_phone_number/{phone_number}/actions/verify`.
#[derive(Debug, Serialize)]
pub(crate) struct VerifyCode<'a> {
    /// The code the user typed.
    pub code: &'a str,
    /// The Verify profile (UUID).
    pub verify_profile_id: &'a str,
}

/// `{"data": ...}`, the envelope of every Telnyx v2 answer (`CreateVerificationResponse`,
/// `VerifyVerificationCodeResponse`).
#[derive(Debug, Deserialize)]
pub(crate) struct Data<T> {
    pub data: T,
}

/// The part of `Verification` the adapter reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Verification {
    /// The verification's id (a UUID), the provider reference of the delivery.
    pub id: String,
}

/// The `data` of `VerifyVerificationCodeResponse`.
#[derive(Debug, Deserialize)]
pub(crate) struct VerifyCodeResult {
    /// `accepted` or `rejected`.
    pub response_code: String,
}

/// `verify_Errors`: `{"errors": [verify_Error]}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Errors {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// `verify_Error`: `code` and `title` are required; `code` is a string of digits such as
/// `"10002"` (also accepted as a JSON number).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default, deserialize_with = "code_text")]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub source: Option<ErrorSource>,
}

/// `verify_Error.source`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorSource {
    /// JSON pointer to the offending field, e.g. `/phone_number`.
    #[serde(default)]
    pub pointer: Option<String>,
}

fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}
