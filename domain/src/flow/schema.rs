//! Answer schemas: what one step's answers object must look like, and its validation.

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::values::is_email;
pub(crate) use super::values::json_equal;

/// The type of one answer field.
///
/// Serialised in snake_case: `"string"`, `"integer"`, `"number"`, `"boolean"`, `"email"`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A JSON number without fraction that fits an `i64` or `u64`.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON string shaped like an email address (`local@domain.tld`, no spaces).
    Email,
}

impl FieldType {
    /// The snake_case name, as written in templates.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Email => "email",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        [
            Self::String,
            Self::Integer,
            Self::Number,
            Self::Boolean,
            Self::Email,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }

    pub(crate) fn is_text(self) -> bool {
        matches!(self, Self::String | Self::Email)
    }

    pub(crate) fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Number)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one answer field was refused. Serialised in snake_case (`"too_short"`, ...).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    /// A required field is missing or `null`.
    Required,
    /// The value has the wrong JSON type (e.g. a number where a string is expected).
    WrongType,
    /// The value is not one of the field's enum values (also: consent or review not `true`).
    NotInEnum,
    /// The string has fewer characters than `min_length`.
    TooShort,
    /// The string has more characters than `max_length`.
    TooLong,
    /// The number is below `minimum`.
    TooSmall,
    /// The number is above `maximum`.
    TooLarge,
    /// The string does not fully match `pattern`, or is not an email address.
    PatternMismatch,
    /// The answers object has a key the schema does not declare.
    UnknownField,
    /// The answers are not a JSON object at all.
    NotAnObject,
}

/// One refused answer field: which field, why (a stable code) and a human message.
///
/// `field` is the field name; for [`FieldErrorCode::NotAnObject`] it is the empty string (the
/// JSON Pointer of the whole answers value).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field name, or `""` for the answers object itself.
    pub field: String,
    /// The stable reason code.
    pub code: FieldErrorCode,
    /// A message for people, e.g. "must be at least 2 characters".
    pub message: String,
}

/// A regex matched against the whole value; compared by its source text.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `source` anchored at both ends. The error is the regex crate's one-line reason.
    pub(crate) fn new(source: &str) -> Result<Self, String> {
        Regex::new(&format!("^(?:{source})$"))
            .map(|regex| Self {
                source: source.to_owned(),
                regex,
            })
            .map_err(|e| {
                let text = e.to_string();
                let last = text.lines().last().unwrap_or("invalid regex").trim();
                // The regex crate's last line reads "error: <reason>".
                last.strip_prefix("error: ").unwrap_or(last).to_owned()
            })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

/// The spec of one answer field: name, type, whether it is required, and its constraints.
///
/// Constraints: `enum` (allowed values), `min_length`/`max_length` (in characters, string and
/// email fields only), `minimum`/`maximum` (inclusive, integer and number fields only),
/// `pattern` (a regex that must match the whole string). `example` is a value that passes the
/// spec, used by demos to fill forms; `label` is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub(crate) name: String,
    pub(crate) field_type: FieldType,
    pub(crate) label: String,
    pub(crate) required: bool,
    pub(crate) enum_values: Option<Vec<Value>>,
    pub(crate) min_length: Option<u32>,
    pub(crate) max_length: Option<u32>,
    pub(crate) minimum: Option<Number>,
    pub(crate) maximum: Option<Number>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) example: Option<Value>,
    /// Replaces the generic enum message, e.g. "consent must be accepted".
    pub(crate) enum_message: Option<String>,
}

impl FieldSpec {
    /// The key of this field in the answers object.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's type.
    pub fn field_type(&self) -> FieldType {
        self.field_type
    }

    /// A label for people (the name when the template gives none).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the field must be present (and not `null`).
    pub fn required(&self) -> bool {
        self.required
    }

    /// The allowed values, if restricted.
    pub fn enum_values(&self) -> Option<&[Value]> {
        self.enum_values.as_deref()
    }

    /// Minimum length in characters (Unicode scalar values), if any.
    pub fn min_length(&self) -> Option<u32> {
        self.min_length
    }

    /// Maximum length in characters (Unicode scalar values), if any.
    pub fn max_length(&self) -> Option<u32> {
        self.max_length
    }

    /// Inclusive lower bound of a numeric field, if any.
    pub fn minimum(&self) -> Option<&Number> {
        self.minimum.as_ref()
    }

    /// Inclusive upper bound of a numeric field, if any.
    pub fn maximum(&self) -> Option<&Number> {
        self.maximum.as_ref()
    }

