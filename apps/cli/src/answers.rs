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
mod tests;
