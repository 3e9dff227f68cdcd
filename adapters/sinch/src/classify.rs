//! Sinch's answers in the port's terms, in one place.
//!
//! The provider kit ([`onramp_provider_kit::http::execute`]) already turned 429, 5xx, 401 and
//! 403 into `Unavailable` / `Unauthorized`; what reaches these functions is a 2xx or another
//! 4xx with Sinch's error body `{"errorCode", "message", "reference"?}` (see [`ErrorBody`]).
//!
//! Error codes (doc: <https://developers.sinch.com/docs/verification/api-reference/errors>):
//! `40001` parameter validation (its documented example: "Number +4813 is invalid. Too
//! short."), `40005` number missing its leading `+`, `40200`/HTTP 402 not enough credit,
//! `40400` resource not found. Sinch has no dedicated code for unreachable or barred
//! destinations; those are recognised from the message.

use onramp_domain::ports::{ProviderError, ProviderVerdict};
use onramp_provider_kit::http::Exchange;

use crate::wire::ErrorBody;

/// A Sinch answer the adapter cannot act on, kept as the source of
/// [`ProviderError::Unexpected`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sinch answered http {status}{}: {message}", .error_code.map(|c| format!(" (errorCode {c})")).unwrap_or_default())]
pub struct SinchApiError {
    /// HTTP status.
    pub status: u16,
    /// Sinch's `errorCode`, when the body had one.
    pub error_code: Option<u32>,
    /// Sinch's `message`, or the start of the body.
    pub message: String,
}

/// What Sinch said about a failed call: status, code, message.
struct Failure {
    status: u16,
    code: Option<u32>,
    message: String,
}

impl Failure {
    fn of(x: &Exchange) -> Self {
        let body = serde_json::from_slice::<ErrorBody>(&x.body).ok();
        Self {
            status: x.status.as_u16(),
            code: body.as_ref().and_then(ErrorBody::code),
            message: body.and_then(|b| b.message).unwrap_or_else(|| x.snippet()),
        }
    }

    /// `message (errorCode 40001)`: the provider's words for the audit trail.
    fn audit(&self) -> String {
        match self.code {
            Some(code) => format!("{} (errorCode {code})", self.message),
            None => format!("{} (http {})", self.message, self.status),
        }
    }

    fn unexpected(self) -> ProviderError {
        ProviderError::Unexpected(Box::new(SinchApiError {
            status: self.status,
            error_code: self.code,
            message: self.message,
        }))
    }

    fn mentions(&self, words: &[&str]) -> bool {
        let text = self.message.to_ascii_lowercase();
        words.iter().any(|w| text.contains(w))
    }
}

/// Classifies a failed start (`POST /verification/v1/verifications`, any non-2xx the kit
/// passed on).
///
/// - a message saying the number is unreachable: `Rejected { code: "unreachable" }`;
/// - a message saying the destination country or region is blocked, denied, restricted or not
///   enabled: `Rejected { code: "blocked_country" }`;
/// - 400 with `40005`, or `40001` whose message is about the number (`number`, `endpoint`,
///   `identity`): `Rejected { code: "invalid_number" }` (every other field is ours);
/// - 402 or `40200` (not enough credit): `Unauthorized`, so the chain moves on to a provider
///   the tenant can pay;
/// - anything else: `Unexpected`.
pub fn start_failure(x: &Exchange) -> ProviderError {
    let f = Failure::of(x);
    if f.mentions(&["unreachable"]) {
        return ProviderError::rejected("unreachable", f.audit());
    }
    let barred = f.mentions(&[
        "blocked",
        "denied",
        "not allowed",
        "not enabled",
        "not supported",
        "restricted",
    ]);
    if barred && f.mentions(&["country", "destination", "region"]) {
        return ProviderError::rejected("blocked_country", f.audit());
    }
    let about_number = f.mentions(&["number", "endpoint", "identity"]);
    if f.status == 400 && (f.code == Some(40005) || (f.code == Some(40001) && about_number)) {
        return ProviderError::rejected("invalid_number", f.audit());
    }
    if f.status == 402 || f.code == Some(40200) {
        return ProviderError::Unauthorized {
            reason: format!("not enough credit: {}", f.audit()),
        };
    }
    f.unexpected()
}

/// Reads the answer to a code report (`PUT /verification/v1/verifications/id/{id}`).
///
/// - 2xx with `status` `SUCCESSFUL`: `Approved`; any other status (`FAIL` with reason
///   `Invalid code` or `Expired`, `DENIED`, ...): `Refused`;
/// - 404 (the verification is unknown or gone at Sinch): `Refused`;
/// - 400 whose message is about the code (e.g. "Supplied SMS code invalid format"): `Refused`;
/// - anything else: `Unexpected`.
///
/// # Errors
/// [`ProviderError::Unexpected`] as above, or for a 2xx body without `status`.
pub fn report_answer(x: &Exchange) -> Result<ProviderVerdict, ProviderError> {
    if x.status.is_success() {
        let report: crate::wire::ReportResponse = x.json()?;
        tracing::debug!(status = %report.status, reason = ?report.reason, "sinch report answered");
        return Ok(if report.status == crate::wire::SUCCESSFUL {
            ProviderVerdict::Approved
        } else {
            ProviderVerdict::Refused
        });
    }
    let f = Failure::of(x);
    if f.status == 404 || (f.status == 400 && f.mentions(&["code"])) {
        tracing::debug!(answer = %f.audit(), "sinch refused the report");
        return Ok(ProviderVerdict::Refused);
    }
    Err(f.unexpected())
}