    /// The regex source the whole string must match (it is anchored when applied), if any.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_ref().map(|p| p.source.as_str())
    }

    /// A value that passes this spec (checked at load), if the template gives one.
    pub fn example(&self) -> Option<&Value> {
        self.example.as_ref()
    }

    /// Checks one present, non-null value: type first, then enum (when `with_enum`), then
    /// length, pattern and range. Returns the first failure.
    pub(crate) fn check(&self, value: &Value, with_enum: bool) -> Option<(FieldErrorCode, String)> {
        if let Some(expected) = self.type_mismatch(value) {
            return Some((FieldErrorCode::WrongType, format!("must be {expected}")));
        }
        if with_enum
            && let Some(allowed) = &self.enum_values
            && !allowed.iter().any(|a| json_equal(a, value))
        {
            let message = self.enum_message.clone().unwrap_or_else(|| {
                let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                format!("must be one of {}", list.join(", "))
            });
            return Some((FieldErrorCode::NotInEnum, message));
        }
        if let Some(text) = value.as_str() {
            if self.field_type == FieldType::Email && !is_email(text) {
                return Some((
                    FieldErrorCode::PatternMismatch,
                    "must be an email address".to_owned(),
                ));
            }
            let chars = text.chars().count();
            if let Some(min) = self.min_length.filter(|m| chars < *m as usize) {
                return Some((
                    FieldErrorCode::TooShort,
                    format!("must be at least {min} characters"),
                ));
            }
            if let Some(max) = self.max_length.filter(|m| chars > *m as usize) {
                return Some((
                    FieldErrorCode::TooLong,
                    format!("must be at most {max} characters"),
                ));
            }
            if let Some(pattern) = self.pattern.as_ref().filter(|p| !p.regex.is_match(text)) {
                return Some((
                    FieldErrorCode::PatternMismatch,
                    format!("must match the pattern `{}`", pattern.source),
                ));
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = self
                .minimum
                .as_ref()
                .filter(|m| m.as_f64().is_some_and(|lo| n < lo))
            {
                return Some((FieldErrorCode::TooSmall, format!("must be at least {min}")));
            }
            if let Some(max) = self
                .maximum
                .as_ref()
                .filter(|m| m.as_f64().is_some_and(|hi| n > hi))
            {
                return Some((FieldErrorCode::TooLarge, format!("must be at most {max}")));
            }
        }
        None
    }

    /// `Some(description of the expected type)` when `value` does not have this field's type.
    fn type_mismatch(&self, value: &Value) -> Option<&'static str> {
        let ok = match self.field_type {
            FieldType::String => value.is_string(),
            FieldType::Integer => value.is_i64() || value.is_u64(),
            FieldType::Number => value.is_number(),
            FieldType::Boolean => value.is_boolean(),
            FieldType::Email => value.is_string(),
        };
        if ok {
            return None;
        }
        Some(match self.field_type {
            FieldType::String => "a string",
            FieldType::Integer => "an integer",
            FieldType::Number => "a number",
            FieldType::Boolean => "true or false",
            FieldType::Email => "a string (an email address)",
        })
    }
}

/// The schema of one step's answers object: its fields, in display order.
///
/// Unknown keys are refused; `null` counts as absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerSchema {
    pub(crate) fields: Vec<FieldSpec>,
}

impl AnswerSchema {
    /// The fields, in the order the template declares them.
    pub fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    /// The field named `name`, if the schema has one.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Validates one step's answers object.
    ///
    /// # Errors
    /// Returns every failing field, not just the first: declared fields in schema order (at
    /// most one error each), then unknown keys in key order. A value that is not a JSON object
    /// gives a single [`FieldErrorCode::NotAnObject`] error with `field` `""`.
    pub fn validate(&self, answers: &Value) -> Result<(), Vec<FieldError>> {
        let Some(object) = answers.as_object() else {
            return Err(vec![FieldError {
                field: String::new(),
                code: FieldErrorCode::NotAnObject,
                message: "answers must be a JSON object".to_owned(),
            }]);
        };
        let errors = self.object_errors(object);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn object_errors(&self, object: &Map<String, Value>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for spec in &self.fields {
            match object.get(&spec.name) {
                None | Some(Value::Null) => {
                    if spec.required {
                        errors.push(FieldError {
                            field: spec.name.clone(),
                            code: FieldErrorCode::Required,
                            message: "is required".to_owned(),
                        });
                    }
                }
                Some(value) => {
                    if let Some((code, message)) = spec.check(value, true) {
                        errors.push(FieldError {
                            field: spec.name.clone(),
                            code,
                            message,
                        });
                    }
                }
            }
        }
        for key in object.keys() {
            if self.field(key).is_none() {
                errors.push(FieldError {
                    field: key.clone(),
                    code: FieldErrorCode::UnknownField,
                    message: "is not a field of this step".to_owned(),
                });
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_pattern_reports_a_one_line_reason() {
        let err = Pattern::new("[a-").expect_err("unclosed class");
        assert!(!err.contains('\n'), "{err}");
    }
}
