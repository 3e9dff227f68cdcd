//! Answer schemas.

use super::support::*;

#[test]
fn valid_answers_pass_and_absent_or_null_optional_fields_are_fine() {
    let flow = form_flow();
    assert!(
        errors(
            &flow,
            "details",
            json!({ "name": "Ann", "plan": "growth", "seats": null })
        )
        .is_empty()
    );
    assert!(errors(
        &flow,
        "details",
        json!({ "name": "Ann", "code": "ABC", "plan": "starter", "seats": 10, "email": "a@b.co", "newsletter": false })
    )
    .is_empty());
}

#[test]
fn a_missing_required_field_is_reported() {
    let errs = errors(&form_flow(), "details", json!({ "plan": "growth" }));
    assert_eq!(codes(&errs), [("name", FieldErrorCode::Required)]);
}

#[test]
fn a_value_of_the_wrong_type_is_reported() {
    let flow = form_flow();
    assert_eq!(
        codes(&errors(
            &flow,
            "details",
            json!({ "name": 42, "plan": "growth" })
        )),
        [("name", FieldErrorCode::WrongType)]
    );
    assert_eq!(
        codes(&errors(
            &flow,
            "details",
            json!({ "name": "Ann", "plan": "growth", "seats": 2.5 })
        )),
        [("seats", FieldErrorCode::WrongType)]
    );
}

#[test]
fn a_value_outside_the_enum_is_reported() {
    let errs = errors(
        &form_flow(),
        "details",
        json!({ "name": "Ann", "plan": "platinum" }),
    );
    assert_eq!(codes(&errs), [("plan", FieldErrorCode::NotInEnum)]);
}

#[test]
fn strings_too_short_or_too_long_are_reported() {
    let flow = form_flow();
    assert_eq!(
        codes(&errors(
            &flow,
            "details",
            json!({ "name": "A", "plan": "growth" })
        )),
        [("name", FieldErrorCode::TooShort)]
    );
    assert_eq!(
        codes(&errors(
            &flow,
            "details",
            json!({ "name": "Annabel", "plan": "growth" })
        )),
        [("name", FieldErrorCode::TooLong)]
    );
    // Length counts characters, not bytes.
    assert!(
        errors(
            &flow,
            "details",
            json!({ "name": "Ånnéé", "plan": "growth" })
        )
        .is_empty()
    );
}

#[test]
fn numbers_out_of_range_are_reported() {
    let flow = form_flow();
    let errs = errors(
        &flow,
        "details",
        json!({ "name": "Ann", "plan": "growth", "seats": 0 }),
    );
    assert_eq!(codes(&errs), [("seats", FieldErrorCode::TooSmall)]);
    let errs = errors(
        &flow,
        "details",
        json!({ "name": "Ann", "plan": "growth", "seats": 11 }),
    );
    assert_eq!(codes(&errs), [("seats", FieldErrorCode::TooLarge)]);
}

#[test]
fn a_pattern_must_match_the_whole_value() {
    let flow = form_flow();
    for bad in ["AB", "ABCD", "xABC"] {
        let errs = errors(
            &flow,
            "details",
            json!({ "name": "Ann", "plan": "growth", "code": bad }),
        );
        assert_eq!(
            codes(&errs),
            [("code", FieldErrorCode::PatternMismatch)],
            "{bad}"
        );
    }
    let errs = errors(
        &flow,
        "details",
        json!({ "name": "Ann", "plan": "growth", "email": "not-an-email" }),
    );
    assert_eq!(codes(&errs), [("email", FieldErrorCode::PatternMismatch)]);
}

#[test]
fn an_unknown_field_is_reported() {
    let errs = errors(
        &form_flow(),
        "details",
        json!({ "name": "Ann", "plan": "growth", "nickname": "A" }),
    );
    assert_eq!(codes(&errs), [("nickname", FieldErrorCode::UnknownField)]);
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let errs = errors(
        &form_flow(),
        "details",
        json!({ "name": "A", "seats": "two", "extra": 1 }),
    );
    assert_eq!(
        codes(&errs),
        [
            ("name", FieldErrorCode::TooShort),
            ("plan", FieldErrorCode::Required),
            ("seats", FieldErrorCode::WrongType),
            ("extra", FieldErrorCode::UnknownField)
        ]
    );
}

#[test]
fn answers_that_are_not_an_object_are_refused() {
    let errs = errors(&form_flow(), "details", json!(["Ann"]));
    assert_eq!(codes(&errs), [("", FieldErrorCode::NotAnObject)]);
}

#[test]
fn refused_consent_is_rejected() {
    let flow = loaded(PROFILE);
    assert!(errors(&flow, "consent", json!({ "accepted": true })).is_empty());
    let errs = errors(&flow, "consent", json!({ "accepted": false }));
    assert_eq!(
        errs,
        [FieldError {
            field: "accepted".to_owned(),
            code: FieldErrorCode::NotInEnum,
            message: "consent must be accepted".to_owned()
        }]
    );
    assert_eq!(
        codes(&errors(&flow, "consent", json!({}))),
        [("accepted", FieldErrorCode::Required)]
    );
}

#[test]
fn each_kind_has_its_documented_answer_shape() {
    let flow = loaded(SETUP);
    assert!(errors(&flow, "welcome", json!({})).is_empty());
    assert_eq!(
        codes(&errors(&flow, "welcome", json!({ "ok": true }))),
        [("ok", FieldErrorCode::UnknownField)]
    );
    assert!(
        errors(
            &flow,
            "admin_phone",
            json!({ "verification_id": "0190a4c2-7d1e-7c3b-9f2a-1b2c3d4e5f60" })
        )
        .is_empty()
    );
    assert_eq!(
        codes(&errors(
            &flow,
            "admin_phone",
            json!({ "verification_id": "123456" })
        )),
        [("verification_id", FieldErrorCode::PatternMismatch)]
    );
    assert!(errors(&flow, "complete", json!({ "confirmed": true })).is_empty());
    assert_eq!(
        codes(&errors(&flow, "complete", json!({ "confirmed": false }))),
        [("confirmed", FieldErrorCode::NotInEnum)]
    );
    let profile = loaded(PROFILE);
    assert!(errors(&profile, "goal", json!({ "choice": "file" })).is_empty());
    assert_eq!(
        codes(&errors(&profile, "goal", json!({ "choice": "win" }))),
        [("choice", FieldErrorCode::NotInEnum)]
    );
}
