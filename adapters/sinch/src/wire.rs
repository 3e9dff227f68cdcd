//! The JSON of the Sinch Verification API calls this adapter makes, shaped as the fixtures of
//! sinch/sinch-sdk-java `openapi-contracts/src/test/resources/domains/verification/v1/`.

use onramp_domain::verification::Channel;
use serde::{Deserialize, Serialize};

/// Path of "start a verification" (`POST`).
pub const START_PATH: &str = "/verification/v1/verifications";

/// Path prefix of "report a code by verification id" (`PUT .../id/{id}`).
pub const REPORT_BY_ID_PATH: &str = "/verification/v1/verifications/id/";

/// Path prefix of "status by reference" (`GET .../reference/{reference}`).
pub const STATUS_BY_REFERENCE_PATH: &str = "/verification/v1/verifications/reference/";

/// Sinch's verification method for a channel: `sms`, or `callout` (a voice call reading the
/// code out) (VerificationMethod.java of sinch-sdk-java: `sms`, `flashcall`, `callout`,
/// `whatsapp`).
pub fn method(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "callout",
    }
}

/// Start request: `{"identity": {"type": "number", "endpoint": "+E164"}, "method", "reference"}`
/// (`start/request/VerificationStartRequestSmsDto.json`, `VerificationStartRequestPhoneCallDto.json`;
/// `custom` and the method options are left to Sinch's defaults).
#[derive(Debug, Serialize)]
pub struct StartRequest<'a> {
    /// The phone.
    pub identity: Identity<'a>,
    /// `sms` or `callout`.
    pub method: &'static str,
    /// Our delivery id: passed back in every callback and unique per started verification.
    pub reference: &'a str,
}

/// `{"type": "number", "endpoint": "+E164"}`.
#[derive(Debug, Serialize)]
pub struct Identity<'a> {
    /// Always `number`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// E.164 number.
    pub endpoint: &'a str,
}

/// Start response: `{"id", "method", "sms"|"callout": {...}, "_links": [...]}`; only the id is
/// used (`start/response/VerificationStartResponseSmsDto.json`,
/// `StartVerificationCalloutResponseDto.json`).
#[derive(Debug, Deserialize)]
pub struct StartResponse {
    /// The verification id: the provider reference.
    pub id: String,
}

/// Report request: `{"method": "sms", "sms": {"code"}}` or `{"method": "callout", "callout":
/// {"code"}}` (`report/VerificationReportRequestSmsDto.json`;
/// `VerificationReportRequestPhoneCallImpl.java` for callout).
#[derive(Debug, Serialize)]
pub struct ReportRequest<'a> {
    /// `sms` or `callout`.
    pub method: &'static str,
    /// The code, for SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<ReportedCode<'a>>,
    /// The code, for a callout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callout: Option<ReportedCode<'a>>,
}

impl<'a> ReportRequest<'a> {
    /// The report of `code` for a verification started on `channel`.
    pub fn new(channel: Channel, code: &'a str) -> Self {
        let reported = Some(ReportedCode { code });
        match channel {
            Channel::Sms => Self {
                method: method(channel),
                sms: reported,
                callout: None,
            },
            Channel::Voice => Self {
                method: method(channel),
                sms: None,
                callout: reported,
            },
        }
    }
}

/// `{"code": "..."}`.
#[derive(Debug, Serialize)]
pub struct ReportedCode<'a> {
    /// The code the user typed.
    pub code: &'a str,
}

/// Report response: `{"id", "method", "status", "reason"?, "callComplete"?}`
/// (`report/VerificationReportResponseSmsDto.json`, `VerificationReportResponsePhoneCallDto.json`).
/// `status`: `PENDING`, `SUCCESSFUL`, `FAIL`, `DENIED`, `ABORTED`, `ERROR` (VerificationStatus.java).
#[derive(Debug, Deserialize)]
pub struct ReportResponse {
    /// Verification status after the report.
    pub status: String,
    /// Why it is not successful, e.g. `Expired`, `Invalid code`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Status answered with [`ReportResponse::status`] when the code was right.
pub const SUCCESSFUL: &str = "SUCCESSFUL";

/// Sinch's error body: `{"errorCode": 40400, "message": "...", "reference": "..."}`
/// (`verification/v1/error-response.json`; doc:
/// <https://developers.sinch.com/docs/verification/api-reference/errors>, which types
/// `errorCode` as a string but shows numbers: both are read).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    /// Five-digit code: the HTTP status and two digits (`40001`, `40400`).
    #[serde(rename = "errorCode")]
    pub error_code: serde_json::Value,
    /// What went wrong, in words.
    #[serde(default)]
    pub message: Option<String>,
    /// Sinch's support reference.
    #[serde(default)]
    pub reference: Option<String>,
}

impl ErrorBody {
    /// The error code as a number, when it is one (or a string of digits).
    pub fn code(&self) -> Option<u32> {
        match &self.error_code {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_start_request_names_the_number_and_the_method() {
        let body = StartRequest {
            identity: Identity {
                kind: "number",
                endpoint: "+33444555666",
            },
            method: method(Channel::Voice),
            reference: "ref",
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"identity": {"type": "number", "endpoint": "+33444555666"}, "method": "callout", "reference": "ref"})
        );
    }

    #[test]
    fn a_report_carries_the_code_under_its_method() {
        assert_eq!(
            serde_json::to_value(ReportRequest::new(Channel::Sms, "123456")).unwrap(),
            json!({"method": "sms", "sms": {"code": "123456"}})
        );
        assert_eq!(
            serde_json::to_value(ReportRequest::new(Channel::Voice, "123456")).unwrap(),
            json!({"method": "callout", "callout": {"code": "123456"}})
        );
    }

    #[test]
    fn error_codes_are_read_as_numbers_or_strings() {
        let n: ErrorBody = serde_json::from_value(json!({"errorCode": 40001})).unwrap();
        let s: ErrorBody = serde_json::from_value(json!({"errorCode": "40400"})).unwrap();
        let x: ErrorBody = serde_json::from_value(json!({"errorCode": null})).unwrap();
        assert_eq!(
            (n.code(), s.code(), x.code()),
            (Some(40001), Some(40400), None)
        );
    }
}
