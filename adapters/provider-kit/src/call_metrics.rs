//! Every provider call counted and timed through the `metrics` facade (issue 12, item 4): the
//! server renders them at `/metrics`; without a recorder this records nothing.
//!
//! - `onramp_provider_calls_total{provider, operation, outcome}`, a counter;
//! - `onramp_provider_call_duration_seconds{provider, operation}`, a histogram of the whole
//!   call, retries included, in seconds.
//!
//! `operation` is the method and the URL's path with every segment that names an object
//! replaced by `{id}` (`POST /v2/Services/{id}/Verifications`), so the label takes a bounded
//! number of values whatever ids the calls carry. `outcome` is `ok`, `rejected` (the provider
//! refused this request), `unavailable` (a retry may succeed: timeouts, 5xx, 429) or `failed`
//! (anything else: credentials, an answer that does not parse).

use std::time::Duration;

use http::Method;
use url::Url;

use crate::http::CallError;

/// The `operation` label of a call: `METHOD /path/{id}/...`.
pub(crate) fn operation(method: &Method, url: &Url) -> String {
    let mut label = String::from(method.as_str());
    label.push(' ');
    let mut any = false;
    for segment in url.path().split('/').filter(|s| !s.is_empty()) {
        label.push('/');
        label.push_str(if names_an_object(segment) {
            "{id}"
        } else {
            segment
        });
        any = true;
    }
    if !any {
        label.push('/');
    }
    label
}

/// Whether a path segment is an id, a phone number or another value rather than a fixed name:
/// it holds a digit, `+`, `@`, `%` or `:`, or is longer than 32 characters, unless it is an
/// API version (`v2`, `v21.0`, Twilio's `2010-04-01`).
fn names_an_object(segment: &str) -> bool {
    if is_version(segment) {
        return false;
    }
    segment.len() > 32
        || segment
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '+' | '@' | '%' | ':'))
}

/// `v` and digits with at most one dot (`v2`, `v21.0`), or a date (`2010-04-01`).
fn is_version(segment: &str) -> bool {
    if let Some(rest) = segment.strip_prefix('v') {
        let mut parts = rest.splitn(2, '.');
        let whole = parts.next().unwrap_or("");
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        return digits(whole) && parts.next().is_none_or(digits);
    }
    let bytes = segment.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Counts and times one call of `provider`'s `operation` that ended in `error` (`None`: it
/// succeeded) after `took`.
pub(crate) fn record<E: CallError>(
    provider: &'static str,
    operation: String,
    error: Option<&E>,
    took: Duration,
) {
    let outcome = match error {
        None => "ok",
        Some(e) if e.is_rejection() => "rejected",
        Some(e) if e.is_transient() => "unavailable",
        Some(_) => "failed",
    };
    metrics::histogram!(
        "onramp_provider_call_duration_seconds",
        "provider" => provider,
        "operation" => operation.clone()
    )
    .record(took.as_secs_f64());
    metrics::counter!(
        "onramp_provider_calls_total",
        "provider" => provider,
        "operation" => operation,
        "outcome" => outcome
    )
    .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, url: &str) -> String {
        operation(&method, &Url::parse(url).unwrap())
    }

    #[test]
    fn ids_phone_numbers_and_long_values_become_id_and_versions_stay() {
        assert_eq!(
            op(
                Method::POST,
                "https://verify.twilio.com/v2/Services/VA0123456789abcdef0123456789abcdef/Verifications"
            ),
            "POST /v2/Services/{id}/Verifications"
        );
        assert_eq!(
            op(
                Method::POST,
                "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
            ),
            "POST /2010-04-01/Accounts/{id}/Messages.json"
        );
        assert_eq!(
            op(
                Method::POST,
                "https://api.telnyx.com/v2/verifications/by_phone_number/+12025550123/actions/verify"
            ),
            "POST /v2/verifications/by_phone_number/{id}/actions/verify"
        );
        assert_eq!(
            op(
                Method::GET,
                "https://graph.facebook.com/v21.0/1234567890/phone_numbers?fields=id"
            ),
            "GET /v21.0/{id}/phone_numbers"
        );
        assert_eq!(
            op(
                Method::POST,
                "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T/capture"
            ),
            "POST /v2/checkout/orders/{id}/capture"
        );
        assert_eq!(
            op(Method::POST, "https://api.stripe.com/v1/setup_intents"),
            "POST /v1/setup_intents"
        );
        assert_eq!(op(Method::GET, "http://127.0.0.1:9/"), "GET /");
    }

    #[test]
    fn versions_are_only_v_and_digits_or_a_date() {
        assert!(is_version("v2"));
        assert!(is_version("v21.0"));
        assert!(is_version("2010-04-01"));
        assert!(!is_version("v2.1.3"));
        assert!(!is_version("verifications"));
        assert!(!is_version("v"));
        assert!(!is_version("2010-04-0x"));
        assert!(names_an_object("v2beta1"));
        assert!(names_an_object(&"a".repeat(33)));
        assert!(!names_an_object("phone_numbers"));
    }
}
