//! Flow templates: the shipped templates load, every broken document is rejected with its
//! precise error, answer schemas and conditions behave as documented, capability levels follow
//! the documented rule, and the definition JSON round-trips.

use std::collections::BTreeMap;

use onramp_domain::flow::{
    CapabilityAssessment, FieldError, FieldErrorCode, Flow, FlowError, StepId, StepKind, load_all,
};
use serde_json::{Value, json};

const PROFILE: &str = include_str!("../../spec/flows/conversational-profile.toml");
const SETUP: &str = include_str!("../../spec/flows/platform-setup.toml");

const HEADER: &str =
    "id = \"test-flow\"\nversion = 1\ntitle = \"Test\"\ndescription = \"A test flow.\"\n";

/// A flow made of `HEADER` followed by `rest` (steps and tables).
fn load(rest: &str) -> Result<Flow, FlowError> {
    Flow::from_toml(&format!("{HEADER}{rest}"))
}

fn loaded(source: &str) -> Flow {
    Flow::from_toml(source).expect("the flow loads")
}

fn sid(text: &str) -> StepId {
    StepId::parse(text).expect("a valid step id")
}

fn answers(pairs: &[(&str, Value)]) -> BTreeMap<StepId, Value> {
    pairs
        .iter()
        .map(|(step, a)| (sid(step), a.clone()))
        .collect()
}

fn choices(pairs: &[(&str, &str)]) -> BTreeMap<StepId, Value> {
    pairs
        .iter()
        .map(|(step, c)| (sid(step), json!({ "choice": c })))
        .collect()
}

/// The errors `step` of `flow` gives for `value` (empty when it is valid).
fn errors(flow: &Flow, step: &str, value: Value) -> Vec<FieldError> {
    let step = flow.step(&sid(step)).expect("the step exists");
    step.schema().validate(&value).err().unwrap_or_default()
}

fn codes(errors: &[FieldError]) -> Vec<(&str, FieldErrorCode)> {
    errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
}

const CHOICE_AND_FORM: &str = r#"
[[steps]]
id = "income_type"
kind = "choice"
title = "Income"
options = [{ id = "salaried", label = "Salaried" }, { id = "business", label = "Business" }]

[[steps]]
id = "details"
kind = "form"
title = "Details"

[[steps.fields]]
name = "name"
type = "string"
min_length = 2
max_length = 5
example = "Ann"

[[steps.fields]]
name = "code"
type = "string"
required = false
pattern = '[A-Z]{3}'

[[steps.fields]]
name = "plan"
type = "string"
enum = ["starter", "growth"]

[[steps.fields]]
name = "seats"
type = "integer"
required = false
minimum = 1
maximum = 10

[[steps.fields]]
name = "email"
type = "email"
required = false

[[steps.fields]]
name = "newsletter"
type = "boolean"
required = false
"#;

fn form_flow() -> Flow {
    load(CHOICE_AND_FORM).expect("the form flow loads")
}

// ---- the shipped templates ----

#[test]
fn the_conversational_profile_template_loads() {
    let flow = loaded(PROFILE);
    assert_eq!(flow.id().as_str(), "conversational-profile");
    assert_eq!(flow.version(), 1);
    let ids: Vec<&str> = flow.steps().iter().map(|s| s.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "welcome",
            "phone",
            "consent",
            "goal",
            "income_type",
            "income_complexity",
            "confidence",
            "complete"
        ]
    );
    let complexity = flow
        .step(&sid("income_complexity"))
        .expect("conditional step");
    assert_eq!(
        complexity.when().map(|c| c.step().as_str()),
        Some("income_type")
    );
    assert_eq!(flow.step_index(&sid("income_complexity")), Some(5));
    assert!(flow.capability_rule().is_some());
    for step in flow.steps() {
        let prompt = step.prompt().expect("every step has a chat prompt");
        for n in 1..=step.options().len() {
            assert!(
                prompt.contains(&format!("{n}.")),
                "{} lists option {n}",
                step.id()
            );
        }
    }
}

