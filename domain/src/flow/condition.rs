//! `when` conditions: a step applies only if an earlier step's answer passes a test.

use std::collections::BTreeMap;

use serde_json::Value;

use super::raw::RawCondition;
use super::values::json_equal;
use super::{FlowError, Step, StepId};

/// Where conditions and capability rules read a step's answers object: a session's answers
/// (`BTreeMap<StepId, Value>`), or those with one step's new answers laid over them (what the
/// session decider looks ahead at, without copying the session).
pub trait AnswerLookup {
    /// The answers object of `step`, `None` when it has none (not answered, skipped).
    fn answers_of(&self, step: &StepId) -> Option<&Value>;
}

impl AnswerLookup for BTreeMap<StepId, Value> {
    fn answers_of(&self, step: &StepId) -> Option<&Value> {
        self.get(step)
    }
}

/// The test a condition applies to the referenced answer field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionTest {
    /// Holds when the answer equals one of these values (TOML `in = [...]`).
    In(Vec<Value>),
    /// Holds when the answer is present and equals none of these values (TOML `not_in = [...]`).
    NotIn(Vec<Value>),
    /// Holds when the answer equals this value (TOML `equals = ...`).
    Equals(Value),
}

/// A condition on one field of an earlier step's answers, e.g.
/// `when = { step = "income_type", field = "choice", in = ["self_employed", "business"] }`.
///
/// Numbers compare by value (`1` equals `1.0`). If the referenced step was skipped or not
/// answered yet, or the field is absent or `null`, the condition is false, for `not_in` too:
/// no answer means "not applicable", never "matches by absence".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    step: StepId,
    field: String,
    test: ConditionTest,
}

impl Condition {
    /// True when the condition holds on the answers given so far. `answers` maps step id to
    /// that step's answers object (as accepted by its [`AnswerSchema`](super::AnswerSchema)).
    pub fn evaluate(&self, answers: &(impl AnswerLookup + ?Sized)) -> bool {
        let Some(value) = answers
            .answers_of(&self.step)
            .and_then(|a| a.get(&self.field))
            .filter(|v| !v.is_null())
        else {
            return false;
        };
        match &self.test {
            ConditionTest::In(values) => values.iter().any(|v| json_equal(v, value)),
            ConditionTest::NotIn(values) => !values.iter().any(|v| json_equal(v, value)),
            ConditionTest::Equals(expected) => json_equal(expected, value),
        }
    }

    /// The step this condition depends on (always an earlier step of the same flow).
    pub fn step(&self) -> &StepId {
        &self.step
    }

    /// The field of that step's answers the condition reads.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The test applied to that field.
    pub fn test(&self) -> &ConditionTest {
        &self.test
    }

    pub(crate) fn to_raw(&self) -> RawCondition {
        let (in_, not_in, equals) = match &self.test {
            ConditionTest::In(v) => (Some(v.clone()), None, None),
            ConditionTest::NotIn(v) => (None, Some(v.clone()), None),
            ConditionTest::Equals(v) => (None, None, Some(v.clone())),
        };
        RawCondition {
            step: self.step.as_str().to_owned(),
            field: self.field.clone(),
            in_,
            not_in,
            equals,
        }
    }
}

/// Builds the condition of step `owner`; `earlier` are the steps before it, in order, and
/// `all_ids` every step id of the flow (to tell "unknown" from "later").
pub(crate) fn build_condition(
    owner: &str,
    raw: &RawCondition,
    earlier: &[Step],
    all_ids: &[StepId],
) -> Result<Condition, FlowError> {
    let invalid = |reason: &str| FlowError::InvalidCondition {
        step: owner.to_owned(),
        reason: reason.to_owned(),
    };
    let test = match (&raw.in_, &raw.not_in, &raw.equals) {
        (Some(v), None, None) if v.is_empty() => {
            return Err(invalid("`in` is empty, so it never holds"));
        }
        (None, Some(v), None) if v.is_empty() => {
            return Err(invalid("`not_in` is empty: drop the condition instead"));
        }
        (Some(v), None, None) => ConditionTest::In(v.clone()),
        (None, Some(v), None) => ConditionTest::NotIn(v.clone()),
        (None, None, Some(v)) => ConditionTest::Equals(v.clone()),
        _ => return Err(invalid("give exactly one of `in`, `not_in` or `equals`")),
    };
    let unknown = || FlowError::UnknownConditionStep {
        step: owner.to_owned(),
        refers_to: raw.step.clone(),
    };
    // An id that cannot parse cannot name any step, so it is unknown rather than invalid.
    let refers_to = StepId::parse(&raw.step).map_err(|_| unknown())?;
    let Some(target) = earlier.iter().find(|s| s.id() == &refers_to) else {
        return Err(if all_ids.contains(&refers_to) {
            FlowError::ConditionOnLaterStep {
                step: owner.to_owned(),
                refers_to: raw.step.clone(),
            }
        } else {
            unknown()
        });
    };
    let Some(spec) = target.schema().field(&raw.field) else {
        return Err(FlowError::ConditionFieldUnknown {
            step: owner.to_owned(),
            refers_to: raw.step.clone(),
            field: raw.field.clone(),
        });
    };
    let values: Vec<&Value> = match &test {
        ConditionTest::In(v) | ConditionTest::NotIn(v) => v.iter().collect(),
        ConditionTest::Equals(v) => vec![v],
    };
    if let Some(bad) = values.into_iter().find(|v| spec.check(v, true).is_some()) {
        return Err(FlowError::ConditionValueUnknown {
            step: owner.to_owned(),
            refers_to: raw.step.clone(),
            field: raw.field.clone(),
            value: bad.to_string(),
        });
    }
    Ok(Condition {
        step: refers_to,
        field: raw.field.clone(),
        test,
    })
}
