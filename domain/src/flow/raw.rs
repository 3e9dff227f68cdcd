//! The serde shape of a flow document, shared by the TOML template and the definition JSON.
//!
//! These types only describe shape; every rule is checked in `validate.rs` when they are turned
//! into a [`Flow`](super::Flow). Ids, kinds and field types are read as plain strings so that a
//! bad one gets its own precise error instead of serde's generic "unknown variant".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use super::ChoiceOption;

/// A whole flow document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFlow {
    pub(crate) id: String,
    pub(crate) version: i64,
    pub(crate) title: String,
    pub(crate) description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inactivity_timeout_seconds: Option<i64>,
    // Defaulted so that a flow without steps gets `FlowError::EmptyFlow`, not a serde message.
    #[serde(default)]
    pub(crate) steps: Vec<RawStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) capability: Option<RawCapability>,
}

/// One `[[steps]]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) estimated_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) admin_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) when: Option<RawCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) options: Option<Vec<ChoiceOption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fields: Option<Vec<RawField>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payment: Option<super::payment::RawPayment>,
}

/// A `when = { step, field, in | not_in | equals }` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub(crate) step: String,
    pub(crate) field: String,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub(crate) in_: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) not_in: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) equals: Option<Value>,
}

/// One `[[steps.fields]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) field_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) required: Option<bool>,
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub(crate) enum_values: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) minimum: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) maximum: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) example: Option<Value>,
}

/// The `[capability]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCapability {
    pub(crate) levels: Vec<RawLevel>,
    #[serde(default)]
    pub(crate) points: BTreeMap<String, i64>,
}

/// One `{ min = n, level = "name" }` threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLevel {
    pub(crate) min: i64,
    pub(crate) level: String,
}
