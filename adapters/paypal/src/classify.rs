//! The one place where PayPal's error bodies become [`PaymentError`]s.
//!
//! `onramp_provider_kit::http::execute` already classifies what every provider shares
//! (timeouts, connection failures, 429, 5xx, 401, 403). What is left here is the other 4xx
//! answers. The REST APIs answer the OpenAPI description's `error` schema:
//! `{"name": "UNPROCESSABLE_ENTITY", "message": ..., "debug_id": "f3391198e4dae",
//! "details": [{"issue": "ORDER_NOT_APPROVED", "description": ...}], "links": [...]}`
//! (`../shared/provider-specs/paypal.json`, `components.schemas.error` and `error_details`);
//! the token endpoint answers OAuth2's `{"error": "invalid_client", "error_description": ...}`
//! (RFC 6749 section 5.2).

use onramp_domain::ports::{PaymentError, ProviderError};
use onramp_provider_kit::http::Exchange;
use serde::Deserialize;

/// The issue PayPal answers (HTTP 422) when an order was captured already: one capture per
/// order with `intent=CAPTURE` (description, `orders.capture-422`).
pub(crate) const ORDER_ALREADY_CAPTURED: &str = "ORDER_ALREADY_CAPTURED";

/// Issues of `POST /v2/checkout/orders/{id}/capture` (the description's `orders.capture-422`)
/// that refuse the buyer's funding source rather than the request: the buyer may approve again
/// with another card or account, so they read as [`PaymentError::CardDeclined`]. PayPal's
/// guidance for `INSTRUMENT_DECLINED` and `PAYER_ACTION_REQUIRED` is to send the buyer back to
/// the approval page (the issues' descriptions in the same schema).
const DECLINE_ISSUES: [&str; 11] = [
    "INSTRUMENT_DECLINED",
    "PAYER_ACTION_REQUIRED",
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    "PAYER_CANNOT_PAY",
    "PAYER_ACCOUNT_RESTRICTED",
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
    "TRANSACTION_REFUSED",
    "CARD_EXPIRED",
    "REFERENCED_CARD_EXPIRED",
    "CARD_BRAND_NOT_SUPPORTED",
    "DECLINED_DUE_TO_RELATED_TXN",
];

/// `error` (the fields read).
#[derive(Debug, Default, Deserialize)]
struct ApiError {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    debug_id: Option<String>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
    /// OAuth2's `error`, from the token endpoint.
    #[serde(default)]
    error: Option<String>,
    /// OAuth2's `error_description`.
    #[serde(default)]
    error_description: Option<String>,
}

/// `error_details` (the fields read).
#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    issue: String,
    #[serde(default)]
    description: Option<String>,
}

/// The body's PayPal error, when it is one.
fn read(answer: &Exchange) -> Option<ApiError> {
    serde_json::from_slice::<ApiError>(&answer.body)
        .ok()
        .filter(|e| e.name.is_some() || e.error.is_some() || !e.details.is_empty())
}

/// True when the answer is a 422 whose details name [`ORDER_ALREADY_CAPTURED`].
pub(crate) fn is_already_captured(answer: &Exchange) -> bool {
    answer.status.as_u16() == 422
        && read(answer).is_some_and(|e| e.details.iter().any(|d| d.issue == ORDER_ALREADY_CAPTURED))
}

/// Classifies a PayPal 4xx answer that `execute` handed back (not a 401, 403 or 429).
///
/// The stable reason is the first detail's `issue` (e.g. `ORDER_NOT_APPROVED`), else the
/// error's `name` (e.g. `RESOURCE_NOT_FOUND`), else OAuth2's `error`:
/// - an issue of [`DECLINE_ISSUES`] (`INSTRUMENT_DECLINED`, `PAYER_ACTION_REQUIRED`, ...) is
///   [`PaymentError::CardDeclined`] with the issue as `code`, no `decline_code`, and the
///   issue's description as the message;
/// - any other PayPal error (`ORDER_NOT_APPROVED`, `INVALID_RESOURCE_ID`, a schema violation
///   such as `MISSING_REQUIRED_PARAMETER`) is [`PaymentError::Refused`] with that reason and
///   the provider's words (`description`, `message`, `debug_id`);
/// - a body that is not a PayPal error is [`ProviderError::Unexpected`] carrying a
///   [`PaypalApiError`].
pub(crate) fn classify(answer: &Exchange) -> PaymentError {
    let Some(error) = read(answer) else {
        return unexpected_status(answer);
    };
    let detail = error.details.iter().find(|d| !d.issue.is_empty());
    let code = detail
        .map(|d| d.issue.clone())
        .or_else(|| error.name.clone())
        .or_else(|| error.error.clone())
        .unwrap_or_else(|| format!("http_{}", answer.status.as_u16()));
    let message = describe(&error, detail);
    if DECLINE_ISSUES.contains(&code.as_str()) {
        return PaymentError::CardDeclined {
            code,
            decline_code: None,
            message,
        };
    }
    PaymentError::Refused { code, message }
}

