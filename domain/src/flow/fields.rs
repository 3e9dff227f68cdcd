//! Building answer schemas from the document: form fields as declared, and the fixed schema of
//! every other step kind. Every check that makes a schema unsatisfiable lives here.

use serde_json::Value;

use super::raw::RawField;
use super::schema::{FieldSpec, FieldType, Pattern};
use super::{AnswerSchema, ChoiceOption, FlowError, StepKind};

/// Longest field name, in characters.
const MAX_FIELD_NAME_LEN: usize = 64;

/// A UUID in its hyphenated text form, any case.
const UUID_PATTERN: &str =
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// Builds and checks the declared fields of a form step (in order).
pub(crate) fn build_fields(step: &str, raws: &[RawField]) -> Result<Vec<FieldSpec>, FlowError> {
    let mut fields: Vec<FieldSpec> = Vec::with_capacity(raws.len());
    for raw in raws {
        let spec = build_field(step, raw)?;
        if fields.iter().any(|f| f.name == spec.name) {
            return Err(FlowError::DuplicateField {
                step: step.to_owned(),
                field: spec.name,
            });
        }
        fields.push(spec);
    }
    Ok(fields)
}

/// The answer schema a step of `kind` gets without declaring fields; `None` for forms, which
/// declare their own. `title` becomes the label of the single field.
pub(crate) fn fixed_schema(
    step: &str,
    kind: StepKind,
    title: &str,
    options: &[ChoiceOption],
) -> Result<Option<AnswerSchema>, FlowError> {
    let fields = match kind {
        StepKind::Form => return Ok(None),
        StepKind::Info => Vec::new(),
        StepKind::Consent => vec![must_be_true(
            step,
            "accepted",
            title,
            "consent must be accepted",
        )?],
        StepKind::Review => vec![must_be_true(
            step,
            "confirmed",
            title,
            "review must be confirmed",
        )?],
        StepKind::Choice => {
            let ids: Vec<Value> = options
                .iter()
                .map(|o| Value::String(o.id.clone()))
                .collect();
            let raw = RawField {
                example: ids.first().cloned(),
                enum_values: Some(ids),
                ..plain("choice", FieldType::String, title)
            };
            vec![build_field(step, &raw)?]
        }
        StepKind::PhoneVerification => vec![uuid_field(step, "verification_id", title)?],
        StepKind::CardOnFileTrial => vec![uuid_field(step, "trial_id", title)?],
        StepKind::PaypalCheckout => vec![uuid_field(step, "order_id", title)?],
        StepKind::WhatsAppSignup | StepKind::WhatsAppSender => {
            vec![uuid_field(step, "waba_account_id", title)?]
        }
    };
    Ok(Some(AnswerSchema { fields }))
}

fn uuid_field(step: &str, name: &str, title: &str) -> Result<FieldSpec, FlowError> {
    let raw = RawField {
        pattern: Some(UUID_PATTERN.to_owned()),
        ..plain(name, FieldType::String, title)
    };
    build_field(step, &raw)
}

/// The document form of a field: every default written out, so it reads back equal.
pub(crate) fn to_raw(spec: &FieldSpec) -> RawField {
    RawField {
        name: spec.name.clone(),
        field_type: spec.field_type.as_str().to_owned(),
        label: Some(spec.label.clone()),
        required: Some(spec.required),
        enum_values: spec.enum_values.clone(),
        min_length: spec.min_length,
        max_length: spec.max_length,
        minimum: spec.minimum.clone(),
        maximum: spec.maximum.clone(),
        pattern: spec.pattern().map(str::to_owned),
        example: spec.example.clone(),
    }
}

fn plain(name: &str, field_type: FieldType, label: &str) -> RawField {
    RawField {
        name: name.to_owned(),
        field_type: field_type.as_str().to_owned(),
        label: Some(label.to_owned()),
        required: Some(true),
        enum_values: None,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        pattern: None,
        example: None,
    }
}

fn must_be_true(
    step: &str,
    name: &str,
    label: &str,
    message: &str,
) -> Result<FieldSpec, FlowError> {
    let raw = RawField {
        enum_values: Some(vec![Value::Bool(true)]),
        example: Some(Value::Bool(true)),
        ..plain(name, FieldType::Boolean, label)
    };
    let mut spec = build_field(step, &raw)?;
    spec.enum_message = Some(message.to_owned());
    Ok(spec)
}

