//! Reading a flow definition (the JSON of `GET /v1/flows/{id}`) and building the answers a
//! scripted journey gives to each step.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The parts of a flow definition a scripted journey needs; unknown keys are ignored so that a
/// newer server still works.
#[derive(Debug, Clone, Deserialize)]
pub struct FlowDef {
    /// Flow id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Steps, in order.
    pub steps: Vec<StepDef>,
}

/// One step of a flow definition.
#[derive(Debug, Clone, Deserialize)]
pub struct StepDef {
    /// Step id.
    pub id: String,
    /// `info`, `consent`, `choice`, `form`, `phone_verification` or `review`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Required unless the definition says otherwise.
    #[serde(default = "yes")]
    pub required: bool,
    /// Choice options.
    #[serde(default)]
    pub options: Vec<ChoiceDef>,
    /// Form fields.
    #[serde(default)]
    pub fields: Vec<FieldDef>,
}

/// A choice option.
#[derive(Debug, Clone, Deserialize)]
pub struct ChoiceDef {
    /// Option id, the answer's `choice`.
    pub id: String,
    /// Label.
    pub label: String,
}

/// A form field.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldDef {
    /// Field name, the key in the answers object.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean` or `email`.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Required unless the definition says otherwise.
    #[serde(default = "yes")]
    pub required: bool,
    /// Allowed values.
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<Value>>,
    /// Smallest number allowed.
    #[serde(default)]
    pub minimum: Option<serde_json::Number>,
    /// Shortest text allowed.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// A value that passes the field's spec (checked when the flow is loaded).
    #[serde(default)]
    pub example: Option<Value>,
}

fn yes() -> bool {
    true
}

impl FlowDef {
    /// Reads a definition JSON.
    ///
    /// # Errors
    /// When the JSON lacks the shape of a flow.
    pub fn from_json(value: &Value) -> anyhow::Result<Self> {
        Self::deserialize(value).context("the flow definition does not have the expected shape")
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// 0-based position of `step` among the flow's optional steps.
    fn optional_index(&self, step: &str) -> Option<usize> {
        self.steps
            .iter()
            .filter(|s| !s.required)
            .position(|s| s.id == step)
    }
}

/// What to do with optional steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptionalSteps {
    /// Answer every optional step from its examples.
    Answer,
    /// Skip every optional step.
    Skip,
    /// Answer the first, skip the second, answer the third... (shows both behaviours).
    Alternate,
}

/// How a scripted journey answers.
#[derive(Debug, Clone)]
pub struct AnswerPolicy {
    /// Option to pick per choice step id; other choice steps get their first option.
    pub choices: BTreeMap<String, String>,
    /// What to do with optional steps.
    pub optional: OptionalSteps,
}

impl Default for AnswerPolicy {
    /// Picks `self_employed` for `income_type`, so that conversational-profile's conditional
    /// `income_complexity` step applies; alternates optional steps.
    fn default() -> Self {
        let choices = BTreeMap::from([("income_type".to_string(), "self_employed".to_string())]);
        Self {
            choices,
            optional: OptionalSteps::Alternate,
        }
    }
}

/// What a journey does at a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `POST /v1/sessions/{id}/steps/{step_id}` with these answers.
    Submit(Value),
    /// `POST /v1/sessions/{id}/steps/{step_id}/skip`.
    Skip,
    /// Start a verification for the session, read the code from the sandbox, check it.
    VerifyPhone,
}

impl AnswerPolicy {
    /// The action for `step` of `flow`.
    ///
    /// # Errors
    /// An unknown step kind, a choice without options, a preferred option the step lacks, or a
    /// required form field with neither an example nor a type we can make a value for.
    pub fn action(&self, flow: &FlowDef, step: &StepDef) -> anyhow::Result<Action> {
        if !step.required && self.skips(flow, step) {
            return Ok(Action::Skip);
        }
        let answers = match step.kind.as_str() {
            "info" => json!({}),
            "consent" => json!({ "accepted": true }),
            "review" => json!({ "confirmed": true }),
            "phone_verification" => return Ok(Action::VerifyPhone),
            "choice" => json!({ "choice": self.choice(step)? }),
            "form" => Value::Object(form_answers(step)?),
            other => bail!(
                "step `{}` has a kind this CLI does not know: {other}",
                step.id
            ),
        };
        Ok(Action::Submit(answers))
    }

