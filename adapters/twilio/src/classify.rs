//! The one place where Twilio's error answers become [`ProviderError`]s (HOUSE-STYLE.md
//! section 3). The generic part (timeouts, 429, 5xx, 401, 403) is the provider kit's
//! (`onramp_provider_kit::http::execute`); this module reads Twilio's own error codes, per
//! family of calls.
//!
//! Verify (`Call::Start`, `Call::Check`, `Call::Health`):
//!
//! | Twilio code | HTTP | Meaning | Ours |
//! |---|---|---|---|
//! | 60200 on `To` | 400 | "Invalid parameter: To" (malformed number) | `Rejected { code: "invalid_number" }` |
//! | 60006 | – | number well formed but invalid downstream | `Rejected { code: "invalid_number" }` |
//! | 60205 | 403 | SMS not supported by landline number | `Rejected { code: "unreachable" }` |
//! | 60410 | – | Fraud Guard blocked the destination prefix | `Rejected { code: "blocked_country" }` |
//! | 60605 | 403 | destination blocked by Verify Geo-Permissions | `Rejected { code: "blocked_country" }` |
//! | 20404 | 404 | resource not found | health check: `Unauthorized` (wrong service SID) |
//! | anything else | 4xx | our request or our configuration | `Unexpected(TwilioApiError)` |
//!
//! Sources: <https://www.twilio.com/docs/api/errors/60200>, .../60006, .../60205, .../60410,
//! .../60605, .../20404. The 60202/60203 limits answer HTTP 429 and are therefore the kit's
//! `Unavailable` (<https://www.twilio.com/docs/api/errors/60203>).
//!
//! Messages and Accounts, for WhatsApp (`Call::Message`, `Call::Account`):
//!
//! | Twilio code | Meaning | Ours |
//! |---|---|---|
//! | 63015 | the recipient has not joined the WhatsApp sandbox | `Rejected { code: "not_joined" }` |
//! | 21211 | invalid `To` phone number | `Rejected { code: "invalid_number" }` |
//! | 21614 | `To` is not a valid mobile number | `Rejected { code: "invalid_number" }` |
//! | 63016 | free-form message outside the 24-hour window | `Rejected { code: "outside_window" }` |
//! | 63018, 20429 | rate limit of the channel, too many requests | `Unavailable` |
//! | 20003 | authentication failed | `Unauthorized` |
//! | 20404 | account not found (health check) | `Unauthorized` (wrong account SID) |
//! | anything else | our request or our configuration | `Unexpected(TwilioApiError)` |
//!
//! Sources: PROVIDERS.md section 4 (Messages (WhatsApp): 63015);
//! <https://www.twilio.com/docs/api/errors/21211>, .../21614, .../63016, .../63018, .../20429,
//! .../20003. Whatever HTTP status carries them: 20003 and 20429 normally come as 401 and 429,
//! which the kit classifies the same way before this module is asked.

use http::StatusCode;
use onramp_domain::ports::ProviderError;

use crate::wire::ErrorBody;

/// Which call failed: the same Twilio answer can mean different things per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `POST /v2/Services/{ServiceSid}/Verifications`.
    Start,
    /// `POST /v2/Services/{ServiceSid}/VerificationCheck`.
    Check,
    /// `GET /v2/Services/{Sid}`.
    Health,
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
    Message,
    /// `GET /2010-04-01/Accounts/{Sid}.json` (the WhatsApp channel's health check).
    Account,
}

impl Call {
    /// True for the calls of the core API (Messages, Accounts) rather than Verify.
    fn is_messaging(self) -> bool {
        matches!(self, Self::Message | Self::Account)
    }
}

/// A Twilio error answer that no rule turned into a rejection; the source of
/// [`ProviderError::Unexpected`], so callers can downcast to read the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("twilio answered http {status}{}: {message}", .code.map(|c| format!(" with error {c}")).unwrap_or_default())]
pub struct TwilioApiError {
    /// HTTP status.
    pub status: u16,
    /// Twilio's error code (`60200`, `20404`, ...), when the body carried one.
    pub code: Option<i64>,
    /// Twilio's message, or the start of the body when it was not Twilio's JSON error.
    pub message: String,
    /// Twilio's documentation link for the code.
    pub more_info: Option<String>,
}

