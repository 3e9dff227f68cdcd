//! The one place where Graph API errors become [`ProviderError`]s.
//!
//! `onramp_provider_kit::http::execute` already classifies what every provider shares
//! (timeouts, connection failures, 429, 5xx, 401, 403). What is left here is the other
//! answers, whose body is the Graph error object `{"error": {"message", "type", "code",
//! "error_subcode"?, "fbtrace_id", "is_transient"?}}` (PROVIDERS.md section 6, "Graph basics";
//! the description's `GraphAPIError`). Graph answers most errors, an expired token included,
//! with HTTP 400, so the `code` decides, as the
//! [`EmbeddedSignup`](onramp_domain::ports::EmbeddedSignup) port's documentation lists:
//!
//! | Graph error | result |
//! | --- | --- |
//! | `code` 4, 80007, 130429, 131048, 131056 (rate limits), or `is_transient: true` | `Unavailable` |
//! | `code` 190 (token expired or invalid), 102 (session), 101 (application refused), a refused client secret on a token exchange | `Unauthorized` |
//! | the code exchange: `code` 100 or subcodes 36007-36009, or a message about the code being used, expired or invalid | `Rejected { code: "code_expired" }` |
//! | register: a message about the PIN ("PIN must be exactly 6 digits"), or `code` 133005/133006 (two-step verification PIN mismatch) | `Rejected { code: "invalid_pin" }` |
//! | send: `code` 131047 (more than 24 hours since the user last wrote) | `Rejected { code: "outside_window" }` |
//! | send: `code` 131026 (message undeliverable) | `Rejected { code: "undeliverable" }` |
//! | `code` 10 or 200-299 (permission) | `Rejected { code: "permission_denied" }` |
//! | `code` 100 (invalid parameter) | `Rejected { code: "invalid_parameter" }` |
//! | any other Graph error | `Rejected { code: "graph_error" }` |
//! | a body that is not a Graph error | `Unexpected` with a [`MetaApiError`] |
//!
//! Error codes: doc <https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/>
//! and the Graph API's error handling guide; the PIN message and the 190 example are the
//! description's `register` 400 and 401 examples.

use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::Exchange;

use crate::wire::{ErrorBody, GraphError};

/// The Graph call an answer belongs to: some codes mean something particular for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// `GET /oauth/access_token?code=…`.
    ExchangeCode,
    /// `GET /oauth/access_token?grant_type=fb_exchange_token…`.
    RefreshToken,
    /// `POST /{waba-id}/subscribed_apps`.
    Subscribe,
    /// `POST /{extended-credit-id}/whatsapp_credit_sharing_and_attach`.
    ShareCredit,
    /// `POST /{phone-number-id}/register`.
    Register,
    /// `POST /{phone-number-id}/messages`.
    Send,
    /// `GET /{phone-number-id}?fields=id`.
    Health,
}

/// Graph codes of rate and spam limits: the request was throttled, a later one may pass.
const RATE_LIMITS: [i64; 5] = [4, 80007, 130429, 131048, 131056];
/// Graph codes of a refused token or application.
const UNAUTHORIZED: [i64; 3] = [190, 102, 101];
/// Subcodes of an authorization code that expired, was used, or does not match.
const CODE_SUBCODES: [i64; 3] = [36007, 36008, 36009];
/// Two-step verification PIN mismatch on register.
const PIN_CODES: [i64; 2] = [133005, 133006];
/// Re-engagement: a free-form message more than 24 hours after the user last wrote.
const OUTSIDE_WINDOW: i64 = 131047;
/// The message could not be delivered to the user.
const UNDELIVERABLE: i64 = 131026;

/// Classifies an answer of `operation` that is not a success.
pub(crate) fn classify(operation: Operation, answer: &Exchange) -> ProviderError {
    match graph_error(answer) {
        Some(error) => classify_error(operation, &error),
        None => ProviderError::Unexpected(Box::new(MetaApiError {
            status: answer.status.as_u16(),
            detail: answer.snippet(),
        })),
    }
}

/// The body's Graph error, None when it is not one.
pub(crate) fn graph_error(answer: &Exchange) -> Option<GraphError> {
    serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|body| body.error)
        .filter(|e| e.code.is_some() || !e.message.is_empty())
}

