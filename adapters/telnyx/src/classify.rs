//! The one place where Telnyx's refusals become [`ProviderError`]s.
//!
//! `onramp_provider_kit::http::execute` already classifies what every provider shares
//! (timeouts, connection failures, 429, 5xx, 401, 403). What is left here is the other 4xx
//! answers, whose body is the OpenAPI description's `verify_Errors`:
//! `{"errors": [{"code": "10002", "title": "Invalid phone number", "detail": ..., "source":
//! {"pointer": "/phone_number"}, "meta": {"url": ...}}]}` (`../shared/provider-specs/telnyx.json`,
//! `components.schemas.verify_Error`; the same shape in team-telnyx/telnyx-skills:
//! providers/claude/plugin/skills/telnyx-twilio-migration/references/error-code-mapping.md,
//! "Telnyx Error Response Format").

use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::Exchange;

use crate::wire::{ApiError, Errors};

/// Telnyx error codes that mean the destination cannot be served, and the domain's stable reason
/// for each. Sources:
/// - `10001` Inactive phone number, `10002` Invalid phone number, `10016` Phone number must be
///   in +E.164 format: doc <https://developers.telnyx.com/development/api-fundamentals/api-errors>;
/// - `10002` for an invalid Verify destination and `40309` "Invalid destination region" (the
///   destination's country is not in the profile's `whitelisted_destinations`), both HTTP 400:
///   team-telnyx/telnyx-skills error-code-mapping.md (path above), "Verify Errors";
/// - `40310` Invalid 'to' address: the same file, "Messaging Errors — API Response";
/// - `40001` Not routable (landline or non-routable number), `40012` Invalid destination number
///   (the carrier rejected it): doc <https://developers.telnyx.com/docs/messaging/messages/error-codes>.
const DESTINATION_CODES: [(&str, &str); 7] = [
    ("10001", "unreachable"),
    ("10002", "invalid_number"),
    ("10016", "invalid_number"),
    ("40001", "unreachable"),
    ("40012", "invalid_number"),
    ("40309", "blocked_country"),
    ("40310", "invalid_number"),
];

/// Classifies a Telnyx 4xx answer that `execute` handed back (not a 401, 403 or 429).
///
/// - an error whose `code` is one of [`DESTINATION_CODES`] gives
///   [`ProviderError::Rejected`] with that code's reason (`invalid_number`, `unreachable`,
///   `blocked_country`) and the provider's `code title: detail` as the message;
/// - otherwise an error pointing at the phone number (`source.pointer` = `/phone_number`, the
///   field Telnyx validates as E.164) is `Rejected { code: "invalid_number" }`;
/// - anything else (a profile that does not exist, a body Telnyx did not accept, an answer
///   without a `verify_Errors` body) is [`ProviderError::Unexpected`] carrying a
///   [`TelnyxApiError`]: a fault of the integration, not of the number, so the failover moves
///   on.
pub(crate) fn classify(answer: &Exchange) -> ProviderError {
    let errors = serde_json::from_slice::<Errors>(&answer.body)
        .unwrap_or_default()
        .errors;
    for error in &errors {
        if let Some((_, reason)) = DESTINATION_CODES.iter().find(|(c, _)| *c == error.code) {
            return ProviderError::rejected(*reason, describe(error));
        }
    }
    if let Some(error) = errors.iter().find(|e| {
        e.source
            .as_ref()
            .and_then(|s| s.pointer.as_deref())
            .is_some_and(|p| p == "/phone_number")
    }) {
        return ProviderError::rejected("invalid_number", describe(error));
    }
    ProviderError::Unexpected(Box::new(TelnyxApiError {
        status: answer.status.as_u16(),
        errors: if errors.is_empty() {
            answer.snippet()
        } else {
            errors.iter().map(describe).collect::<Vec<_>>().join("; ")
        },
    }))
}