/// Reads the answer to the health probe (`GET /verification/v1/verifications/reference/{a
/// reference that cannot exist}`): Sinch checks the signature before looking the reference up,
/// so a 404 carrying Sinch's error body (`40400`) proves the credentials work; a 2xx does too.
/// 401/403 were already `Unauthorized`.
///
/// # Errors
/// [`ProviderError::Unexpected`] for any other answer, including a 404 without Sinch's error
/// body (a wrong base URL answered by something else).
pub fn health_answer(x: &Exchange) -> Result<(), ProviderError> {
    if x.status.is_success() {
        return Ok(());
    }
    let f = Failure::of(x);
    if f.status == 404 && f.code.is_some() {
        return Ok(());
    }
    Err(f.unexpected())
}

/// Reads the answer to a start: the verification id from a 2xx, [`start_failure`] otherwise.
///
/// # Errors
/// As [`start_failure`]; [`ProviderError::Unexpected`] for a 2xx without a non-empty `id`.
pub fn start_answer(x: &Exchange) -> Result<String, ProviderError> {
    if !x.status.is_success() {
        return Err(start_failure(x));
    }
    let started: crate::wire::StartResponse = x.json()?;
    if started.id.trim().is_empty() {
        return Err(Failure {
            status: x.status.as_u16(),
            code: None,
            message: "the start answer has an empty id".into(),
        }
        .unexpected());
    }
    Ok(started.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    fn exchange(status: u16, body: &str) -> Exchange {
        Exchange {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_string().into_bytes().into(),
        }
    }

    fn rejected_code(e: ProviderError) -> String {
        match e {
            ProviderError::Rejected { code, .. } => code,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn the_documented_invalid_number_error_is_an_invalid_number() {
        // developers.sinch.com/docs/verification/api-reference/errors, 40001 example.
        let x = exchange(
            400,
            r#"{"errorCode": 40001, "message": "Number +4813 is invalid. Too short."}"#,
        );
        assert_eq!(rejected_code(start_failure(&x)), "invalid_number");
    }

    #[test]
    fn a_missing_plus_is_an_invalid_number() {
        let x = exchange(
            400,
            r#"{"errorCode": "40005", "message": "Missing leading +"}"#,
        );
        assert_eq!(rejected_code(start_failure(&x)), "invalid_number");
    }

    #[test]
    fn unreachable_and_barred_destinations_are_rejections() {
        let x = exchange(
            400,
            r#"{"errorCode": 40003, "message": "Number unreachable"}"#,
        );
        assert_eq!(rejected_code(start_failure(&x)), "unreachable");
        let x = exchange(
            400,
            r#"{"errorCode": 40003, "message": "Destination country is blocked"}"#,
        );
        assert_eq!(rejected_code(start_failure(&x)), "blocked_country");
    }

    #[test]
    fn a_validation_error_about_our_own_fields_is_unexpected() {
        let x = exchange(400, r#"{"errorCode": 40001, "message": "Invalid method"}"#);
        assert!(matches!(start_failure(&x), ProviderError::Unexpected(_)));
        let x = exchange(409, "<html>conflict</html>");
        assert!(matches!(start_failure(&x), ProviderError::Unexpected(_)));
    }

    #[test]
    fn no_credit_moves_on_to_the_next_provider() {
        let x = exchange(
            402,
            r#"{"errorCode": 40200, "message": "Not enough credit"}"#,
        );
        assert!(matches!(
            start_failure(&x),
            ProviderError::Unauthorized { .. }
        ));
    }

    #[test]
    fn only_a_successful_report_approves() {
        let ok = exchange(
            200,
            r#"{"id": "the id", "method": "sms", "status": "SUCCESSFUL"}"#,
        );
        assert_eq!(report_answer(&ok).unwrap(), ProviderVerdict::Approved);
        // report/VerificationReportResponseSmsDto.json
        let fail = exchange(
            200,
            r#"{"id": "the id", "method": "sms", "status": "FAIL", "reason": "Expired"}"#,
        );
        assert_eq!(report_answer(&fail).unwrap(), ProviderVerdict::Refused);
    }

    #[test]
    fn an_unknown_verification_refuses_the_code() {
        let x = exchange(
            404,
            r#"{"errorCode": 40400, "message": "Requested resource was not found.", "reference": "a reference"}"#,
        );
        assert_eq!(report_answer(&x).unwrap(), ProviderVerdict::Refused);
    }

    #[test]
    fn a_report_answer_without_status_is_unexpected() {
        let x = exchange(200, r#"{"id": "the id"}"#);
        assert!(matches!(
            report_answer(&x),
            Err(ProviderError::Unexpected(_))
        ));
    }

    #[test]
    fn a_not_found_from_sinch_proves_health_but_a_foreign_one_does_not() {
        let sinch = exchange(
            404,
            r#"{"errorCode": 40400, "message": "Requested resource was not found.", "reference": "a reference"}"#,
        );
        assert!(health_answer(&sinch).is_ok());
        let foreign = exchange(404, "<html>Not Found</html>");
        assert!(matches!(
            health_answer(&foreign),
            Err(ProviderError::Unexpected(_))
        ));
    }

    #[test]
    fn a_start_answer_without_an_id_is_unexpected() {
        assert!(matches!(
            start_answer(&exchange(200, r#"{"id": " "}"#)),
            Err(ProviderError::Unexpected(_))
        ));
        assert_eq!(
            start_answer(&exchange(200, r#"{"id": "the id", "method": "sms"}"#)).unwrap(),
            "the id"
        );
    }
}
