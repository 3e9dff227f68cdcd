//! Unit tests of the classification of the Provisioning and Conversation APIs' answers.

use super::*;
use http::{HeaderMap, StatusCode};
use onramp_domain::ports::SenderState;

fn exchange(status: u16, body: &str) -> Exchange {
    Exchange {
        status: StatusCode::from_u16(status).unwrap(),
        headers: HeaderMap::new(),
        body: body.to_string().into_bytes().into(),
    }
}

fn rejected_code(e: ProviderError) -> String {
    match e {
        ProviderError::Rejected { code, .. } => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn a_papi_error_is_a_rejection_with_its_code() {
    // Provisioning API OpenAPI 1.2.117, create sender, 409 `used_phone_number_id`.
    let x = exchange(
        409,
        r#"{"errorCode": "used_phone_number_id", "message": "Used phoneNumberId.", "resolution": "PhoneNumberId is used. Choose another one."}"#,
    );
    let e = provisioning_failure(&x);
    assert!(e.to_string().contains("used_phone_number_id"), "{e}");
    assert_eq!(rejected_code(e), "used_phone_number_id");
    let x = exchange(
        404,
        r#"{"errorCode": "sender_not_found", "message": "Sender not found."}"#,
    );
    assert_eq!(rejected_code(provisioning_failure(&x)), "sender_not_found");
}

#[test]
fn a_project_not_onboarded_for_whatsapp_is_a_configuration_to_fix() {
    let x = exchange(
        400,
        r#"{"errorCode": "project_not_initialized", "message": "Project not initialized for WhatsApp."}"#,
    );
    assert!(matches!(
        provisioning_failure(&x),
        ProviderError::Unauthorized { .. }
    ));
}

#[test]
fn a_foreign_error_body_is_unexpected() {
    let x = exchange(404, "<html>Not Found</html>");
    assert!(matches!(
        provisioning_failure(&x),
        ProviderError::Unexpected(_)
    ));
    assert!(matches!(
        conversation_failure(&exchange(409, "conflict")),
        ProviderError::Unexpected(_)
    ));
}

#[test]
fn a_sender_answer_gives_the_id_and_the_state() {
    let x = exchange(200, r#"{"id": "s1", "state": "ACTIVE"}"#);
    let info = sender_answer(&x).unwrap();
    assert_eq!((info.id.as_str(), info.state), ("s1", SenderState::Active));
    assert!(matches!(
        sender_answer(&exchange(200, r#"{"state": "ACTIVE"}"#)),
        Err(ProviderError::Unexpected(_))
    ));
    assert!(matches!(
        sender_answer(&exchange(200, r#"{"id": "s1", "state": "SOMETHING_NEW"}"#)),
        Err(ProviderError::Unexpected(_))
    ));
}

#[test]
fn a_registration_answer_needs_verification_code_sent() {
    let x = exchange(
        200,
        r#"{"id": "s1", "method": "UNRECOGNIZED", "accepted": "2024-05-01T10:00:00Z", "verificationCodeSent": true}"#,
    );
    assert_eq!(
        registration_answer(&x, NumberVerificationMethod::Voice).unwrap(),
        NumberRegistration {
            method: NumberVerificationMethod::Voice,
            code_sent: true
        }
    );
    for body in [r#"{"id": "s1", "method": "SMS"}"#, "[]", "not json"] {
        assert!(
            matches!(
                registration_answer(&exchange(200, body), NumberVerificationMethod::Sms),
                Err(ProviderError::Unexpected(_))
            ),
            "{body}"
        );
    }
    let x = exchange(
        400,
        r#"{"errorCode": "invalid_input", "message": "Invalid input."}"#,
    );
    assert_eq!(
        rejected_code(registration_answer(&x, NumberVerificationMethod::Sms).unwrap_err()),
        "invalid_input"
    );
}

#[test]
fn a_refused_verification_is_an_invalid_code_and_other_failures_keep_their_reading() {
    assert!(verification_answer(&exchange(200, "{}")).is_ok());
    assert!(verification_answer(&exchange(204, "")).is_ok());
    for status in [400, 422] {
        let x = exchange(
            status,
            r#"{"errorCode": "invalid_input", "message": "Invalid verification code.", "additionalInformation": {"validationErrors": ["code is invalid"]}}"#,
        );
        match verification_answer(&x).unwrap_err() {
            ProviderError::Rejected { code, message } => {
                assert_eq!(code, "invalid_code");
                assert!(message.contains("Invalid verification code."), "{message}");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
    let missing = exchange(
        404,
        r#"{"errorCode": "sender_not_found", "message": "Sender not found."}"#,
    );
    assert_eq!(
        rejected_code(verification_answer(&missing).unwrap_err()),
        "sender_not_found"
    );
    let not_ready = exchange(
        400,
        r#"{"errorCode": "project_not_initialized", "message": "Project not initialized."}"#,
    );
    assert!(matches!(
        verification_answer(&not_ready),
        Err(ProviderError::Unauthorized { .. })
    ));
    assert!(matches!(
        verification_answer(&exchange(400, "<html>Bad Request</html>")),
        Err(ProviderError::Unexpected(_))
    ));
}

#[test]
fn a_bad_recipient_is_an_invalid_number() {
    let x = exchange(
        400,
        r#"{"error": {"code": 400, "message": "Invalid recipient identity", "status": "INVALID_ARGUMENT", "details": []}}"#,
    );
    assert_eq!(rejected_code(conversation_failure(&x)), "invalid_number");
    let other = exchange(
        400,
        r#"{"error": {"code": 400, "message": "ttl is invalid", "status": "INVALID_ARGUMENT"}}"#,
    );
    let e = conversation_failure(&other);
    assert!(matches!(e, ProviderError::Unexpected(_)));
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("INVALID_ARGUMENT"), "{source}");
}

#[test]
fn an_unknown_app_is_a_configuration_to_fix() {
    let x = exchange(
        404,
        r#"{"error": {"code": 404, "message": "App not found", "status": "NOT_FOUND"}}"#,
    );
    assert!(matches!(
        app_answer(&x),
        Err(ProviderError::Unauthorized { .. })
    ));
    assert!(app_answer(&exchange(200, "{}")).is_ok());
}

#[test]
fn a_send_answer_without_a_message_id_is_unexpected() {
    assert_eq!(
        send_answer(&exchange(200, r#"{"message_id": "m1"}"#)).unwrap(),
        "m1"
    );
    for body in [r#"{"message_id": " "}"#, r#"{"accepted_time": "x"}"#, "[]"] {
        assert!(
            matches!(
                send_answer(&exchange(200, body)),
                Err(ProviderError::Unexpected(_))
            ),
            "{body}"
        );
    }
}