    fn skips(&self, flow: &FlowDef, step: &StepDef) -> bool {
        match self.optional {
            OptionalSteps::Answer => false,
            OptionalSteps::Skip => true,
            OptionalSteps::Alternate => flow.optional_index(&step.id).is_some_and(|i| i % 2 == 1),
        }
    }

    /// Checks, before any request, that every preferred option names a choice step of `flow`
    /// and one of its options. A preference for a step the flow lacks is ignored (the default
    /// `income_type` one applies to conversational-profile only).
    ///
    /// # Errors
    /// A preferred option that its step does not offer.
    pub fn check_choices(&self, flow: &FlowDef) -> anyhow::Result<()> {
        for step in flow.steps.iter().filter(|s| s.kind == "choice") {
            self.choice(step)?;
        }
        Ok(())
    }

    fn choice(&self, step: &StepDef) -> anyhow::Result<String> {
        match self.choices.get(&step.id) {
            Some(wanted) if step.options.iter().any(|o| &o.id == wanted) => Ok(wanted.clone()),
            Some(wanted) => {
                let ids: Vec<&str> = step.options.iter().map(|o| o.id.as_str()).collect();
                bail!(
                    "step `{}` has no option `{wanted}` (options: {})",
                    step.id,
                    ids.join(", ")
                )
            }
            None => step
                .options
                .first()
                .map(|o| o.id.clone())
                .with_context(|| format!("choice step `{}` has no options", step.id)),
        }
    }
}

/// Every field's example; a required field without one gets a value made from its spec.
fn form_answers(step: &StepDef) -> anyhow::Result<Map<String, Value>> {
    let mut answers = Map::new();
    for field in &step.fields {
        let value = match (&field.example, field.required) {
            (Some(example), _) => example.clone(),
            (None, true) => made_up_value(field).with_context(|| {
                format!(
                    "required field `{}` of step `{}` has no example",
                    field.name, step.id
                )
            })?,
            (None, false) => continue,
        };
        answers.insert(field.name.clone(), value);
    }
    Ok(answers)
}

fn made_up_value(field: &FieldDef) -> Option<Value> {
    if let Some(first) = field.enum_values.as_ref().and_then(|v| v.first()) {
        return Some(first.clone());
    }
    match field.field_type.as_str() {
        "boolean" => Some(json!(true)),
        "integer" | "number" => Some(field.minimum.clone().map_or(json!(1), Value::Number)),
        "email" => Some(json!("demo@example.com")),
        "string" => {
            let len = usize::try_from(field.min_length.unwrap_or(1).max(4)).ok()?;
            Some(json!("x".repeat(len)))
        }
        _ => None,
    }
}

