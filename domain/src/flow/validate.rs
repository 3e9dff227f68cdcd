//! Turning a parsed document into a [`Flow`], checking every rule in document order.

use super::capability::build_capability;
use super::condition::build_condition;
use super::fields::{build_fields, fixed_schema, to_raw};
use super::raw::{RawFlow, RawStep};
use super::{AnswerSchema, ChoiceOption, Flow, FlowError, FlowId, Step, StepId, StepKind};

/// Inactivity timeout when the template gives none: one day, in seconds.
pub(crate) const DEFAULT_INACTIVITY_TIMEOUT_SECONDS: u64 = 86_400;
/// Estimated time of a step when the template gives none, in seconds.
pub(crate) const DEFAULT_ESTIMATED_SECONDS: u32 = 60;

/// Checks `raw` and builds the flow, or names the first rule it breaks.
pub(crate) fn build_flow(raw: &RawFlow) -> Result<Flow, FlowError> {
    let id = FlowId::parse(&raw.id)?;
    let version =
        u32::try_from(raw.version)
            .ok()
            .filter(|v| *v >= 1)
            .ok_or(FlowError::InvalidVersion {
                version: raw.version,
            })?;
    non_blank(&raw.title, || "flow title".to_owned())?;
    let inactivity_timeout_seconds = match raw.inactivity_timeout_seconds {
        None => DEFAULT_INACTIVITY_TIMEOUT_SECONDS,
        Some(seconds) => u64::try_from(seconds)
            .ok()
            .filter(|s| *s > 0)
            .ok_or(FlowError::InvalidTimeout { seconds })?,
    };
    if raw.steps.is_empty() {
        return Err(FlowError::EmptyFlow);
    }
    // First pass: every id and kind, so that conditions can tell "later" from "unknown".
    let mut ids: Vec<StepId> = Vec::with_capacity(raw.steps.len());
    let mut kinds: Vec<StepKind> = Vec::with_capacity(raw.steps.len());
    for step in &raw.steps {
        let step_id = StepId::parse(&step.id)?;
        if ids.contains(&step_id) {
            return Err(FlowError::DuplicateStepId {
                step: step.id.clone(),
            });
        }
        let kind = StepKind::from_name(&step.kind).ok_or_else(|| FlowError::UnknownStepKind {
            step: step.id.clone(),
            kind: step.kind.clone(),
        })?;
        ids.push(step_id);
        kinds.push(kind);
    }
    let mut steps: Vec<Step> = Vec::with_capacity(raw.steps.len());
    for ((raw_step, step_id), kind) in raw.steps.iter().zip(ids.iter()).zip(kinds) {
        let step = build_step(raw_step, step_id.clone(), kind, &steps, &ids)?;
        steps.push(step);
    }
    let capability = match &raw.capability {
        Some(rule) => Some(build_capability(rule, &steps)?),
        None => None,
    };
    Ok(Flow {
        id,
        version,
        title: raw.title.clone(),
        description: raw.description.clone(),
        inactivity_timeout_seconds,
        steps,
        capability,
    })
}

fn build_step(
    raw: &RawStep,
    id: StepId,
    kind: StepKind,
    earlier: &[Step],
    all_ids: &[StepId],
) -> Result<Step, FlowError> {
    let name = raw.id.as_str();
    non_blank(&raw.title, || format!("title of step `{name}`"))?;
    if let Some(prompt) = &raw.prompt {
        non_blank(prompt, || format!("prompt of step `{name}`"))?;
    }
    let options = build_options(name, kind, raw.options.as_deref())?;
    let schema = build_schema(name, kind, &raw.title, &options, raw.fields.as_deref())?;
    let payment = super::payment::build_payment(name, kind, raw.payment.as_ref())?;
    let when = match &raw.when {
        Some(condition) => Some(build_condition(name, condition, earlier, all_ids)?),
        None => None,
    };
    Ok(Step {
        id,
        kind,
        title: raw.title.clone(),
        required: raw.required.unwrap_or(true),
        when,
        estimated_seconds: raw.estimated_seconds.unwrap_or(DEFAULT_ESTIMATED_SECONDS),
        prompt: raw.prompt.clone(),
        options,
        schema,
        admin_only: raw.admin_only.unwrap_or(false),
        payment,
    })
}

fn build_options(
    step: &str,
    kind: StepKind,
    raw: Option<&[ChoiceOption]>,
) -> Result<Vec<ChoiceOption>, FlowError> {
    if kind != StepKind::Choice {
        return match raw {
            None => Ok(Vec::new()),
            Some(_) => Err(FlowError::OptionsNotAllowed {
                step: step.to_owned(),
                kind: kind.as_str().to_owned(),
            }),
        };
    }
    let options = raw.unwrap_or_default();
    if options.is_empty() {
        return Err(FlowError::ChoiceWithoutOptions {
            step: step.to_owned(),
        });
    }
    for (i, option) in options.iter().enumerate() {
        if !is_option_id(&option.id) {
            return Err(FlowError::InvalidOptionId {
                step: step.to_owned(),
                option: option.id.clone(),
            });
        }
        if options[..i].iter().any(|o| o.id == option.id) {
            return Err(FlowError::DuplicateOption {
                step: step.to_owned(),
                option: option.id.clone(),
            });
        }
        non_blank(&option.label, || {
            format!("label of option `{}` of step `{step}`", option.id)
        })?;
    }
    Ok(options.to_vec())
}

/// Forms declare their fields; every other kind has a fixed schema, and may only repeat it
/// (which is what the definition JSON does).
fn build_schema(
    step: &str,
    kind: StepKind,
    title: &str,
    options: &[ChoiceOption],
    raw_fields: Option<&[super::raw::RawField]>,
) -> Result<AnswerSchema, FlowError> {
    let Some(fixed) = fixed_schema(step, kind, title, options)? else {
        let declared = build_fields(step, raw_fields.unwrap_or_default())?;
        if declared.is_empty() {
            return Err(FlowError::FormWithoutFields {
                step: step.to_owned(),
            });
        }
        return Ok(AnswerSchema { fields: declared });
    };
    if let Some(given) = raw_fields {
        let not_allowed = || FlowError::FieldsNotAllowed {
            step: step.to_owned(),
            kind: kind.as_str().to_owned(),
        };
        let given = build_fields(step, given).map_err(|_| not_allowed())?;
        let same = given.len() == fixed.fields.len()
            && given
                .iter()
                .zip(&fixed.fields)
                .all(|(g, f)| to_raw(g) == to_raw(f));
        if !same {
            return Err(not_allowed());
        }
    }
    Ok(fixed)
}

fn non_blank(text: &str, what: impl FnOnce() -> String) -> Result<(), FlowError> {
    if text.trim().is_empty() {
        Err(FlowError::EmptyText { what: what() })
    } else {
        Ok(())
    }
}

fn is_option_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