fn build_field(step: &str, raw: &RawField) -> Result<FieldSpec, FlowError> {
    if !is_field_name(&raw.name) {
        return Err(FlowError::InvalidFieldName {
            step: step.to_owned(),
            field: raw.name.clone(),
        });
    }
    let unsatisfiable = |reason: String| FlowError::UnsatisfiableSchema {
        step: step.to_owned(),
        field: raw.name.clone(),
        reason,
    };
    let field_type =
        FieldType::parse(&raw.field_type).ok_or_else(|| FlowError::UnknownFieldType {
            step: step.to_owned(),
            field: raw.name.clone(),
            field_type: raw.field_type.clone(),
        })?;
    let label = match &raw.label {
        Some(label) if label.trim().is_empty() => {
            return Err(FlowError::EmptyText {
                what: format!("label of field `{}` of step `{step}`", raw.name),
            });
        }
        Some(label) => label.clone(),
        None => raw.name.clone(),
    };
    check_applicable(field_type, raw).map_err(unsatisfiable)?;
    check_bounds(raw).map_err(unsatisfiable)?;
    let pattern = match &raw.pattern {
        Some(source) => Some(
            Pattern::new(source)
                .map_err(|e| unsatisfiable(format!("invalid pattern `{source}`: {e}")))?,
        ),
        None => None,
    };
    let spec = FieldSpec {
        name: raw.name.clone(),
        field_type,
        label,
        required: raw.required.unwrap_or(true),
        enum_values: raw.enum_values.clone(),
        min_length: raw.min_length,
        max_length: raw.max_length,
        minimum: raw.minimum.clone(),
        maximum: raw.maximum.clone(),
        pattern,
        example: raw.example.clone(),
        enum_message: None,
    };
    check_enum(&spec).map_err(unsatisfiable)?;
    if let Some(example) = &spec.example
        && let Some((_, message)) = spec.check(example, true)
    {
        return Err(unsatisfiable(format!(
            "example {example} fails its own spec: {message}"
        )));
    }
    Ok(spec)
}

/// Length and pattern constraints need a text field; range constraints a numeric one.
fn check_applicable(field_type: FieldType, raw: &RawField) -> Result<(), String> {
    let text_only = [
        ("min_length", raw.min_length.is_some()),
        ("max_length", raw.max_length.is_some()),
        ("pattern", raw.pattern.is_some()),
    ];
    let numeric_only = [
        ("minimum", raw.minimum.is_some()),
        ("maximum", raw.maximum.is_some()),
    ];
    if !field_type.is_text()
        && let Some((key, _)) = text_only.iter().find(|(_, set)| *set)
    {
        return Err(format!(
            "{key} applies only to string and email fields, not {field_type}"
        ));
    }
    if !field_type.is_numeric()
        && let Some((key, _)) = numeric_only.iter().find(|(_, set)| *set)
    {
        return Err(format!(
            "{key} applies only to integer and number fields, not {field_type}"
        ));
    }
    Ok(())
}

fn check_bounds(raw: &RawField) -> Result<(), String> {
    if let (Some(min), Some(max)) = (raw.min_length, raw.max_length)
        && min > max
    {
        return Err(format!("min_length {min} is greater than max_length {max}"));
    }
    if let (Some(min), Some(max)) = (&raw.minimum, &raw.maximum)
        && let (Some(lo), Some(hi)) = (min.as_f64(), max.as_f64())
        && lo > hi
    {
        return Err(format!("minimum {min} is greater than maximum {max}"));
    }
    Ok(())
}

/// An enum must offer at least one value, each distinct and valid for the field itself.
fn check_enum(spec: &FieldSpec) -> Result<(), String> {
    let Some(values) = &spec.enum_values else {
        return Ok(());
    };
    if values.is_empty() {
        return Err("enum is empty, so no answer can ever be valid".to_owned());
    }
    for (i, value) in values.iter().enumerate() {
        if let Some((_, message)) = spec.check(value, false) {
            return Err(format!(
                "enum value {value} can never be valid: it {message}"
            ));
        }
        if values[..i]
            .iter()
            .any(|earlier| super::values::json_equal(earlier, value))
        {
            return Err(format!("enum value {value} is listed more than once"));
        }
    }
    Ok(())
}

fn is_field_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.len() <= MAX_FIELD_NAME_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}
