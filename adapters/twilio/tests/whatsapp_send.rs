//! `TwilioWhatsApp::send_text` (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`) against
//! a wiremock Twilio: the request (snapshot `send_whatsapp`, conformance to
//! `../shared/provider-specs/twilio.json`), Twilio's error codes, and which failures are
//! retried.
//!
//! Error bodies are Twilio's `{code, message, more_info, status}` with the messages of
//! PROVIDERS.md section 4 and <https://www.twilio.com/docs/api/errors/63015>, .../21211,
//! .../21614, .../63016, .../20003, .../20429.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

mod common;

use std::time::Duration;

use common::api::*;
use common::messages::*;
use onramp_domain::ports::{ProviderError, ProviderId, SentMessage, WhatsAppMessaging};
use onramp_provider_kit::testing::{conformance, request_snapshot};
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(answer: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
        .respond_with(answer)
        .expect(times)
        .mount(&server)
        .await;
    server
}

async fn send_answered(answer: ResponseTemplate) -> Result<SentMessage, ProviderError> {
    let server = server_answering(answer, 1).await;
    channel_for(&server, &whatsapp_credentials())
        .send_text(&outbound("Your code is 123456"))
        .await
}

fn rejected_code(result: &Result<SentMessage, ProviderError>) -> Option<&str> {
    match result {
        Err(ProviderError::Rejected { code, .. }) => Some(code),
        _ => None,
    }
}

fn assert_conforms(snapshot: &serde_json::Value) {
    if let Err(violations) = conformance::check(&spec_path(), snapshot) {
        panic!(
            "the WhatsApp send does not conform:\n  {}",
            violations.join("\n  ")
        );
    }
}

fn sorted_form(request: &wiremock::Request) -> Vec<(String, String)> {
    let mut form = form_of(request);
    form.sort();
    form
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

#[tokio::test]
async fn a_message_is_sent_between_whatsapp_addresses_and_its_request_conforms() {
    let server = server_answering(
        ResponseTemplate::new(201).set_body_json(message_created()),
        1,
    )
    .await;
    let channel = channel_for(&server, &whatsapp_credentials());
    let sent = channel
        .send_text(&outbound("Your code is 123456"))
        .await
        .unwrap();
    assert_eq!(channel.provider(), ProviderId::Twilio);
    assert_eq!(
        sent,
        SentMessage {
            provider: ProviderId::Twilio,
            provider_ref: MESSAGE_SID.into(),
        }
    );

    let request = only_request(&server).await;
    assert_eq!(
        sorted_form(&request),
        [
            pair("Body", "Your code is 123456"),
            pair("From", "whatsapp:+14155238886"),
            pair("StatusCallback", STATUS_CALLBACK),
            pair("To", "whatsapp:+14155550123"),
        ]
    );
    let snapshot = request_snapshot("twilio", &request, &[]);
    assert_conforms(&snapshot);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!("send_whatsapp", snapshot));
}

#[tokio::test]
async fn a_messaging_service_stands_for_the_sender_and_its_request_conforms() {
    let server = server_answering(
        ResponseTemplate::new(201).set_body_json(message_created()),
        1,
    )
    .await;
    let mut with_service = credentials();
    with_service.messaging_service_sid = Some(MESSAGING_SERVICE_SID.into());
    channel_for(&server, &with_service)
        .send_text(&outbound("hello"))
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_eq!(
        sorted_form(&request),
        [
            pair("Body", "hello"),
            pair("MessagingServiceSid", MESSAGING_SERVICE_SID),
            pair("To", "whatsapp:+14155550123"),
        ]
    );
    assert_conforms(&request_snapshot("twilio", &request, &[]));
}

#[tokio::test]
async fn a_recipient_given_as_a_whatsapp_address_is_not_prefixed_twice() {
    let server = server_answering(
        ResponseTemplate::new(201).set_body_json(message_created()),
        1,
    )
    .await;
    let mut message = outbound("hello");
    message.to = format!("whatsapp:{RECIPIENT}");
    channel_for(&server, &whatsapp_credentials())
        .send_text(&message)
        .await
        .unwrap();
    let form = form_of(&only_request(&server).await);
    assert!(
        form.contains(&pair("To", "whatsapp:+14155550123")),
        "{form:?}"
    );
}

