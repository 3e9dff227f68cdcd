//! Unit tests of the Provisioning API's wire types.

use super::*;
use serde_json::json;

fn state(value: serde_json::Value) -> Option<SenderState> {
    serde_json::from_value::<SenderDto>(value).unwrap().state()
}

#[test]
fn sender_states_map_to_the_port() {
    assert_eq!(state(json!({"state": "ACTIVE"})), Some(SenderState::Active));
    assert_eq!(
        state(json!({"state": "ACTIVE", "changes": {"status": "ERROR"}})),
        Some(SenderState::Active)
    );
    assert_eq!(
        state(json!({"state": "SUSPENDED"})),
        Some(SenderState::Suspended {
            reason: "SUSPENDED".into()
        })
    );
    assert_eq!(
        state(json!({"state": "INACTIVE"})),
        Some(SenderState::Suspended {
            reason: "INACTIVE".into()
        })
    );
    assert_eq!(
        state(json!({"state": "IN_PROGRESS"})),
        Some(SenderState::InProgress)
    );
    assert_eq!(
        state(json!({"changes": {"status": "IN_PROGRESS"}})),
        Some(SenderState::InProgress)
    );
}

#[test]
fn a_sender_waiting_for_its_code_is_pending_verification_unless_refused() {
    for changes in [
        json!(null),
        json!({"status": "IN_PROGRESS"}),
        json!({"status": "DRAFT"}),
    ] {
        assert_eq!(
            state(json!({"state": "PENDING_VERIFICATION", "changes": changes})),
            Some(SenderState::PendingVerification),
            "{changes}"
        );
    }
    assert_eq!(
        state(json!({"state": " PENDING_VERIFICATION "})),
        Some(SenderState::PendingVerification)
    );
    assert_eq!(
        state(
            json!({"state": "PENDING_VERIFICATION", "changes": {"status": "ERROR", "errorReason": "Display name refused"}})
        ),
        Some(SenderState::Error {
            reason: "Display name refused".into()
        })
    );
    assert_eq!(
        state(json!({"state": "PENDING_VERIFICATION", "changes": {"status": "REJECTED"}})),
        Some(SenderState::Error {
            reason: "REJECTED".into()
        })
    );
}

fn registration(
    value: serde_json::Value,
    asked: NumberVerificationMethod,
) -> Option<NumberRegistration> {
    serde_json::from_value::<RegistrationDto>(value)
        .unwrap()
        .registration(asked)
}

#[test]
fn a_registration_reports_sinchs_method_or_the_one_asked() {
    use NumberVerificationMethod::{Sms, Voice};
    let answer = |method: serde_json::Value| json!({"id": "s1", "method": method, "accepted": "2024-01-01T00:00:00Z", "verificationCodeSent": true});
    assert_eq!(
        registration(answer(json!("VOICE")), Sms),
        Some(NumberRegistration {
            method: Voice,
            code_sent: true
        })
    );
    assert_eq!(
        registration(answer(json!("SMS")), Voice).map(|r| r.method),
        Some(Sms)
    );
    for unknown in [json!("UNRECOGNIZED"), json!("WHATSAPP"), json!(null)] {
        assert_eq!(
            registration(answer(unknown.clone()), Voice).map(|r| r.method),
            Some(Voice),
            "{unknown}"
        );
    }
    assert_eq!(
        registration(json!({"verificationCodeSent": false}), Sms),
        Some(NumberRegistration {
            method: Sms,
            code_sent: false
        })
    );
    assert_eq!(
        registration(json!({"id": "s1", "method": "SMS"}), Sms),
        None
    );
}

#[test]
fn requests_use_sinchs_words_and_hide_the_code() {
    assert_eq!(
        serde_json::to_value(RegisterRequest::new(NumberVerificationMethod::Sms)).unwrap(),
        json!({"method": "SMS"})
    );
    assert_eq!(
        serde_json::to_value(RegisterRequest::new(NumberVerificationMethod::Voice)).unwrap(),
        json!({"method": "VOICE"})
    );
    let verify = VerifyRequest { code: "123456" };
    assert_eq!(
        serde_json::to_value(&verify).unwrap(),
        json!({"code": "123456"})
    );
    assert!(!format!("{verify:?}").contains("123456"));
}

#[test]
fn a_refused_sender_carries_sinchs_reason() {
    // The WHATSAPP_SENDER_ERROR callback example: no state, changes.status ERROR.
    assert_eq!(
        state(
            json!({"changes": {"status": "ERROR", "errorReason": "Reach out to support at support@sinch.com"}})
        ),
        Some(SenderState::Error {
            reason: "Reach out to support at support@sinch.com".into()
        })
    );
    assert_eq!(
        state(json!({"state": "ERROR"})),
        Some(SenderState::Error {
            reason: "ERROR".into()
        })
    );
    assert_eq!(
        state(json!({"changes": {"status": "REJECTED", "errorReason": " "}})),
        Some(SenderState::Error {
            reason: "REJECTED".into()
        })
    );
    assert!(matches!(
        state(json!({"changes": {"status": "DRAFT"}})),
        Some(SenderState::Error { .. })
    ));
}

#[test]
fn unknown_or_missing_states_are_none() {
    assert_eq!(state(json!({"state": "UNRECOGNIZED"})), None);
    assert_eq!(state(json!({"changes": {"status": "SOMETHING"}})), None);
    assert_eq!(state(json!({"id": "x"})), None);
    let dto: SenderDto = serde_json::from_value(json!({"id": " ", "state": "ACTIVE"})).unwrap();
    assert_eq!(dto.info(), None);
}
