//! `onramp_twilio::webhook::parse` takes an untrusted body (after the signature check, which a
//! leaked auth token defeats): it never panics, and what it accepts has a non-empty event id
//! and type, and a report, when there is one, about a non-empty Twilio reference.
//!
//! Besides arbitrary bytes, the input may describe a form callback with `whatsapp:` addresses
//! (an inbound WhatsApp message or the status callback of a WhatsApp message), so the
//! WhatsApp reading is reached without the fuzzer having to discover the form encoding: an
//! inbound message is named by its non-empty message id, a status by `{message id}:{status}`,
//! both with `at` 0 (Twilio sends no time) and without a delivery report.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::ports::{ProviderId, WhatsAppReport};
use onramp_provider_kit::webhook::{ParsedWebhook, WebhookRequest};
use onramp_twilio::webhook;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    url: &'a str,
    content_type: Option<&'a [u8]>,
    idempotency_token: Option<&'a [u8]>,
    body: &'a [u8],
    whatsapp: Option<WhatsAppForm<'a>>,
}

/// The fields of a WhatsApp callback; `None` leaves a parameter out.
#[derive(Debug, Arbitrary)]
struct WhatsAppForm<'a> {
    from: Option<&'a str>,
    from_is_whatsapp: bool,
    to: Option<&'a str>,
    to_is_whatsapp: bool,
    message_sid: Option<&'a str>,
    sms_sid: Option<&'a str>,
    status: Option<Status<'a>>,
    legacy_status_name: bool,
    body: Option<&'a str>,
    profile_name: Option<&'a str>,
    error_code: Option<&'a str>,
    channel_status_message: Option<&'a str>,
    verification_sid: Option<&'a str>,
    extra: Vec<(&'a str, &'a str)>,
}

#[derive(Debug, Arbitrary)]
enum Status<'a> {
    Received,
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
    Undelivered,
    Canceled,
    Other(&'a str),
}

impl Status<'_> {
    fn word(&self) -> &str {
        match self {
            Self::Received => "received",
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Undelivered => "undelivered",
            Self::Canceled => "canceled",
            Self::Other(word) => word,
        }
    }
}

impl WhatsAppForm<'_> {
    fn body(&self) -> Vec<u8> {
        let address = |number: &str, whatsapp: bool| {
            if whatsapp {
                format!("whatsapp:{number}")
            } else {
                number.to_string()
            }
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name.to_string(), value));
            }
        };
        push("From", self.from.map(|n| address(n, self.from_is_whatsapp)));
        push("To", self.to.map(|n| address(n, self.to_is_whatsapp)));
        push("MessageSid", self.message_sid.map(str::to_string));
        push("SmsSid", self.sms_sid.map(str::to_string));
        let status_name = if self.legacy_status_name {
            "SmsStatus"
        } else {
            "MessageStatus"
        };
        push(
            status_name,
            self.status.as_ref().map(|s| s.word().to_string()),
        );
        push("Body", self.body.map(str::to_string));
        push("ProfileName", self.profile_name.map(str::to_string));
        push("ErrorCode", self.error_code.map(str::to_string));
        push(
            "ChannelStatusMessage",
            self.channel_status_message.map(str::to_string),
        );
        push("VerificationSid", self.verification_sid.map(str::to_string));
        for (name, value) in &self.extra {
            pairs.push((name.to_string(), value.to_string()));
        }
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{}={}", percent(name), percent(value)))
            .collect();
        encoded.join("&").into_bytes()
    }
}

/// `application/x-www-form-urlencoded` escaping of every byte but ASCII letters and digits
/// (the fuzz crate has no `url` dependency).
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn check(parsed: ParsedWebhook, body: &[u8]) {
    assert!(!parsed.event_id.is_empty(), "empty event id for {body:?}");
    assert!(
        !parsed.event_type.is_empty(),
        "empty event type for {body:?}"
    );
    if let Some(report) = &parsed.report {
        assert_eq!(report.provider, ProviderId::Twilio);
        assert!(
            !report.provider_ref.trim().is_empty(),
            "empty provider reference for {body:?}"
        );
    }
    match &parsed.whatsapp {
        None => {}
        Some(WhatsAppReport::Inbound {
            from,
            to,
            message_id,
            at,
            ..
        }) => {
            assert!(parsed.report.is_none(), "inbound with a report: {body:?}");
            assert_eq!(parsed.event_type, "message.inbound");
            assert_eq!(&parsed.event_id, message_id);
            assert!(!message_id.is_empty() && !from.is_empty() && !to.is_empty());
            assert_eq!(*at, 0);
        }
        Some(WhatsAppReport::Status { message_id, at, .. }) => {
            assert!(parsed.report.is_none(), "status with a report: {body:?}");
            assert!(!message_id.is_empty());
            assert!(
                parsed.event_id.starts_with(&format!("{message_id}:")),
                "event id {:?} does not name message {message_id:?}",
                parsed.event_id
            );
            assert_eq!(*at, 0);
        }
        Some(other) => panic!("Twilio reported {other:?} for {body:?}"),
    }
}

fuzz_target!(|input: Input<'_>| {
    let body = match &input.whatsapp {
        Some(form) => form.body(),
        None => input.body.to_vec(),
    };
    let mut request = WebhookRequest {
        method: "POST".into(),
        url: input.url.to_string(),
        headers: Default::default(),
        body: body.clone().into(),
    };
    let content_type = match input.whatsapp {
        Some(_) => Some(&b"application/x-www-form-urlencoded"[..]),
        None => input.content_type,
    };
    let optional = [
        ("content-type", content_type),
        (webhook::IDEMPOTENCY_HEADER, input.idempotency_token),
    ];
    for (name, value) in optional {
        if let Some(value) = value.and_then(|v| v.try_into().ok()) {
            request.headers.insert(name, value);
        }
    }
    if let Ok(parsed) = webhook::parse(&request) {
        check(parsed, &body);
    }
});