#[tokio::test]
async fn a_recipient_that_is_not_e164_is_rejected_without_a_call() {
    let server = server_answering(
        ResponseTemplate::new(201).set_body_json(message_created()),
        0,
    )
    .await;
    let mut message = outbound("hello");
    message.to = "0415 555 0123".into();
    let result = channel_for(&server, &whatsapp_credentials())
        .send_text(&message)
        .await;
    assert_eq!(rejected_code(&result), Some("invalid_number"), "{result:?}");
}

#[tokio::test]
async fn a_recipient_who_has_not_joined_the_sandbox_is_not_joined() {
    let result = send_answered(error(
        400,
        63015,
        "Channel Sandbox can only send messages to phone numbers that have joined the Sandbox",
    ))
    .await;
    assert_eq!(rejected_code(&result), Some("not_joined"), "{result:?}");
}

#[tokio::test]
async fn an_invalid_recipient_number_is_an_invalid_number() {
    let result = send_answered(error(400, 21211, "Invalid 'To' Phone Number: +14155550XXX")).await;
    assert_eq!(rejected_code(&result), Some("invalid_number"), "{result:?}");
    let result = send_answered(error(
        400,
        21614,
        "'To' number is not a valid mobile number",
    ))
    .await;
    assert_eq!(rejected_code(&result), Some("invalid_number"), "{result:?}");
}

#[tokio::test]
async fn a_free_form_message_outside_the_window_is_outside_window() {
    let result = send_answered(error(
        400,
        63016,
        "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
    ))
    .await;
    assert_eq!(rejected_code(&result), Some("outside_window"), "{result:?}");
}

#[tokio::test]
async fn refused_credentials_are_unauthorized_and_not_retried() {
    let result = send_answered(error(401, 20003, "Authenticate")).await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_unavailable_and_not_retried() {
    // The message may have been created: sending it again could deliver it twice.
    for status in [500, 503] {
        let result = send_answered(error(status, 20500, "Internal Server Error")).await;
        assert!(
            matches!(result, Err(ProviderError::Unavailable { .. })),
            "{status}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_timeout_is_unavailable_and_not_retried() {
    let result = send_answered(
        ResponseTemplate::new(201)
            .set_body_json(message_created())
            .set_delay(Duration::from_millis(800)),
    )
    .await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_short_rate_limit_is_waited_out_and_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(error(429, 20429, "Too Many Requests").insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_created()))
        .expect(1)
        .mount(&server)
        .await;
    let sent = channel_for(&server, &whatsapp_credentials())
        .send_text(&outbound("hello"))
        .await;
    assert_eq!(sent.unwrap().provider_ref, MESSAGE_SID);
}

#[tokio::test]
async fn a_long_rate_limit_is_handed_back_unavailable() {
    let result =
        send_answered(error(429, 20429, "Too Many Requests").insert_header("Retry-After", "60"))
            .await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable { retry_after: Some(d), .. }) if d == Duration::from_secs(60)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_channel_rate_limit_in_a_400_is_unavailable() {
    let result = send_answered(error(400, 63018, "Rate limit exceeded for Channel")).await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_answer_without_a_sid_is_unexpected() {
    let result = send_answered(
        ResponseTemplate::new(201).set_body_json(serde_json::json!({"status": "queued"})),
    )
    .await;
    assert!(
        matches!(result, Err(ProviderError::Unexpected(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_twilio_error_is_unexpected_with_its_code() {
    let result = send_answered(error(400, 21602, "Message body is required.")).await;
    let Err(ProviderError::Unexpected(source)) = result else {
        panic!("expected Unexpected, got {result:?}");
    };
    let api = source
        .downcast_ref::<onramp_twilio::TwilioApiError>()
        .unwrap();
    assert_eq!((api.status, api.code), (400, Some(21602)));
}