/// True when the answer is Telnyx's "Resource not found" (HTTP 404), e.g. no pending verification
/// for a number (code `10005`: doc <https://developers.telnyx.com/development/api-fundamentals/api-errors>).
pub(crate) fn is_not_found(answer: &Exchange) -> bool {
    answer.status.as_u16() == 404
}

/// `code title: detail`, the provider's words for the audit trail.
fn describe(error: &ApiError) -> String {
    match &error.detail {
        Some(detail) if !detail.is_empty() => format!("{} {}: {detail}", error.code, error.title),
        _ => format!("{} {}", error.code, error.title),
    }
}

/// A Telnyx answer the adapter does not map to a domain reason (kept as the source of
/// [`ProviderError::Unexpected`]).
#[derive(Debug, thiserror::Error)]
#[error("telnyx answered http {status}: {errors}")]
pub struct TelnyxApiError {
    /// HTTP status.
    pub status: u16,
    /// The errors as `code title: detail` joined by `; `, or the start of the body when it is
    /// not `verify_Errors`.
    pub errors: String,
}

/// A 2xx answer whose content the adapter cannot use (no verification id, an unknown
/// `response_code`).
#[derive(Debug, thiserror::Error)]
#[error("unexpected telnyx answer: {0}")]
pub struct UnexpectedAnswer(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: Default::default(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    fn error(code: &str, title: &str) -> String {
        format!(r#"{{"errors":[{{"code":"{code}","title":"{title}","detail":"d"}}]}}"#)
    }

    fn rejected_code(e: ProviderError) -> String {
        match e {
            ProviderError::Rejected { code, .. } => code,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn an_invalid_phone_number_is_rejected_as_invalid_number() {
        let e = classify(&answer(400, &error("10002", "Invalid phone number")));
        assert!(
            matches!(&e, ProviderError::Rejected { code, message }
                if code == "invalid_number" && message == "10002 Invalid phone number: d"),
            "{e:?}"
        );
    }

    #[test]
    fn a_number_not_in_e164_is_rejected_as_invalid_number() {
        let e = classify(&answer(
            422,
            &error("10016", "Phone number must be in +E.164 format"),
        ));
        assert_eq!(rejected_code(e), "invalid_number");
    }

    #[test]
    fn a_destination_outside_the_whitelist_is_a_blocked_country() {
        let e = classify(&answer(400, &error("40309", "Invalid destination region")));
        assert_eq!(rejected_code(e), "blocked_country");
    }

    #[test]
    fn an_inactive_or_unroutable_number_is_unreachable() {
        assert_eq!(
            rejected_code(classify(&answer(
                400,
                &error("10001", "Inactive phone number")
            ))),
            "unreachable"
        );
        assert_eq!(
            rejected_code(classify(&answer(400, &error("40001", "Not routable")))),
            "unreachable"
        );
    }

    #[test]
    fn a_numeric_code_is_read_like_a_string_one() {
        let body = r#"{"errors":[{"code":10002,"title":"Invalid phone number"}]}"#;
        assert_eq!(
            rejected_code(classify(&answer(400, body))),
            "invalid_number"
        );
    }

    #[test]
    fn an_unknown_code_pointing_at_the_phone_number_is_an_invalid_number() {
        let body = r#"{"errors":[{"code":"10015","title":"Bad Request","source":{"pointer":"/phone_number"}}]}"#;
        assert_eq!(
            rejected_code(classify(&answer(422, body))),
            "invalid_number"
        );
    }

    #[test]
    fn a_missing_profile_is_unexpected_with_the_providers_words() {
        let e = classify(&answer(404, &error("10005", "Resource not found")));
        match e {
            ProviderError::Unexpected(source) => {
                assert_eq!(
                    source.to_string(),
                    "telnyx answered http 404: 10005 Resource not found: d"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_unexpected_with_its_text() {
        let e = classify(&answer(400, "<html>bad</html>"));
        assert!(
            matches!(&e, ProviderError::Unexpected(s) if s.to_string().contains("<html>bad</html>")),
            "{e:?}"
        );
    }
}
