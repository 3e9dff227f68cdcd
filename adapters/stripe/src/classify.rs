//! The one place where Stripe's refusals become [`PaymentError`]s.
//!
//! `onramp_provider_kit::http::execute` already classifies what every provider shares
//! (timeouts, connection failures, 429, 5xx, 401, 403). What is left here is the other 4xx
//! answers, whose body is `{"error": {"type", "code", "decline_code"?, "message", "param"?,
//! ...}}` (PROVIDERS.md section 1; stripe/stripe-python: stripe/_api_requestor.py
//! `specific_v1_api_error`, which maps `type` and the status to its exception classes):
//! - `type: card_error` (HTTP 402, sometimes 400): the card was declined;
//! - `type: invalid_request_error` (400, 404), `idempotency_error` (400, a key reused with other
//!   parameters), and any other type on a 4xx: Stripe refused this request.

use onramp_domain::ports::{PaymentError, ProviderError};
use onramp_provider_kit::http::Exchange;

use crate::wire::{ApiError, ErrorBody};

/// Stripe's `type` of card errors.
const CARD_ERROR: &str = "card_error";

/// Classifies a Stripe answer that `execute` handed back (not a 429 or a 5xx).
///
/// - 401 and 403 are [`ProviderError::Unauthorized`] (the kit's generic reading; a 403 is a
///   restricted key without the permission, never a refusal of the card);
/// - `error.type == "card_error"` is [`PaymentError::CardDeclined`] with `error.code`
///   (`card_declined`, `expired_card`, `incorrect_cvc`, ...), `error.decline_code`
///   (`generic_decline`, `insufficient_funds`, ...) and `error.message`;
/// - another Stripe error on a 4xx is [`PaymentError::Refused`] whose code is `error.code`, else
///   `error.type` (an `idempotency_error` has no code), with `error.message`;
/// - anything else (a body that is not Stripe's error, an unexpected status) is
///   [`ProviderError::Unexpected`] carrying a [`StripeApiError`]: something between Onramp and
///   Stripe answered, not Stripe.
pub(crate) fn classify(answer: &Exchange) -> PaymentError {
    let status = answer.status.as_u16();
    if matches!(status, 401 | 403) {
        return ProviderError::Unauthorized {
            reason: format!("http {status}: {}", answer.snippet()),
        }
        .into();
    }
    let Some(error) = api_error(answer) else {
        return unexpected(answer, None).into();
    };
    if error.kind.as_deref() == Some(CARD_ERROR) {
        return PaymentError::CardDeclined {
            code: error.code.clone().unwrap_or_else(|| CARD_ERROR.into()),
            decline_code: error.decline_code.clone(),
            message: error
                .message
                .clone()
                .unwrap_or_else(|| "Your card was declined.".into()),
        };
    }
    if answer.status.is_client_error() {
        let code = error
            .code
            .clone()
            .or_else(|| error.kind.clone())
            .unwrap_or_else(|| "unknown".into());
        return PaymentError::Refused {
            code,
            message: error.message.clone().unwrap_or_default(),
        };
    }
    unexpected(answer, Some(&error)).into()
}

/// The `error` of a Stripe error body, None when the body is not one.
pub(crate) fn api_error(answer: &Exchange) -> Option<ApiError> {
    serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|body| body.error)
}

/// True for Stripe's answer to the cancel of a PaymentIntent canceled already: 400
/// `payment_intent_unexpected_state` whose `error.payment_intent.status` is `canceled` ("You
/// cannot cancel this PaymentIntent because it has a status of canceled", as quoted in
/// stripe-ruby-mock/stripe-ruby-mock issue 859).
pub(crate) fn is_already_canceled(answer: &Exchange) -> bool {
    answer.status.as_u16() == 400
        && api_error(answer).is_some_and(|e| {
            e.code.as_deref() == Some("payment_intent_unexpected_state")
                && e.payment_intent
                    .and_then(|pi| pi.status)
                    .is_some_and(|s| s == "canceled")
        })
}

/// True for 404 `resource_missing` (`No such customer: 'cus_…'`).
pub(crate) fn is_resource_missing(answer: &Exchange) -> bool {
    answer.status.as_u16() == 404
        && api_error(answer).is_some_and(|e| e.code.as_deref() == Some("resource_missing"))
}

/// [`ProviderError::Unexpected`] with a [`StripeApiError`] describing `answer`.
pub(crate) fn unexpected(answer: &Exchange, error: Option<&ApiError>) -> ProviderError {
    let detail = match error {
        Some(e) => format!(
            "{} {}{}: {}",
            e.kind.as_deref().unwrap_or("error"),
            e.code.as_deref().unwrap_or("-"),
            e.param
                .as_deref()
                .map(|p| format!(" (param {p})"))
                .unwrap_or_default(),
            e.message.as_deref().unwrap_or_default()
        ),
        None => answer.snippet(),
    };
    ProviderError::Unexpected(Box::new(StripeApiError {
        status: answer.status.as_u16(),
        detail,
    }))
}

