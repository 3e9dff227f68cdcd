//! The capability rule: how a completed journey's answers become a capability level.
//!
//! Declared in the template as data:
//!
//! ```toml
//! [capability]
//! levels = [{ min = 0, level = "beginner" }, { min = 4, level = "intermediate" }]
//! [capability.points]
//! "goal.file" = 2          # "<choice step id>.<option id>" = points (may be negative)
//! "confidence.high" = 4
//! ```
//!
//! The score is the sum of the points of every chosen option; the level is the last one whose
//! `min` is at most the score (the first level is also the floor for negative scores).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{RawCapability, RawLevel};
use super::{AnswerLookup, FlowError, Step, StepId, StepKind};

/// One threshold: a score of at least `min` earns `level` (unless a later threshold applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityLevel {
    min: i64,
    level: String,
}

impl CapabilityLevel {
    /// The lowest score (points) that earns this level.
    pub fn min(&self) -> i64 {
        self.min
    }

    /// The level's name, e.g. `intermediate` (`^[a-z][a-z0-9_-]*$`).
    pub fn level(&self) -> &str {
        &self.level
    }
}

/// Points for choosing one option of one choice step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityPoints {
    step: StepId,
    option: String,
    points: i64,
}

impl CapabilityPoints {
    /// The choice step.
    pub fn step(&self) -> &StepId {
        &self.step
    }

    /// The option id of that step.
    pub fn option(&self) -> &str {
        &self.option
    }

    /// Points added to the score when that option is chosen (may be negative).
    pub fn points(&self) -> i64 {
        self.points
    }
}

/// The outcome of a capability rule: the level earned and the score (points) behind it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityAssessment {
    /// The level's name, e.g. `advanced`.
    pub level: String,
    /// The sum of the points of the options chosen.
    pub score: i64,
}

/// A flow's capability rule (TOML `[capability]`): points per chosen option, and ordered
/// thresholds that turn the total into a level. Checked at load: levels non-empty, strictly
/// ascending `min`, first `min` at most 0, distinct names, the highest level reachable; every
/// points key names an existing choice step and one of its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityRule {
    levels: Vec<CapabilityLevel>,
    points: Vec<CapabilityPoints>,
}

impl CapabilityRule {
    /// Scores `answers` (step id -> that step's answers object; a choice step's answers are
    /// `{"choice": "<option id>"}`) and picks the level. Skipped or unanswered steps score 0.
    /// The sum saturates at the `i64` bounds.
    pub fn evaluate(&self, answers: &(impl AnswerLookup + ?Sized)) -> CapabilityAssessment {
        let score = self
            .points
            .iter()
            .filter(|p| {
                answers
                    .answers_of(&p.step)
                    .and_then(|a| a.get("choice"))
                    .and_then(Value::as_str)
                    == Some(p.option.as_str())
            })
            .fold(0_i64, |sum, p| sum.saturating_add(p.points));
        let level = self
            .levels
            .iter()
            .rev()
            .find(|l| l.min <= score)
            .or(self.levels.first())
            .map(|l| l.level.clone())
            .unwrap_or_default();
        CapabilityAssessment { level, score }
    }

    /// The thresholds, in strictly ascending order of `min`.
    pub fn levels(&self) -> &[CapabilityLevel] {
        &self.levels
    }

    /// The points per option, ordered by `"step.option"` key.
    pub fn points(&self) -> &[CapabilityPoints] {
        &self.points
    }

    pub(crate) fn to_raw(&self) -> RawCapability {
        RawCapability {
            levels: self
                .levels
                .iter()
                .map(|l| RawLevel {
                    min: l.min,
                    level: l.level.clone(),
                })
                .collect(),
            points: self
                .points
                .iter()
                .map(|p| (format!("{}.{}", p.step, p.option), p.points))
                .collect(),
        }
    }
}

/// Builds and checks the rule against the flow's (already built) steps.
pub(crate) fn build_capability(
    raw: &RawCapability,
    steps: &[Step],
) -> Result<CapabilityRule, FlowError> {
    let fail = |message: String| FlowError::CapabilityRule { message };
    let levels = build_levels(&raw.levels).map_err(fail)?;
    let mut points = Vec::with_capacity(raw.points.len());
    for (key, value) in &raw.points {
        let Some((step_text, option)) = key.split_once('.') else {
            return Err(fail(format!(
                "points key `{key}` must be \"<step id>.<option id>\""
            )));
        };
        let step = steps
            .iter()
            .find(|s| s.id().as_str() == step_text)
            .ok_or_else(|| {
                fail(format!(
                    "points key `{key}` names step `{step_text}`, which does not exist"
                ))
            })?;
        if step.kind() != StepKind::Choice {
            return Err(fail(format!(
                "points key `{key}` names step `{step_text}`, which is a {} step, not a choice step",
                step.kind()
            )));
        }
        if !step.options().iter().any(|o| o.id == option) {
            return Err(fail(format!(
                "points key `{key}` names option `{option}`, which step `{step_text}` does not offer"
            )));
        }
        points.push(CapabilityPoints {
            step: step.id().clone(),
            option: option.to_owned(),
            points: *value,
        });
    }
    let best = best_score(&points, steps);
    if let Some(top) = levels.last().filter(|top| top.min > best) {
        return Err(fail(format!(
            "level `{}` needs {} points but the highest possible score is {best}",
            top.level, top.min
        )));
    }
    Ok(CapabilityRule { levels, points })
}

fn build_levels(raw: &[RawLevel]) -> Result<Vec<CapabilityLevel>, String> {
    let Some(first) = raw.first() else {
        return Err("`levels` is empty: give at least one { min = 0, level = \"...\" }".to_owned());
    };
    if first.min > 0 {
        return Err(format!(
            "the first level `{}` has min {}, but it must be at most 0 so that every score has a level",
            first.level, first.min
        ));
    }
    let mut levels: Vec<CapabilityLevel> = Vec::with_capacity(raw.len());
    for l in raw {
        if !is_level_name(&l.level) {
            return Err(format!(
                "invalid level name `{}`: expected a-z, 0-9, `_` or `-`, starting with a letter",
                l.level
            ));
        }
        if let Some(previous) = levels.last().filter(|p| p.min >= l.min) {
            return Err(format!(
                "levels must be in strictly ascending order of min: `{}` (min {}) comes after `{}` (min {})",
                l.level, l.min, previous.level, previous.min
            ));
        }
        if levels.iter().any(|p| p.level == l.level) {
            return Err(format!("level `{}` is listed more than once", l.level));
        }
        levels.push(CapabilityLevel {
            min: l.min,
            level: l.level.clone(),
        });
    }
    Ok(levels)
}

/// The highest score any journey can reach: per step, its best option (an option without points
/// scores 0, and a step that may be skipped scores at least 0).
fn best_score(points: &[CapabilityPoints], steps: &[Step]) -> i64 {
    steps
        .iter()
        .filter(|s| points.iter().any(|p| &p.step == s.id()))
        .map(|s| {
            let for_option = |option: &str| {
                points
                    .iter()
                    .find(|p| &p.step == s.id() && p.option == option)
                    .map_or(0, |p| p.points)
            };
            let best_option = s
                .options()
                .iter()
                .map(|o| for_option(&o.id))
                .max()
                .unwrap_or(0);
            let may_skip = !s.required() || s.when().is_some();
            if may_skip {
                best_option.max(0)
            } else {
                best_option
            }
        })
        .fold(0_i64, i64::saturating_add)
}

fn is_level_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}
