//! Rejected documents, one per rule.

use super::support::*;

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
