//! The sender's number: registered by SMS or voice (the method asked is reported when Sinch's is
//! unrecognized, never repeated after a server error), verified by a right code (then the
//! sender's state is read), refused codes and malformed ones, and a sender waiting for its code.

use onramp_domain::ports::{
    BspProvisioning, NumberRegistration, NumberVerificationMethod, ProviderError, SenderInfo,
    SenderState,
};
use serde_json::json;
use wiremock::matchers::{basic_auth, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    ACTIVE, CREATED, KEY_ID, KEY_SECRET, REGISTERED, SENDER_ID, json_answer, only_request,
    register_path, rejected_code, sender_path, senders, snapshot, verify_path,
};

/// Registers the number by `asked` against a server that expects exactly one well-formed
/// request (Basic auth, `{"method": word}`) and answers `answer`; the registration reported,
/// and the request for its snapshot.
async fn registered(
    asked: NumberVerificationMethod,
    word: &str,
    answer: &serde_json::Value,
) -> (NumberRegistration, wiremock::Request) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({ "method": word })))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let registration = senders(&server.uri())
        .register_number(SENDER_ID, asked)
        .await
        .expect("the registration is accepted");
    (registration, only_request(&server).await)
}

#[tokio::test]
async fn a_number_registration_has_the_code_sent_by_sms() {
    let answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    let (registration, request) = registered(NumberVerificationMethod::Sms, "SMS", &answer).await;
    assert_eq!(
        registration,
        NumberRegistration {
            method: NumberVerificationMethod::Sms,
            code_sent: true
        }
    );
    snapshot(&request, "register_number_sms");
}

#[tokio::test]
async fn a_number_registration_by_voice_reports_a_code_not_sent() {
    let mut answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    answer["method"] = "VOICE".into();
    answer["verificationCodeSent"] = false.into();
    let (registration, request) =
        registered(NumberVerificationMethod::Voice, "VOICE", &answer).await;
    assert_eq!(
        registration,
        NumberRegistration {
            method: NumberVerificationMethod::Voice,
            code_sent: false
        }
    );
    snapshot(&request, "register_number_voice");
}

#[tokio::test]
async fn an_unrecognized_method_in_the_answer_reports_the_one_asked() {
    let mut answer: serde_json::Value = serde_json::from_slice(REGISTERED).unwrap();
    answer["method"] = "UNRECOGNIZED".into();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&server)
        .await;
    let registration = senders(&server.uri())
        .register_number(SENDER_ID, NumberVerificationMethod::Voice)
        .await
        .unwrap();
    assert_eq!(registration.method, NumberVerificationMethod::Voice);
}

#[tokio::test]
async fn a_registration_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(register_path()))
        .respond_with(json_answer(
            500,
            br#"{"errorCode": "internal_error", "message": "Internal server error."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .register_number(SENDER_ID, NumberVerificationMethod::Sms)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_right_code_verifies_the_number_then_answers_the_senders_state() {
    for (sender, expected) in [
        (ACTIVE, SenderState::Active),
        (CREATED, SenderState::InProgress),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(verify_path()))
            .and(basic_auth(KEY_ID, KEY_SECRET))
            .and(body_json(json!({"code": "012345"})))
            .respond_with(json_answer(200, b"{}"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(sender_path()))
            .and(basic_auth(KEY_ID, KEY_SECRET))
            .respond_with(json_answer(200, sender))
            .expect(1)
            .mount(&server)
            .await;
        let info = senders(&server.uri())
            .verify_number(SENDER_ID, " 012345\n")
            .await
            .unwrap();
        assert_eq!(
            info,
            SenderInfo {
                id: SENDER_ID.into(),
                state: expected
            }
        );
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert_eq!(requests[1].method.as_str(), "GET");
        if sender == ACTIVE {
            snapshot(&requests[0], "verify_number");
        }
    }
}

#[tokio::test]
async fn a_refused_code_is_an_invalid_code_with_sinchs_message_and_no_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verify_path()))
        .respond_with(json_answer(
            400,
            br#"{"errorCode": "invalid_input", "message": "Verification code is invalid.", "resolution": "Check the code and try again."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .verify_number(SENDER_ID, "123456")
        .await
        .unwrap_err();
    match error {
        ProviderError::Rejected { code, message } => {
            assert_eq!(code, "invalid_code");
            assert!(
                message.contains("Verification code is invalid."),
                "{message}"
            );
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    only_request(&server).await;
}

#[tokio::test]
async fn a_verification_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(verify_path()))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .verify_number(SENDER_ID, "123456")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    only_request(&server).await;
}

#[tokio::test]
async fn a_malformed_code_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let senders = senders(&server.uri());
    for code in ["12345", "12a456", "1234567", "123 456", "", "１２３４５６"] {
        let error = senders.verify_number(SENDER_ID, code).await.unwrap_err();
        assert_eq!(rejected_code(error), "invalid_code", "{code:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sender_waiting_for_its_code_reads_as_pending_verification() {
    let mut sender: serde_json::Value = serde_json::from_slice(ACTIVE).unwrap();
    sender["state"] = "PENDING_VERIFICATION".into();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&sender))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::PendingVerification);
}