#[test]
fn the_platform_setup_template_loads() {
    let flow = loaded(SETUP);
    assert_eq!(flow.id().as_str(), "platform-setup");
    assert_eq!(flow.steps().len(), 13);
    let admin = flow.step(&sid("admin_phone")).expect("admin step");
    assert!(admin.admin_only());
    assert_eq!(admin.kind(), StepKind::PhoneVerification);
    let optional: Vec<&str> = flow
        .steps()
        .iter()
        .filter(|s| !s.required())
        .map(|s| s.id().as_str())
        .collect();
    assert_eq!(
        optional,
        [
            "ai_features",
            "knowledge_base",
            "team",
            "workflows",
            "customer_portal",
            "data_import",
            "analytics"
        ]
    );
    assert!(flow.steps().iter().all(|s| s.estimated_seconds() > 0));
}

#[test]
fn every_form_field_of_the_templates_has_an_example_and_the_examples_fill_the_form() {
    for flow in [loaded(PROFILE), loaded(SETUP)] {
        for step in flow.steps().iter().filter(|s| s.kind() == StepKind::Form) {
            let mut filled = serde_json::Map::new();
            for field in step.schema().fields() {
                let example = field.example().expect("every form field has an example");
                filled.insert(field.name().to_owned(), example.clone());
            }
            assert_eq!(
                step.schema().validate(&Value::Object(filled)),
                Ok(()),
                "{}",
                step.id()
            );
        }
    }
}

#[test]
fn load_all_loads_both_templates() {
    let flows = load_all(&[
        ("conversational-profile.toml", PROFILE),
        ("platform-setup.toml", SETUP),
    ])
    .expect("both load");
    assert_eq!(flows.len(), 2);
}

#[test]
fn load_all_refuses_a_second_template_with_the_same_id_and_version() {
    let err = load_all(&[("a.toml", SETUP), ("b.toml", SETUP)]).expect_err("duplicate");
    assert_eq!(
        err,
        (
            "b.toml".to_owned(),
            FlowError::DuplicateFlow {
                id: "platform-setup".to_owned(),
                version: 1
            }
        )
    );
}

#[test]
fn load_all_names_the_template_that_fails() {
    let err = load_all(&[("good.toml", SETUP), ("bad.toml", HEADER)]).expect_err("no steps");
    assert_eq!(err, ("bad.toml".to_owned(), FlowError::EmptyFlow));
}

#[test]
fn omitted_keys_take_their_documented_defaults() {
    let flow =
        load("[[steps]]\nid = \"hello\"\nkind = \"info\"\ntitle = \"Hello\"\n").expect("loads");
    let step = &flow.steps()[0];
    assert_eq!(flow.inactivity_timeout_seconds(), 86_400);
    assert!(step.required());
    assert!(!step.admin_only());
    assert_eq!(step.estimated_seconds(), 60);
    assert_eq!(step.prompt(), None);
    assert!(step.schema().fields().is_empty());
}

// ---- rejected documents, one per rule ----

#[test]
fn an_unknown_step_kind_is_rejected() {
    let err = load("[[steps]]\nid = \"pay\"\nkind = \"paymnet\"\ntitle = \"Pay\"\n");
    assert_eq!(
        err,
        Err(FlowError::UnknownStepKind {
            step: "pay".to_owned(),
            kind: "paymnet".to_owned()
        })
    );
}

#[test]
fn a_duplicate_step_id_is_rejected() {
    let step = "[[steps]]\nid = \"hello\"\nkind = \"info\"\ntitle = \"Hello\"\n";
    assert_eq!(
        load(&format!("{step}{step}")),
        Err(FlowError::DuplicateStepId {
            step: "hello".to_owned()
        })
    );
}

#[test]
fn a_condition_on_an_unknown_step_is_rejected() {
    let err = load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = \"income\", field = \"choice\", equals = \"business\" }}\n"
    ));
    assert_eq!(
        err,
        Err(FlowError::UnknownConditionStep {
            step: "more".to_owned(),
            refers_to: "income".to_owned()
        })
    );
}

