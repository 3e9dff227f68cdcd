//! Identifiers of flows and steps: validated text newtypes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::FlowError;

/// Longest flow or step id, in characters (ASCII, so also bytes).
const MAX_ID_LEN: usize = 64;

/// The id of a flow template, e.g. `conversational-profile`.
///
/// Shape: lowercase kebab-case, 1 to 64 ASCII characters, starting with a letter; words of
/// `a-z0-9` joined by single hyphens (`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`). Serialises as a plain
/// string; deserialising checks the same rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FlowId(String);

impl FlowId {
    /// Parses a flow id from untrusted text.
    ///
    /// # Errors
    /// Returns [`FlowError::InvalidFlowId`] when `text` is not lowercase kebab-case of 1 to 64
    /// characters starting with a letter.
    pub fn parse(text: &str) -> Result<Self, FlowError> {
        if is_flow_id(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(FlowError::InvalidFlowId {
                value: text.to_owned(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a step inside one flow, e.g. `income_type` or `admin-phone`.
///
/// Shape: `^[a-z][a-z0-9_-]{0,63}$` (snake_case or kebab-case, 1 to 64 ASCII characters).
/// Serialises as a plain string; deserialising checks the same rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StepId(String);

impl StepId {
    /// Parses a step id from untrusted text.
    ///
    /// # Errors
    /// Returns [`FlowError::InvalidStepId`] when `text` does not match `^[a-z][a-z0-9_-]{0,63}$`.
    pub fn parse(text: &str) -> Result<Self, FlowError> {
        if is_step_id(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(FlowError::InvalidStepId {
                value: text.to_owned(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_id_impls {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = FlowError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FlowError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

text_id_impls!(FlowId);
text_id_impls!(StepId);

fn is_flow_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    bytes.len() <= MAX_ID_LEN
        && first.is_ascii_lowercase()
        && !text.ends_with('-')
        && !text.contains("--")
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn is_step_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    bytes.len() <= MAX_ID_LEN
        && first.is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_ids_are_lowercase_kebab_case() {
        for ok in ["a", "platform-setup", "flow-2", &"a".repeat(64)] {
            assert!(FlowId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "1a",
            "a b",
            &"a".repeat(65),
        ] {
            assert_eq!(
                FlowId::parse(bad),
                Err(FlowError::InvalidFlowId {
                    value: bad.to_owned()
                })
            );
        }
    }

    #[test]
    fn step_ids_allow_snake_and_kebab_case() {
        for ok in ["a", "income_type", "admin-phone", "step_2", &"a".repeat(64)] {
            assert!(StepId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "_a", "2a", "Income", "a.b", "a b", &"a".repeat(65)] {
            assert!(StepId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_serialise_as_strings_and_deserialising_checks_them() {
        let id = StepId::parse("goal").expect("valid id");
        assert_eq!(serde_json::to_string(&id).expect("serialises"), "\"goal\"");
        assert_eq!(
            serde_json::from_str::<StepId>("\"goal\"").expect("parses"),
            id
        );
        assert!(serde_json::from_str::<FlowId>("\"Not Valid\"").is_err());
    }
}