/// Classifies a Graph error of `operation` (see the module's table).
pub(crate) fn classify_error(operation: Operation, error: &GraphError) -> ProviderError {
    let code = error.code.unwrap_or_default();
    let text = describe(error);
    if RATE_LIMITS.contains(&code) || error.is_transient == Some(true) {
        return ProviderError::Unavailable {
            retry_after: None,
            reason: format!("rate limited: {text}"),
        };
    }
    let token_exchange = matches!(operation, Operation::ExchangeCode | Operation::RefreshToken);
    let lower = error.message.to_ascii_lowercase();
    if UNAUTHORIZED.contains(&code) || (token_exchange && lower.contains("client secret")) {
        return ProviderError::Unauthorized { reason: text };
    }
    let rejected = |stable: &str| ProviderError::rejected(stable, text.clone());
    match operation {
        Operation::ExchangeCode
            if code == 100
                || error
                    .error_subcode
                    .is_some_and(|s| CODE_SUBCODES.contains(&s))
                || mentions_spent_code(&lower) =>
        {
            return rejected("code_expired");
        }
        Operation::Register if PIN_CODES.contains(&code) || has_word(&lower, "pin") => {
            return rejected("invalid_pin");
        }
        Operation::Send if code == OUTSIDE_WINDOW => return rejected("outside_window"),
        Operation::Send if code == UNDELIVERABLE => return rejected("undeliverable"),
        _ => {}
    }
    match code {
        10 | 200..=299 => rejected("permission_denied"),
        100 => rejected("invalid_parameter"),
        _ => rejected("graph_error"),
    }
}

/// "This authorization code has been used", "… has expired", "Invalid verification code
/// format": a message about an authorization code that cannot be exchanged.
fn mentions_spent_code(lower: &str) -> bool {
    has_word(lower, "code")
        && [
            "used",
            "expired",
            "invalid",
            "verification",
            "authorization",
        ]
        .iter()
        .any(|w| has_word(lower, w))
}

/// True when `word` is one of the words of `text` (split on anything but letters and digits).
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == word)
}

/// `message (graph code 100/33, fbtrace_id X)`: the provider's words for the audit trail.
fn describe(error: &GraphError) -> String {
    let mut text = error.message.clone();
    if let Some(code) = error.code {
        text.push_str(&format!(" (graph code {code}"));
        if let Some(sub) = error.error_subcode {
            text.push_str(&format!("/{sub}"));
        }
        if let Some(trace) = &error.fbtrace_id {
            text.push_str(&format!(", fbtrace_id {trace}"));
        }
        text.push(')');
    }
    text
}

/// A Graph answer the adapter does not map to a domain reason (kept as the source of
/// [`ProviderError::Unexpected`]).
#[derive(Debug, thiserror::Error)]
#[error("meta answered http {status}: {detail}")]
pub struct MetaApiError {
    /// HTTP status.
    pub status: u16,
    /// The start of the body.
    pub detail: String,
}

/// A 2xx answer whose content the adapter cannot use (`success: false`, no message id).
#[derive(Debug, thiserror::Error)]
#[error("unexpected meta answer: {0}")]
pub struct UnexpectedAnswer(pub String);