#[test]
fn a_condition_on_a_later_step_is_rejected() {
    let err = load(
        r#"
[[steps]]
id = "more"
kind = "info"
title = "More"
when = { step = "income_type", field = "choice", equals = "business" }

[[steps]]
id = "income_type"
kind = "choice"
title = "Income"
options = [{ id = "salaried", label = "Salaried" }, { id = "business", label = "Business" }]
"#,
    );
    assert_eq!(
        err,
        Err(FlowError::ConditionOnLaterStep {
            step: "more".to_owned(),
            refers_to: "income_type".to_owned()
        })
    );
}

#[test]
fn a_condition_on_its_own_step_is_rejected_as_on_a_later_step() {
    let err = load(
        "[[steps]]\nid = \"a\"\nkind = \"review\"\ntitle = \"A\"\nwhen = { step = \"a\", field = \"confirmed\", equals = true }\n",
    );
    assert_eq!(
        err,
        Err(FlowError::ConditionOnLaterStep {
            step: "a".to_owned(),
            refers_to: "a".to_owned()
        })
    );
}

#[test]
fn a_condition_on_an_unknown_field_is_rejected() {
    let err = load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = \"income_type\", field = \"option\", equals = \"business\" }}\n"
    ));
    assert_eq!(
        err,
        Err(FlowError::ConditionFieldUnknown {
            step: "more".to_owned(),
            refers_to: "income_type".to_owned(),
            field: "option".to_owned()
        })
    );
}

#[test]
fn a_condition_value_the_field_can_never_hold_is_rejected() {
    let err = load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = \"income_type\", field = \"choice\", in = [\"business\", \"bussiness\"] }}\n"
    ));
    assert_eq!(
        err,
        Err(FlowError::ConditionValueUnknown {
            step: "more".to_owned(),
            refers_to: "income_type".to_owned(),
            field: "choice".to_owned(),
            value: "\"bussiness\"".to_owned()
        })
    );
}

#[test]
fn a_condition_with_two_tests_is_rejected() {
    let err = load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = \"income_type\", field = \"choice\", equals = \"business\", not_in = [\"salaried\"] }}\n"
    ));
    assert!(matches!(err, Err(FlowError::InvalidCondition { step, .. }) if step == "more"));
}

/// A flow whose only step is a form with one field given by `field` (TOML key lines).
fn one_field(field: &str) -> Result<Flow, FlowError> {
    load(&format!(
        "[[steps]]\nid = \"f\"\nkind = \"form\"\ntitle = \"F\"\n\n[[steps.fields]]\nname = \"x\"\n{field}\n"
    ))
}

fn unsatisfiable(result: Result<Flow, FlowError>) -> String {
    match result {
        Err(FlowError::UnsatisfiableSchema {
            step,
            field,
            reason,
        }) => {
            assert_eq!((step.as_str(), field.as_str()), ("f", "x"));
            reason
        }
        other => panic!("expected UnsatisfiableSchema, got {other:?}"),
    }
}

#[test]
fn min_length_above_max_length_is_unsatisfiable() {
    let reason = unsatisfiable(one_field(
        "type = \"string\"\nmin_length = 10\nmax_length = 5",
    ));
    assert_eq!(reason, "min_length 10 is greater than max_length 5");
}

#[test]
fn minimum_above_maximum_is_unsatisfiable() {
    unsatisfiable(one_field("type = \"integer\"\nminimum = 10\nmaximum = 5"));
}

#[test]
fn an_invalid_regex_is_unsatisfiable() {
    let reason = unsatisfiable(one_field("type = \"string\"\npattern = '[a-'"));
    assert!(reason.starts_with("invalid pattern `[a-`"), "{reason}");
}

#[test]
fn an_example_failing_its_own_spec_is_unsatisfiable() {
    let reason = unsatisfiable(one_field(
        "type = \"string\"\nmax_length = 3\nexample = \"toolong\"",
    ));
    assert!(reason.contains("example \"toolong\""), "{reason}");
}