/// Parses `step=option` overrides of `--choice`.
///
/// # Errors
/// A text without `=`, or with an empty side.
pub fn parse_choice(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((step, option)) if !step.trim().is_empty() && !option.trim().is_empty() => {
            Ok((step.trim().to_string(), option.trim().to_string()))
        }
        _ => Err(format!(
            "expected STEP=OPTION, e.g. income_type=self_employed, got {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowDef {
        let value = json!({
            "id": "demo", "version": 1, "title": "Demo", "description": "",
            "steps": [
                { "id": "welcome", "kind": "info", "title": "Welcome", "estimated_seconds": 5 },
                { "id": "phone", "kind": "phone_verification", "title": "Phone" },
                { "id": "consent", "kind": "consent", "title": "Consent" },
                { "id": "income_type", "kind": "choice", "title": "Income",
                  "options": [{ "id": "salaried", "label": "A salary" }, { "id": "self_employed", "label": "Self" }] },
                { "id": "goal", "kind": "choice", "title": "Goal",
                  "options": [{ "id": "learn", "label": "Learn" }, { "id": "file", "label": "File" }] },
                { "id": "org", "kind": "form", "title": "Org", "fields": [
                    { "name": "name", "type": "string", "min_length": 2, "example": "Acme" },
                    { "name": "size", "type": "string", "enum": ["1-10", "11-50"] },
                    { "name": "seats", "type": "integer", "required": false, "minimum": 1 },
                    { "name": "billing", "type": "email" },
                    { "name": "ok", "type": "boolean", "required": true, "example": false }
                ]},
                { "id": "opt_a", "kind": "form", "title": "A", "required": false,
                  "fields": [{ "name": "x", "type": "boolean", "example": true }] },
                { "id": "opt_b", "kind": "info", "title": "B", "required": false },
                { "id": "opt_c", "kind": "info", "title": "C", "required": false },
                { "id": "done", "kind": "review", "title": "Review" }
            ]
        });
        FlowDef::from_json(&value).expect("a valid definition")
    }

    fn action(policy: &AnswerPolicy, step: &str) -> Action {
        let flow = flow();
        let step = flow.step(step).expect("step exists").clone();
        policy.action(&flow, &step).expect("an action")
    }

    #[test]
    fn simple_kinds_get_their_fixed_answers() {
        let policy = AnswerPolicy::default();
        assert_eq!(action(&policy, "welcome"), Action::Submit(json!({})));
        assert_eq!(
            action(&policy, "consent"),
            Action::Submit(json!({ "accepted": true }))
        );
        assert_eq!(
            action(&policy, "done"),
            Action::Submit(json!({ "confirmed": true }))
        );
        assert_eq!(action(&policy, "phone"), Action::VerifyPhone);
    }

    #[test]
    fn choices_take_the_first_option_unless_a_preference_names_another() {
        let policy = AnswerPolicy::default();
        assert_eq!(
            action(&policy, "goal"),
            Action::Submit(json!({ "choice": "learn" }))
        );
        assert_eq!(
            action(&policy, "income_type"),
            Action::Submit(json!({ "choice": "self_employed" }))
        );
    }

    #[test]
    fn a_preference_for_a_missing_option_is_refused() {
        let mut policy = AnswerPolicy::default();
        policy.choices.insert("goal".into(), "nope".into());
        let flow = flow();
        let step = flow.step("goal").expect("step exists");
        let err = policy.action(&flow, step).expect_err("unknown option");
        assert!(format!("{err:#}").contains("no option `nope`"), "{err:#}");
        assert!(policy.check_choices(&flow).is_err());
        assert!(AnswerPolicy::default().check_choices(&flow).is_ok());
    }

    #[test]
    fn forms_use_examples_and_make_up_required_values_only() {
        let answers = action(&AnswerPolicy::default(), "org");
        assert_eq!(
            answers,
            Action::Submit(
                json!({ "name": "Acme", "size": "1-10", "billing": "demo@example.com", "ok": false })
            )
        );
    }

    #[test]
    fn alternate_answers_the_first_optional_step_and_skips_the_second() {
        let policy = AnswerPolicy::default();
        assert_eq!(
            action(&policy, "opt_a"),
            Action::Submit(json!({ "x": true }))
        );
        assert_eq!(action(&policy, "opt_b"), Action::Skip);
        assert_eq!(action(&policy, "opt_c"), Action::Submit(json!({})));
    }

    #[test]
    fn skip_and_answer_policies_apply_to_optional_steps_only() {
        let skip = AnswerPolicy {
            optional: OptionalSteps::Skip,
            ..AnswerPolicy::default()
        };
        assert_eq!(action(&skip, "opt_a"), Action::Skip);
        assert_eq!(action(&skip, "welcome"), Action::Submit(json!({})));
        let answer = AnswerPolicy {
            optional: OptionalSteps::Answer,
            ..AnswerPolicy::default()
        };
        assert_eq!(action(&answer, "opt_b"), Action::Submit(json!({})));
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        let flow = FlowDef::from_json(&json!({
            "id": "x", "version": 1, "title": "X",
            "steps": [{ "id": "s", "kind": "signature", "title": "Sign" }]
        }))
        .expect("shape is fine");
        let err = AnswerPolicy::default()
            .action(&flow, &flow.steps[0])
            .expect_err("unknown kind");
        assert!(format!("{err:#}").contains("signature"), "{err:#}");
    }

    #[test]
    fn the_shipped_templates_are_answerable() {
        for file in ["conversational-profile.toml", "platform-setup.toml"] {
            let path = format!("{}/../../spec/flows/{file}", env!("CARGO_MANIFEST_DIR"));
            let source = std::fs::read_to_string(&path).expect("template readable");
            let flow = onramp_domain::flow::Flow::from_toml(&source).expect("template valid");
            let def = FlowDef::from_json(&flow.to_definition_json()).expect("definition readable");
            for step in &def.steps {
                AnswerPolicy::default()
                    .action(&def, step)
                    .expect("an action for every step");
            }
        }
    }

    #[test]
    fn choice_overrides_parse_step_equals_option() {
        assert_eq!(
            parse_choice("goal=file"),
            Ok(("goal".into(), "file".into()))
        );
        assert!(parse_choice("goal").is_err());
        assert!(parse_choice("=file").is_err());
    }
}
