//! Flow templates as data: ordered steps loaded from TOML and validated on load.
//!
//! A flow template (`spec/flows/*.toml`) lists the steps of one onboarding journey. Each step has
//! a [`StepKind`] that fixes the shape of its answers object (checked by its [`AnswerSchema`]),
//! may be optional, may apply only under a [`Condition`] on an earlier answer, and carries an
//! estimated duration and a chat prompt. A flow may declare a [`CapabilityRule`] that turns the
//! answers of a completed journey into a capability level.
//!
//! Loading checks every rule and reports the first broken one as a precise [`FlowError`], so a
//! [`Flow`] value is always consistent: conditions only look back, schemas can be satisfied,
//! choice options are unique, examples pass their own fields.
//!
//! # Answers by kind
//! | kind | answers |
//! |---|---|
//! | `info` | `{}` |
//! | `consent` | `{"accepted": true}` |
//! | `choice` | `{"choice": "<option id>"}` |
//! | `form` | an object of the declared fields, nothing else |
//! | `phone_verification` | `{"verification_id": "<uuid>"}` |
//! | `review` | `{"confirmed": true}` |
//!
//! # Example
//! ```
//! use onramp_domain::flow::{Flow, StepId};
//!
//! let flow = Flow::from_toml(r#"
//!     id = "tiny"
//!     version = 1
//!     title = "Tiny"
//!     description = "Two steps."
//!
//!     [[steps]]
//!     id = "goal"
//!     kind = "choice"
//!     title = "Your goal"
//!     options = [{ id = "learn", label = "Learn" }, { id = "file", label = "File" }]
//!
//!     [[steps]]
//!     id = "done"
//!     kind = "review"
//!     title = "All set"
//! "#)?;
//! let goal = flow.step(&StepId::parse("goal")?).map(|s| s.schema().clone());
//! assert!(goal.is_some_and(|s| s.validate(&serde_json::json!({"choice": "learn"})).is_ok()));
//! assert_eq!(flow.inactivity_timeout_seconds(), 86_400);
//! # Ok::<(), onramp_domain::flow::FlowError>(())
//! ```

mod capability;
mod condition;
mod definition;
mod error;
mod fields;
mod ids;
mod payment;
mod raw;
mod registry;
mod schema;
mod validate;
mod values;

pub use capability::{CapabilityAssessment, CapabilityLevel, CapabilityPoints, CapabilityRule};
pub use condition::{AnswerLookup, Condition, ConditionTest};
pub use definition::{ChoiceOption, Flow, Step, StepKind};
pub use error::FlowError;
pub use ids::{FlowId, StepId};
pub use payment::{
    CheckoutTerms, DEFAULT_TRIAL_DAYS, DEFAULT_VERIFICATION_AMOUNT, MAX_TRIAL_DAYS, PaymentTerms,
};
pub use registry::load_all;
pub use schema::{AnswerSchema, FieldError, FieldErrorCode, FieldSpec, FieldType};