/// A Stripe answer the adapter does not map to a payment reason (kept as the source of
/// [`ProviderError::Unexpected`]).
#[derive(Debug, thiserror::Error)]
#[error("stripe answered http {status}: {detail}")]
pub struct StripeApiError {
    /// HTTP status.
    pub status: u16,
    /// `type code (param p): message` of Stripe's error, or the start of the body when it is not one.
    pub detail: String,
}

/// A 2xx answer whose content the adapter cannot use (an unknown subscription status, a card
/// without a fingerprint).
#[derive(Debug, thiserror::Error)]
#[error("unexpected stripe answer: {0}")]
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

    #[test]
    fn a_card_error_is_a_declined_card_with_the_decline_code() {
        let body = r#"{"error":{"code":"card_declined","decline_code":"insufficient_funds",
            "message":"Your card has insufficient funds.","type":"card_error"}}"#;
        let e = classify(&answer(402, body));
        assert!(
            matches!(&e, PaymentError::CardDeclined { code, decline_code, message }
                if code == "card_declined"
                    && decline_code.as_deref() == Some("insufficient_funds")
                    && message == "Your card has insufficient funds."),
            "{e:?}"
        );
    }

    #[test]
    fn a_card_error_on_a_400_is_still_a_declined_card() {
        let body = r#"{"error":{"code":"incorrect_cvc","message":"Your card's security code is incorrect.","param":"cvc","type":"card_error"}}"#;
        let e = classify(&answer(400, body));
        assert!(
            matches!(&e, PaymentError::CardDeclined { code, decline_code: None, .. } if code == "incorrect_cvc"),
            "{e:?}"
        );
    }

    #[test]
    fn an_invalid_request_is_refused_with_its_code() {
        let body = r#"{"error":{"code":"resource_missing","message":"No such price: 'price_x'","param":"items[0][price]","type":"invalid_request_error"}}"#;
        let e = classify(&answer(400, body));
        assert!(
            matches!(&e, PaymentError::Refused { code, message }
                if code == "resource_missing" && message == "No such price: 'price_x'"),
            "{e:?}"
        );
    }

    #[test]
    fn an_idempotency_error_without_a_code_is_refused_with_its_type() {
        let body = r#"{"error":{"message":"Keys for idempotent requests can only be used with the same parameters they were first used with.","type":"idempotency_error"}}"#;
        let e = classify(&answer(400, body));
        assert!(
            matches!(&e, PaymentError::Refused { code, .. } if code == "idempotency_error"),
            "{e:?}"
        );
    }

    #[test]
    fn a_403_is_unauthorized_even_with_a_stripe_body() {
        let body = r#"{"error":{"message":"The provided key 'rk_test_***' does not have the required permissions.","type":"invalid_request_error"}}"#;
        let e = classify(&answer(403, body));
        assert!(
            matches!(
                e,
                PaymentError::Provider(ProviderError::Unauthorized { .. })
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_stripes_is_unexpected_with_its_text() {
        let e = classify(&answer(404, "<html>not found</html>"));
        assert!(
            matches!(&e, PaymentError::Provider(ProviderError::Unexpected(s))
                if s.to_string() == "stripe answered http 404: <html>not found</html>"),
            "{e:?}"
        );
    }

    #[test]
    fn only_a_cancel_of_a_canceled_intent_counts_as_already_canceled() {
        let canceled = r#"{"error":{"code":"payment_intent_unexpected_state","message":"m","payment_intent":{"id":"pi_1","status":"canceled"},"type":"invalid_request_error"}}"#;
        assert!(is_already_canceled(&answer(400, canceled)));
        let succeeded = canceled.replace(r#""status":"canceled""#, r#""status":"succeeded""#);
        assert!(!is_already_canceled(&answer(400, &succeeded)));
        let other = canceled.replace("payment_intent_unexpected_state", "resource_missing");
        assert!(!is_already_canceled(&answer(400, &other)));
    }

    #[test]
    fn resource_missing_needs_the_404_and_the_code() {
        let body = r#"{"error":{"code":"resource_missing","message":"No such customer: 'cus_x'","param":"id","type":"invalid_request_error"}}"#;
        assert!(is_resource_missing(&answer(404, body)));
        assert!(!is_resource_missing(&answer(400, body)));
        assert!(!is_resource_missing(&answer(404, "{}")));
    }
}