impl TwilioApiError {
    /// Reads Twilio's `{code, message, more_info, status}` body; any other body becomes the
    /// message (cut to 300 characters).
    pub(crate) fn from_answer(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) if e.code.is_some() || e.message.is_some() => Self {
                status,
                code: e.code,
                message: e.message.unwrap_or_default(),
                more_info: e.more_info,
            },
            _ => Self {
                status,
                code: None,
                message: String::from_utf8_lossy(body).chars().take(300).collect(),
                more_info: None,
            },
        }
    }
}

/// Classifies an answer the kit handed over (not 2xx, and not 401, 403, 429 or 5xx) for `call`.
pub(crate) fn classify(call: Call, status: StatusCode, body: &[u8]) -> ProviderError {
    let error = TwilioApiError::from_answer(status.as_u16(), body);
    let known = if call.is_messaging() {
        messaging(&error)
    } else {
        rejection(&error)
    };
    if let Some(known) = known {
        return known;
    }
    if status == StatusCode::NOT_FOUND {
        match call {
            Call::Health => {
                return ProviderError::Unauthorized {
                    reason: format!(
                        "the Verify service was not found, check TWILIO_VERIFY_SERVICE_SID ({error})"
                    ),
                };
            }
            Call::Account => {
                return ProviderError::Unauthorized {
                    reason: format!(
                        "the account was not found, check TWILIO_ACCOUNT_SID ({error})"
                    ),
                };
            }
            Call::Start | Call::Check | Call::Message => {}
        }
    }
    ProviderError::Unexpected(Box::new(error))
}

/// Twilio answers 60205 and 60605 with HTTP 403 (doc pages above), which the kit's generic
/// rule turns into [`ProviderError::Unauthorized`] with the reason `http 403: <body start>`
/// before this adapter sees the answer. This reads that body back and returns the rejection
/// it carries; any other error is returned unchanged. The contract tests pin the kit's reason
/// format, so a change there breaks a test instead of silently losing rejections.
pub(crate) fn recover_rejection(error: ProviderError) -> ProviderError {
    let ProviderError::Unauthorized { reason } = &error else {
        return error;
    };
    let Some((status, body)) = reason
        .strip_prefix("http ")
        .and_then(|rest| rest.split_once(": "))
    else {
        return error;
    };
    let Ok(status) = status.parse::<u16>() else {
        return error;
    };
    rejection(&TwilioApiError::from_answer(status, body.as_bytes())).unwrap_or(error)
}

fn rejection(error: &TwilioApiError) -> Option<ProviderError> {
    let code = match error.code? {
        60200 if names_parameter(&error.message, "To") => "invalid_number",
        60006 => "invalid_number",
        60205 => "unreachable",
        60410 | 60605 => "blocked_country",
        _ => return None,
    };
    Some(ProviderError::rejected(code, with_more_info(error)))
}

/// The Messages API's codes (second table of the module docs).
fn messaging(error: &TwilioApiError) -> Option<ProviderError> {
    let rejected = |code: &str| Some(ProviderError::rejected(code, with_more_info(error)));
    match error.code? {
        63015 => rejected("not_joined"),
        21211 | 21614 => rejected("invalid_number"),
        63016 => rejected("outside_window"),
        63018 | 20429 => Some(ProviderError::Unavailable {
            retry_after: None,
            reason: error.to_string(),
        }),
        20003 => Some(ProviderError::Unauthorized {
            reason: error.to_string(),
        }),
        _ => None,
    }
}

/// The error's text, followed by its documentation link when Twilio gave one.
fn with_more_info(error: &TwilioApiError) -> String {
    match error.more_info.as_deref() {
        Some(link) => format!("{error} ({link})"),
        None => error.to_string(),
    }
}