#[test]
fn an_enum_value_violating_its_own_pattern_is_unsatisfiable() {
    unsatisfiable(one_field(
        "type = \"string\"\npattern = '[a-z]+'\nenum = [\"ok\", \"NOT\"]",
    ));
}

#[test]
fn an_enum_value_of_the_wrong_type_is_unsatisfiable() {
    unsatisfiable(one_field("type = \"boolean\"\nenum = [true, \"yes\"]"));
}

#[test]
fn an_empty_enum_is_unsatisfiable() {
    unsatisfiable(one_field("type = \"boolean\"\nenum = []"));
}

#[test]
fn a_length_limit_on_a_number_is_unsatisfiable() {
    unsatisfiable(one_field("type = \"number\"\nmax_length = 3"));
}

#[test]
fn an_unknown_field_type_is_rejected() {
    assert_eq!(
        one_field("type = \"text\""),
        Err(FlowError::UnknownFieldType {
            step: "f".to_owned(),
            field: "x".to_owned(),
            field_type: "text".to_owned()
        })
    );
}

#[test]
fn a_choice_without_options_is_rejected() {
    let err = load("[[steps]]\nid = \"goal\"\nkind = \"choice\"\ntitle = \"Goal\"\n");
    assert_eq!(
        err,
        Err(FlowError::ChoiceWithoutOptions {
            step: "goal".to_owned()
        })
    );
}

#[test]
fn a_duplicate_option_is_rejected() {
    let err = load(
        "[[steps]]\nid = \"goal\"\nkind = \"choice\"\ntitle = \"Goal\"\noptions = [{ id = \"a\", label = \"A\" }, { id = \"a\", label = \"B\" }]\n",
    );
    assert_eq!(
        err,
        Err(FlowError::DuplicateOption {
            step: "goal".to_owned(),
            option: "a".to_owned()
        })
    );
}

#[test]
fn options_on_a_step_that_is_not_a_choice_are_rejected() {
    let err = load(
        "[[steps]]\nid = \"hi\"\nkind = \"info\"\ntitle = \"Hi\"\noptions = [{ id = \"a\", label = \"A\" }]\n",
    );
    assert_eq!(
        err,
        Err(FlowError::OptionsNotAllowed {
            step: "hi".to_owned(),
            kind: "info".to_owned()
        })
    );
}

#[test]
fn a_form_without_fields_is_rejected() {
    let err = load("[[steps]]\nid = \"f\"\nkind = \"form\"\ntitle = \"F\"\n");
    assert_eq!(
        err,
        Err(FlowError::FormWithoutFields {
            step: "f".to_owned()
        })
    );
}

#[test]
fn an_unknown_top_level_key_is_rejected_with_its_line() {
    let err = Flow::from_toml(&format!(
        "{HEADER}titel = \"typo\"\n[[steps]]\nid = \"a\"\nkind = \"info\"\ntitle = \"A\"\n"
    ));
    match err {
        Err(FlowError::Toml { message, line }) => {
            assert!(message.contains("unknown field `titel`"), "{message}");
            assert_eq!(line, Some(5));
        }
        other => panic!("expected a Toml error, got {other:?}"),
    }
}

#[test]
fn an_unknown_key_in_a_step_is_rejected() {
    let err = load("[[steps]]\nid = \"a\"\nkind = \"info\"\ntitle = \"A\"\nrequird = false\n");
    assert!(
        matches!(err, Err(FlowError::Toml { ref message, .. }) if message.contains("requird")),
        "{err:?}"
    );
}

#[test]
fn a_flow_without_steps_is_rejected() {
    assert_eq!(Flow::from_toml(HEADER), Err(FlowError::EmptyFlow));
}

