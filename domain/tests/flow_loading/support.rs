//! Helpers and fixtures shared by the flow-loading tests.

pub(crate) use std::collections::BTreeMap;

pub(crate) use onramp_domain::flow::{
    CapabilityAssessment, FieldError, FieldErrorCode, Flow, FlowError, StepId, StepKind, load_all,
};
pub(crate) use serde_json::{Value, json};

pub(crate) const PROFILE: &str = include_str!("../../../spec/flows/conversational-profile.toml");
pub(crate) const SETUP: &str = include_str!("../../../spec/flows/platform-setup.toml");

pub(crate) const HEADER: &str =
    "id = \"test-flow\"\nversion = 1\ntitle = \"Test\"\ndescription = \"A test flow.\"\n";

/// A flow made of `HEADER` followed by `rest` (steps and tables).
pub(crate) fn load(rest: &str) -> Result<Flow, FlowError> {
    Flow::from_toml(&format!("{HEADER}{rest}"))
}

pub(crate) fn loaded(source: &str) -> Flow {
    Flow::from_toml(source).expect("the flow loads")
}

pub(crate) fn sid(text: &str) -> StepId {
    StepId::parse(text).expect("a valid step id")
}

pub(crate) fn answers(pairs: &[(&str, Value)]) -> BTreeMap<StepId, Value> {
    pairs
        .iter()
        .map(|(step, a)| (sid(step), a.clone()))
        .collect()
}

pub(crate) fn choices(pairs: &[(&str, &str)]) -> BTreeMap<StepId, Value> {
    pairs
        .iter()
        .map(|(step, c)| (sid(step), json!({ "choice": c })))
        .collect()
}

/// The errors `step` of `flow` gives for `value` (empty when it is valid).
pub(crate) fn errors(flow: &Flow, step: &str, value: Value) -> Vec<FieldError> {
    let step = flow.step(&sid(step)).expect("the step exists");
    step.schema().validate(&value).err().unwrap_or_default()
}

pub(crate) fn codes(errors: &[FieldError]) -> Vec<(&str, FieldErrorCode)> {
    errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
}

pub(crate) const CHOICE_AND_FORM: &str = r#"
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

pub(crate) fn form_flow() -> Flow {
    load(CHOICE_AND_FORM).expect("the form flow loads")
}