/// A non-2xx answer that is not PayPal's error shape, as [`ProviderError::Unexpected`].
pub(crate) fn unexpected_status(answer: &Exchange) -> PaymentError {
    ProviderError::Unexpected(Box::new(PaypalApiError {
        status: answer.status.as_u16(),
        error: answer.snippet(),
    }))
    .into()
}

/// The provider's words: the detail's description, else the message (or OAuth2's
/// `error_description`), with the `debug_id` PayPal support asks for.
fn describe(error: &ApiError, detail: Option<&ErrorDetail>) -> String {
    let text = detail
        .and_then(|d| d.description.clone())
        .or_else(|| error.message.clone())
        .or_else(|| error.error_description.clone())
        .unwrap_or_default();
    match &error.debug_id {
        Some(debug_id) => format!("{text} (debug_id {debug_id})"),
        None => text,
    }
}

/// A PayPal answer the adapter does not map to a domain reason (kept as the source of
/// [`ProviderError::Unexpected`]).
#[derive(Debug, thiserror::Error)]
#[error("paypal answered http {status}: {error}")]
pub struct PaypalApiError {
    /// HTTP status.
    pub status: u16,
    /// The start of the body.
    pub error: String,
}

/// A 2xx answer whose content the adapter cannot use (no order id, no approval link, no
/// capture, an amount that does not parse).
#[derive(Debug, thiserror::Error)]
#[error("unexpected paypal answer: {0}")]
pub struct UnexpectedAnswer(pub String);

/// [`UnexpectedAnswer`] as a [`PaymentError`].
pub(crate) fn unexpected(what: impl Into<String>) -> PaymentError {
    ProviderError::Unexpected(Box::new(UnexpectedAnswer(what.into()))).into()
}

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

    fn unprocessable(issue: &str) -> String {
        format!(
            r#"{{"name":"UNPROCESSABLE_ENTITY","message":"The requested action could not be performed, semantically incorrect, or failed business validation.","debug_id":"f3391198e4dae","details":[{{"issue":"{issue}","description":"d"}}]}}"#
        )
    }

    #[test]
    fn an_order_not_approved_is_refused_with_the_issue() {
        let e = classify(&answer(422, &unprocessable("ORDER_NOT_APPROVED")));
        assert!(
            matches!(&e, PaymentError::Refused { code, message }
                if code == "ORDER_NOT_APPROVED" && message == "d (debug_id f3391198e4dae)"),
            "{e:?}"
        );
    }

    #[test]
    fn a_declined_instrument_or_payer_action_is_a_card_decline() {
        for issue in ["INSTRUMENT_DECLINED", "PAYER_ACTION_REQUIRED"] {
            let e = classify(&answer(422, &unprocessable(issue)));
            assert!(
                matches!(&e, PaymentError::CardDeclined { code, decline_code: None, .. } if code == issue),
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_error_without_details_is_refused_with_its_name() {
        let body = r#"{"name":"RESOURCE_NOT_FOUND","message":"The specified resource does not exist.","debug_id":"b1"}"#;
        let e = classify(&answer(404, body));
        assert!(
            matches!(&e, PaymentError::Refused { code, .. } if code == "RESOURCE_NOT_FOUND"),
            "{e:?}"
        );
    }

    #[test]
    fn an_oauth_error_is_refused_with_its_error_code() {
        let body =
            r#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#;
        let e = classify(&answer(400, body));
        assert!(
            matches!(&e, PaymentError::Refused { code, message }
                if code == "invalid_client" && message == "Client Authentication failed"),
            "{e:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_a_paypal_error_is_unexpected_with_its_text() {
        let e = classify(&answer(400, "<html>bad gateway</html>"));
        assert!(
            matches!(&e, PaymentError::Provider(ProviderError::Unexpected(s))
                if s.to_string() == "paypal answered http 400: <html>bad gateway</html>"),
            "{e:?}"
        );
    }

    #[test]
    fn only_a_422_naming_the_issue_is_already_captured() {
        assert!(is_already_captured(&answer(
            422,
            &unprocessable("ORDER_ALREADY_CAPTURED")
        )));
        assert!(!is_already_captured(&answer(
            400,
            &unprocessable("ORDER_ALREADY_CAPTURED")
        )));
        assert!(!is_already_captured(&answer(
            422,
            &unprocessable("ORDER_NOT_APPROVED")
        )));
    }
}