#[test]
fn bad_ids_versions_and_timeouts_are_rejected() {
    let step = "[[steps]]\nid = \"a\"\nkind = \"info\"\ntitle = \"A\"\n";
    let with = |header: &str| {
        Flow::from_toml(&format!(
            "{header}description = \"d\"\ntitle = \"T\"\n{step}"
        ))
    };
    assert_eq!(
        with("id = \"Bad_Id\"\nversion = 1\n"),
        Err(FlowError::InvalidFlowId {
            value: "Bad_Id".to_owned()
        })
    );
    assert_eq!(
        with("id = \"ok\"\nversion = 0\n"),
        Err(FlowError::InvalidVersion { version: 0 })
    );
    assert_eq!(
        with("id = \"ok\"\nversion = 1\ninactivity_timeout_seconds = 0\n"),
        Err(FlowError::InvalidTimeout { seconds: 0 })
    );
    assert_eq!(
        load("[[steps]]\nid = \"Step A\"\nkind = \"info\"\ntitle = \"A\"\n"),
        Err(FlowError::InvalidStepId {
            value: "Step A".to_owned()
        })
    );
}

// ---- answer schemas ----

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

// ---- conditions ----

fn condition_flow(test: &str) -> Flow {
    load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = {test} }}\n"
    ))
    .expect("the condition flow loads")
}

fn holds(flow: &Flow, given: &BTreeMap<StepId, Value>) -> bool {
    let step = flow.step(&sid("more")).expect("conditional step");
    step.when().expect("a condition").evaluate(given)
}

#[test]
fn an_in_condition_holds_for_listed_values_only() {
    let flow = loaded(PROFILE);
    let when = flow
        .step(&sid("income_complexity"))
        .and_then(|s| s.when())
        .expect("condition");
    assert!(when.evaluate(&choices(&[("income_type", "self_employed")])));
    assert!(when.evaluate(&choices(&[("income_type", "business")])));
    assert!(!when.evaluate(&choices(&[("income_type", "salaried")])));
}

#[test]
fn a_not_in_condition_holds_for_other_values_only() {
    let flow = condition_flow("\"income_type\", field = \"choice\", not_in = [\"salaried\"]");
    assert!(holds(&flow, &choices(&[("income_type", "business")])));
    assert!(!holds(&flow, &choices(&[("income_type", "salaried")])));
}

#[test]
fn an_equals_condition_compares_strings_numbers_and_booleans() {
    let flow = condition_flow("\"details\", field = \"plan\", equals = \"growth\"");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "plan": "growth" }))])
    ));
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "plan": "starter" }))])
    ));
    let flow = condition_flow("\"details\", field = \"seats\", equals = 3");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "seats": 3.0 }))])
    ));
    let flow = condition_flow("\"details\", field = \"newsletter\", equals = true");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "newsletter": true }))])
    ));
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "newsletter": false }))])
    ));
}

#[test]
fn a_condition_on_a_missing_answer_is_false_even_for_not_in() {
    let flow = condition_flow("\"income_type\", field = \"choice\", not_in = [\"salaried\"]");
    assert!(!holds(&flow, &BTreeMap::new()));
    let flow = condition_flow("\"details\", field = \"email\", not_in = [\"a@b.co\"]");
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "email": null }))])
    ));
}

// ---- capability ----

fn assess(pairs: &[(&str, &str)]) -> CapabilityAssessment {
    let flow = loaded(PROFILE);
    flow.capability_rule()
        .expect("a capability rule")
        .evaluate(&choices(pairs))
}

fn level(name: &str, score: i64) -> CapabilityAssessment {
    CapabilityAssessment {
        level: name.to_owned(),
        score,
    }
}

#[test]
fn the_profile_capability_levels_follow_the_documented_examples() {
    let salaried = |goal, confidence| {
        assess(&[
            ("goal", goal),
            ("income_type", "salaried"),
            ("confidence", confidence),
        ])
    };
    assert_eq!(salaried("learn", "low"), level("beginner", 2));
    assert_eq!(salaried("file", "medium"), level("intermediate", 6));
    assert_eq!(
        assess(&[
            ("goal", "check"),
            ("income_type", "business"),
            ("income_complexity", "complex"),
            ("confidence", "high")
        ]),
        level("intermediate", 5)
    );
    assert_eq!(
        assess(&[
            ("goal", "organise"),
            ("income_type", "self_employed"),
            ("income_complexity", "simple"),
            ("confidence", "high")
        ]),
        level("advanced", 7)
    );
    assert_eq!(
        assess(&[
            ("goal", "file"),
            ("income_type", "pension"),
            ("confidence", "high")
        ]),
        level("advanced", 8)
    );
    assert_eq!(assess(&[]), level("beginner", 0));
}

