//! Shape checks that every adapter's `…Credentials::validate` shares, so that no adapter
//! keeps its own copy:
//!
//! - [`parse_http_url`] / [`check_base_url`]: a configured API base URL is an absolute
//!   `http`/`https` URL with a host (`base_url` always comes from configuration, so tests and
//!   mocks can point it elsewhere; HOUSE-STYLE.md section 4);
//! - [`is_header_safe`] / [`check_header_safe`]: a secret or an id that travels in an HTTP
//!   header (`Authorization: Bearer <key>`, Basic auth) is non-empty visible ASCII.
//!
//! The `check_*` functions return the message an adapter's `validate` returns as is:
//! `<field> (<ENV_VARIABLE>) <what is wrong>`. Adapters whose messages have another shape use
//! the predicates and word their own message.

use url::Url;

/// Why a base URL is refused by [`parse_http_url`]. The `Display` text is the end of a
/// sentence that starts with the field's name (`base_url (ENV) …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    /// The text is not an absolute URL (the parser's reason is kept).
    #[error("is not a URL ({0})")]
    NotAUrl(#[from] url::ParseError),
    /// The URL parses, but its scheme is neither `http` nor `https`, or it has no host.
    #[error("must be an http(s) URL with a host")]
    NotHttp,
}

/// Parses an API base URL: an absolute URL whose scheme is `http` or `https` and which has a
/// host.
///
/// # Errors
/// [`BaseUrlError::NotAUrl`] when `text` does not parse as an absolute URL (e.g.
/// `api.example.com`); [`BaseUrlError::NotHttp`] for another scheme (`ftp://…`, `file:///…`)
/// or no host.
pub fn parse_http_url(text: &str) -> Result<Url, BaseUrlError> {
    let url = Url::parse(text)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(BaseUrlError::NotHttp);
    }
    Ok(url)
}

/// [`parse_http_url`] with the message of a credentials check: the `base_url` field read from
/// the environment variable `env`.
///
/// # Errors
/// `base_url (<env>) is not a URL (<parser's reason>): "<base_url>"` or
/// `base_url (<env>) must be an http(s) URL with a host: "<base_url>"`. A base URL is not a
/// secret, so the message quotes it.
pub fn check_base_url(base_url: &str, env: &str) -> Result<Url, String> {
    parse_http_url(base_url).map_err(|reason| format!("base_url ({env}) {reason}: {base_url:?}"))
}

/// Whether `value` can go in an HTTP header as is: at least one character, and only visible
/// ASCII (`!` to `~`), i.e. no white space, no control character and nothing outside ASCII.
pub fn is_header_safe(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

/// [`is_header_safe`] with the message of a credentials check: the field `field` read from the
/// environment variable `env`.
///
/// # Errors
/// `<field> (<env>) is empty`, or `<field> (<env>) contains white space, control or non-ASCII
/// characters`. The message never contains the value (it is usually a secret).
pub fn check_header_safe(value: &str, field: &str, env: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} ({env}) is empty"));
    }
    if !is_header_safe(value) {
        return Err(format!(
            "{field} ({env}) contains white space, control or non-ASCII characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_with_a_host_are_accepted() {
        for text in [
            "https://api.telnyx.com/v2",
            "http://127.0.0.1:12111",
            "https://api-m.sandbox.paypal.com",
        ] {
            let url = check_base_url(text, "X_BASE_URL").unwrap();
            assert_eq!(url.as_str().trim_end_matches('/'), text);
        }
    }

    #[test]
    fn another_scheme_is_refused_with_the_field_the_variable_and_the_value() {
        assert_eq!(
            check_base_url("ftp://api.stripe.com", "STRIPE_BASE_URL"),
            Err(
                "base_url (STRIPE_BASE_URL) must be an http(s) URL with a host: \
                 \"ftp://api.stripe.com\""
                    .into()
            )
        );
        for other in [
            "mailto:someone@example.com",
            "file:///tmp/x",
            "data:text/plain,hi",
            "wss://api.example.com",
        ] {
            assert_eq!(parse_http_url(other), Err(BaseUrlError::NotHttp), "{other}");
        }
    }

    #[test]
    fn text_that_is_not_a_url_is_refused_with_the_parsers_reason() {
        assert_eq!(
            parse_http_url("api.telnyx.com"),
            Err(BaseUrlError::NotAUrl(
                url::ParseError::RelativeUrlWithoutBase
            ))
        );
        assert_eq!(
            check_base_url("api.telnyx.com", "TELNYX_BASE_URL"),
            Err(
                "base_url (TELNYX_BASE_URL) is not a URL (relative URL without a base): \
                 \"api.telnyx.com\""
                    .into()
            )
        );
    }

    #[test]
    fn visible_ascii_is_header_safe() {
        assert!(is_header_safe("sk_test_51Onramp0123456789secret"));
        assert!(is_header_safe("!~"));
        assert_eq!(
            check_header_safe("KEY-abc_123", "api_key", "X_API_KEY"),
            Ok(())
        );
    }

    #[test]
    fn an_empty_value_is_neither_safe_nor_accepted() {
        assert!(!is_header_safe(""));
        assert_eq!(
            check_header_safe("", "client_id", "PAYPAL_CLIENT_ID"),
            Err("client_id (PAYPAL_CLIENT_ID) is empty".into())
        );
    }

    #[test]
    fn white_space_control_and_non_ascii_characters_are_refused_without_the_value() {
        for bad in [
            "two words",
            "tab\there",
            "line\n",
            "nul\0",
            "del\x7f",
            "café",
            "\u{a0}x",
        ] {
            assert!(!is_header_safe(bad), "{bad:?}");
            let message = check_header_safe(bad, "api_key", "TELNYX_API_KEY").unwrap_err();
            assert_eq!(
                message,
                "api_key (TELNYX_API_KEY) contains white space, control or non-ASCII characters"
            );
            assert!(!message.contains(bad), "{message}");
        }
    }

    #[test]
    fn header_safe_is_exactly_no_white_space_control_or_non_ascii_character() {
        // The adapters used to spell the rule with `char` predicates; the byte test must agree
        // with it on every character.
        for c in (0..=0x3000u32).filter_map(char::from_u32) {
            let by_chars = !(c.is_whitespace() || c.is_control() || !c.is_ascii());
            assert_eq!(is_header_safe(&c.to_string()), by_chars, "{c:?}");
        }
    }
}
