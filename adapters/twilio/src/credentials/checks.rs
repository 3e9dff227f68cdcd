//! Shape checks of single credential fields, each returning the message
//! [`TwilioCredentials::validate`](super::TwilioCredentials::validate) gives:
//! `<field> (<ENV_VARIABLE>) <what is wrong>`.

use onramp_provider_kit::credentials::{BaseUrlError, parse_http_url};

/// `prefix` then 32 hex digits, the pattern of Twilio SIDs in the OpenAPI description
/// (`^AC[0-9a-fA-F]{32}$`, `^VA…`, `^SK…`, `^MG…`).
pub(crate) fn is_sid(text: &str, prefix: &str) -> bool {
    text.len() == 34 && text.starts_with(prefix) && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// E.164 as ITU-T E.164 defines its shape: `+`, then 1 to 15 digits, the first not `0`. The
/// numbering plan is not consulted (Twilio's own test and sandbox numbers must pass).
pub(crate) fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (1..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

pub(super) fn check_sid(value: &str, prefix: &str, field: &str, env: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} ({env}) is missing"));
    }
    if !is_sid(value, prefix) {
        return Err(format!(
            "{field} ({env}) must be {prefix} followed by 32 hexadecimal digits (34 characters), got {} characters starting with {:?}",
            value.chars().count(),
            value.chars().take(2).collect::<String>()
        ));
    }
    Ok(())
}

pub(super) fn check_secret(value: &str, field: &str, env: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} ({env}) is missing"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(format!("{field} ({env}) contains white space"));
    }
    Ok(())
}

/// A phone number is not a secret, so the message quotes it.
pub(super) fn check_e164(value: &str, field: &str, env: &str) -> Result<(), String> {
    if is_e164(value) {
        return Ok(());
    }
    Err(format!(
        "{field} ({env}) must be an E.164 number such as +14155238886 (without the whatsapp: prefix), got {value:?}"
    ))
}

/// An absolute `http(s)` URL with a host; a URL is not a secret, so the message quotes it.
pub(super) fn check_url(value: &str, field: &str, env: &str) -> Result<(), String> {
    parse_http_url(value)
        .map(|_| ())
        .map_err(|reason| match reason {
            BaseUrlError::NotAUrl(e) => format!("{field} ({env}) {value:?} is not a URL: {e}"),
            BaseUrlError::NotHttp => {
                format!("{field} ({env}) {value:?} must be an http or https URL with a host")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_is_a_plus_and_one_to_fifteen_digits_not_starting_with_zero() {
        for good in ["+14155238886", "+15005550006", "+442079460018", "+1"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "14155238886",
            "whatsapp:+14155238886",
            "+0123",
            "+",
            "+1234567890123456",
            "+1 415 523 8886",
            "+1415523888a",
            "",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn a_messaging_service_sid_is_mg_and_32_hex_digits() {
        assert!(is_sid("MG0123456789abcdef0123456789ABCDEF", "MG"));
        assert!(!is_sid("MG0123456789abcdef0123456789ABCDEG", "MG"));
        assert!(!is_sid("AC0123456789abcdef0123456789abcdef", "MG"));
    }

    #[test]
    fn url_messages_name_the_field_and_its_variable() {
        let e = check_url("ftp://x", "status_callback_url", "X_URL").unwrap_err();
        assert!(e.starts_with("status_callback_url (X_URL)"), "{e}");
        let e = check_url("not a url", "status_callback_url", "X_URL").unwrap_err();
        assert!(e.contains("is not a URL"), "{e}");
        assert_eq!(check_url("https://a.example/cb", "f", "E"), Ok(()));
    }
}