fn with_capability(table: &str) -> Result<Flow, FlowError> {
    load(&format!("{CHOICE_AND_FORM}\n[capability]\n{table}\n"))
}

#[test]
fn a_capability_rule_must_name_existing_choice_steps_and_options() {
    let levels = "levels = [{ min = 0, level = \"low\" }, { min = 1, level = \"high\" }]\n[capability.points]\n";
    for bad in [
        "\"income.business\" = 1",
        "\"income_type.retired\" = 1",
        "\"details.name\" = 1",
        "\"income_type\" = 1",
    ] {
        let err = with_capability(&format!("{levels}{bad}"));
        assert!(
            matches!(err, Err(FlowError::CapabilityRule { .. })),
            "{bad}: {err:?}"
        );
    }
    assert!(with_capability(&format!("{levels}\"income_type.business\" = 1")).is_ok());
}

#[test]
fn capability_levels_must_ascend_from_at_most_zero_and_be_reachable() {
    let points = "[capability.points]\n\"income_type.business\" = 3\n";
    for bad in [
        "levels = [{ min = 1, level = \"low\" }]",
        "levels = [{ min = 0, level = \"low\" }, { min = 0, level = \"high\" }]",
        "levels = [{ min = 0, level = \"low\" }, { min = 4, level = \"high\" }]",
        "levels = []",
    ] {
        let err = with_capability(&format!("{bad}\n{points}"));
        assert!(
            matches!(err, Err(FlowError::CapabilityRule { .. })),
            "{bad}: {err:?}"
        );
    }
}

// ---- definition JSON ----

#[test]
fn the_definition_json_round_trips_both_templates() {
    for flow in [loaded(PROFILE), loaded(SETUP), form_flow()] {
        let json = flow.to_definition_json();
        assert_eq!(Flow::from_definition_json(&json), Ok(flow.clone()));
        let again = Flow::from_definition_json(&json).expect("round trip");
        assert_eq!(again.digest(), flow.digest());
    }
}

#[test]
fn the_definition_json_shows_defaults_and_generated_schemas() {
    let json = loaded(PROFILE).to_definition_json();
    let goal = &json["steps"][3];
    assert_eq!(goal["id"], "goal");
    assert_eq!(goal["required"], true);
    assert_eq!(goal["fields"][0]["name"], "choice");
    assert_eq!(
        goal["fields"][0]["enum"],
        json!(["learn", "check", "organise", "file", "expert"])
    );
    assert_eq!(
        json["steps"][5]["when"],
        json!({ "step": "income_type", "field": "choice", "in": ["self_employed", "business"] })
    );
}

#[test]
fn a_definition_json_that_changes_a_fixed_schema_is_rejected() {
    let mut json = loaded(PROFILE).to_definition_json();
    json["steps"][3]["fields"][0]["enum"] = json!(["learn"]);
    assert_eq!(
        Flow::from_definition_json(&json),
        Err(FlowError::FieldsNotAllowed {
            step: "goal".to_owned(),
            kind: "choice".to_owned()
        })
    );
}

#[test]
fn a_definition_json_of_the_wrong_shape_is_rejected() {
    let err = Flow::from_definition_json(&json!({ "id": "x" }));
    assert!(matches!(err, Err(FlowError::Json { .. })), "{err:?}");
}

#[test]
fn errors_name_the_step_and_the_problem() {
    let err = FlowError::ConditionOnLaterStep {
        step: "more".to_owned(),
        refers_to: "income_type".to_owned(),
    };
    assert_eq!(
        err.to_string(),
        "the condition of step `more` refers to step `income_type`, which does not come before it"
    );
}