/// [`UnexpectedAnswer`] as a [`ProviderError`].
pub(crate) fn unexpected(what: impl Into<String>) -> ProviderError {
    ProviderError::Unexpected(Box::new(UnexpectedAnswer(what.into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: Default::default(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    fn graph(code: i64, subcode: Option<i64>, message: &str) -> String {
        let sub = subcode
            .map(|s| format!(r#","error_subcode":{s}"#))
            .unwrap_or_default();
        format!(
            r#"{{"error":{{"message":"{message}","type":"OAuthException","code":{code}{sub},"fbtrace_id":"AXsgnV2Cm3ZMGF3dF_cfYIn"}}}}"#
        )
    }

    fn code_of(e: &ProviderError) -> &str {
        match e {
            ProviderError::Rejected { code, .. } => code,
            other => panic!("not a rejection: {other:?}"),
        }
    }

    #[test]
    fn an_exchange_of_a_spent_code_is_code_expired() {
        for (code, sub, message) in [
            (100, Some(36007), "This authorization code has expired."),
            (100, Some(36009), "This authorization code has been used."),
            (100, None, "Invalid verification code format."),
            (1, None, "This authorization code has been used."),
        ] {
            let e = classify(ExchangeCode, &answer(400, &graph(code, sub, message)));
            assert_eq!(code_of(&e), "code_expired", "{message}");
        }
    }

    #[test]
    fn code_100_elsewhere_is_an_invalid_parameter_with_the_words_of_meta() {
        let e = classify(
            Subscribe,
            &answer(400, &graph(100, None, "Invalid callback URI format")),
        );
        assert!(
            matches!(&e, ProviderError::Rejected { code, message } if code == "invalid_parameter"
                && message == "Invalid callback URI format (graph code 100, fbtrace_id AXsgnV2Cm3ZMGF3dF_cfYIn)"),
            "{e:?}"
        );
    }

    #[test]
    fn a_pin_error_on_register_is_invalid_pin() {
        let format = graph(
            100,
            None,
            "Invalid PIN format. PIN must be exactly 6 digits",
        );
        assert_eq!(
            code_of(&classify(Register, &answer(400, &format))),
            "invalid_pin"
        );
        let mismatch = graph(133005, None, "Two step verification PIN Mismatch");
        assert_eq!(
            code_of(&classify(Register, &answer(400, &mismatch))),
            "invalid_pin"
        );
        let other = graph(133006, None, "Phone number re-verification needed");
        assert_eq!(
            code_of(&classify(Register, &answer(400, &other))),
            "invalid_pin"
        );
        // Words that merely contain "pin" do not count.
        let shipping = graph(100, None, "Invalid shipping option");
        assert_eq!(
            code_of(&classify(Register, &answer(400, &shipping))),
            "invalid_parameter"
        );
    }

    #[test]
    fn permission_codes_are_permission_denied() {
        for code in [10, 200, 250, 299] {
            let e = classify(ShareCredit, &answer(403, &graph(code, Some(1349174), "no")));
            assert_eq!(code_of(&e), "permission_denied", "{code}");
        }
        let e = classify(ShareCredit, &answer(400, &graph(300, None, "other")));
        assert_eq!(code_of(&e), "graph_error");
    }

    #[test]
    fn an_expired_token_is_unauthorized_even_on_a_400() {
        let body = graph(
            190,
            Some(463),
            "Error validating access token: Session has expired",
        );
        for op in [Send, Subscribe, RefreshToken, Health] {
            let e = classify(op, &answer(400, &body));
            assert!(
                matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("190/463")),
                "{e:?}"
            );
        }
        let secret = graph(1, None, "Error validating client secret.");
        assert!(matches!(
            classify(ExchangeCode, &answer(400, &secret)),
            ProviderError::Unauthorized { .. }
        ));
        assert_eq!(
            code_of(&classify(Send, &answer(400, &secret))),
            "graph_error"
        );
    }

    #[test]
    fn rate_limits_and_transient_errors_are_unavailable() {
        for code in RATE_LIMITS {
            let e = classify(Send, &answer(400, &graph(code, None, "Rate limit hit")));
            assert!(
                matches!(
                    e,
                    ProviderError::Unavailable {
                        retry_after: None,
                        ..
                    }
                ),
                "{code}"
            );
        }
        let transient = r#"{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true}}"#;
        assert!(matches!(
            classify(Register, &answer(400, transient)),
            ProviderError::Unavailable { .. }
        ));
    }

    #[test]
    fn message_failures_name_the_window_or_undeliverable() {
        let window = graph(131047, None, "Re-engagement message");
        assert_eq!(
            code_of(&classify(Send, &answer(400, &window))),
            "outside_window"
        );
        let gone = graph(131026, None, "Message undeliverable");
        assert_eq!(
            code_of(&classify(Send, &answer(400, &gone))),
            "undeliverable"
        );
        assert_eq!(
            code_of(&classify(Register, &answer(400, &gone))),
            "graph_error"
        );
    }

    #[test]
    fn a_body_that_is_not_a_graph_error_is_unexpected_with_its_text() {
        let e = classify(Send, &answer(404, "<html>not found</html>"));
        assert!(
            matches!(&e, ProviderError::Unexpected(s) if s.to_string() == "meta answered http 404: <html>not found</html>"),
            "{e:?}"
        );
        assert!(graph_error(&answer(400, r#"{"error":{}}"#)).is_none());
    }
}