/// True for 60200's `Invalid parameter: <name>` naming `name`.
fn names_parameter(message: &str, name: &str) -> bool {
    message
        .rsplit_once(':')
        .is_some_and(|(_, param)| param.trim() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: i64, message: &str, status: u16) -> Vec<u8> {
        serde_json::json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        })
        .to_string()
        .into_bytes()
    }

    fn rejected_code(e: &ProviderError) -> Option<&str> {
        match e {
            ProviderError::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }

    #[test]
    fn an_invalid_to_is_an_invalid_number() {
        let e = classify(
            Call::Start,
            StatusCode::BAD_REQUEST,
            &body(60200, "Invalid parameter: To", 400),
        );
        assert_eq!(rejected_code(&e), Some("invalid_number"));
        assert!(e.to_string().contains("60200"), "{e}");
    }

    #[test]
    fn an_invalid_channel_is_not_blamed_on_the_number() {
        let e = classify(
            Call::Start,
            StatusCode::BAD_REQUEST,
            &body(60200, "Invalid parameter: Channel", 400),
        );
        assert!(matches!(e, ProviderError::Unexpected(_)), "{e:?}");
    }

    #[test]
    fn blocked_destinations_are_blocked_countries() {
        for code in [60410, 60605] {
            let e = classify(
                Call::Start,
                StatusCode::BAD_REQUEST,
                &body(code, "Verification delivery attempt blocked", 400),
            );
            assert_eq!(rejected_code(&e), Some("blocked_country"), "{code}");
        }
    }

    #[test]
    fn a_landline_is_unreachable() {
        let e = classify(
            Call::Start,
            StatusCode::BAD_REQUEST,
            &body(60205, "SMS is not supported by landline phone number", 400),
        );
        assert_eq!(rejected_code(&e), Some("unreachable"));
    }

    #[test]
    fn a_missing_service_fails_the_health_check_as_unauthorized() {
        let e = classify(
            Call::Health,
            StatusCode::NOT_FOUND,
            &body(20404, "The requested resource was not found", 404),
        );
        assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
    }

    #[test]
    fn a_body_that_is_not_twilio_json_is_kept_as_text() {
        let e = TwilioApiError::from_answer(418, b"<html>teapot</html>");
        assert_eq!((e.code, e.message.as_str()), (None, "<html>teapot</html>"));
    }

    #[test]
    fn a_403_with_a_geo_permission_body_is_recovered_as_a_rejection() {
        let text =
            String::from_utf8(body(60605, "Verification delivery attempt blocked", 403)).unwrap();
        let e = recover_rejection(ProviderError::Unauthorized {
            reason: format!("http 403: {text}"),
        });
        assert_eq!(rejected_code(&e), Some("blocked_country"));
    }

    #[test]
    fn a_403_without_a_rejection_code_stays_unauthorized() {
        let text = String::from_utf8(body(20003, "Authenticate", 403)).unwrap();
        let e = recover_rejection(ProviderError::Unauthorized {
            reason: format!("http 403: {text}"),
        });
        assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
        let e = recover_rejection(ProviderError::Unauthorized {
            reason: "no body".into(),
        });
        assert!(matches!(e, ProviderError::Unauthorized { .. }));
    }

    #[test]
    fn whatsapp_refusals_of_the_recipient_are_rejections() {
        for (code, ours) in [
            (63015, "not_joined"),
            (21211, "invalid_number"),
            (21614, "invalid_number"),
            (63016, "outside_window"),
        ] {
            let e = classify(
                Call::Message,
                StatusCode::BAD_REQUEST,
                &body(code, "refused", 400),
            );
            assert_eq!(rejected_code(&e), Some(ours), "{code}");
            assert!(e.to_string().contains(&code.to_string()), "{e}");
        }
    }

    #[test]
    fn whatsapp_rate_limits_are_unavailable_and_bad_credentials_unauthorized() {
        for code in [63018, 20429] {
            let e = classify(
                Call::Message,
                StatusCode::BAD_REQUEST,
                &body(code, "Rate limit exceeded", 400),
            );
            assert!(
                matches!(e, ProviderError::Unavailable { .. }),
                "{code}: {e:?}"
            );
        }
        let e = classify(
            Call::Message,
            StatusCode::BAD_REQUEST,
            &body(20003, "Authenticate", 400),
        );
        assert!(matches!(e, ProviderError::Unauthorized { .. }), "{e:?}");
    }

    #[test]
    fn verify_codes_are_not_read_on_messages_nor_messaging_codes_on_verify() {
        let e = classify(
            Call::Message,
            StatusCode::BAD_REQUEST,
            &body(60200, "Invalid parameter: To", 400),
        );
        assert!(matches!(e, ProviderError::Unexpected(_)), "{e:?}");
        let e = classify(
            Call::Start,
            StatusCode::BAD_REQUEST,
            &body(63015, "not joined", 400),
        );
        assert!(matches!(e, ProviderError::Unexpected(_)), "{e:?}");
    }

    #[test]
    fn a_missing_account_fails_the_whatsapp_health_check_as_unauthorized() {
        let e = classify(
            Call::Account,
            StatusCode::NOT_FOUND,
            &body(20404, "The requested resource was not found", 404),
        );
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("TWILIO_ACCOUNT_SID")),
            "{e:?}"
        );
        let e = classify(
            Call::Message,
            StatusCode::NOT_FOUND,
            &body(20404, "The requested resource was not found", 404),
        );
        assert!(matches!(e, ProviderError::Unexpected(_)), "{e:?}");
    }
}
