//! Why a flow definition was rejected.

/// Why a flow definition (TOML template or definition JSON) was rejected.
///
/// Every variant names the offending place: the step id (as written, since it may itself be
/// invalid), the field, the option. Loading stops at the first problem found, in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The TOML is not well-formed or does not have the shape of a flow: a syntax error, a missing
    /// key, a value of the wrong type, or an unknown key (keys are checked everywhere, so typos
    /// fail here). `line` is 1-based when the parser knows it.
    #[error("invalid flow TOML{}: {message}", at_line(*.line))]
    Toml {
        /// The parser's message, e.g. "unknown field `titel`, expected one of ...".
        message: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
    },
    /// The definition JSON (see `Flow::from_definition_json`) does not have the shape of a flow.
    #[error("invalid flow definition JSON: {message}")]
    Json {
        /// The deserialiser's message.
        message: String,
    },
    /// The flow `id` is not lowercase kebab-case of 1 to 64 characters starting with a letter.
    #[error(
        "invalid flow id `{value}`: expected lowercase kebab-case, 1 to 64 characters, starting with a letter"
    )]
    InvalidFlowId {
        /// The id as written.
        value: String,
    },
    /// A step id (or a step named by a condition or capability rule) does not match
    /// `^[a-z][a-z0-9_-]{0,63}$`.
    #[error(
        "invalid step id `{value}`: expected 1 to 64 characters of a-z, 0-9, `_` or `-`, starting with a letter"
    )]
    InvalidStepId {
        /// The id as written.
        value: String,
    },
    /// `version` is not an integer from 1 to 4294967295.
    #[error("invalid flow version {version}: expected an integer from 1 to 4294967295")]
    InvalidVersion {
        /// The version as written.
        version: i64,
    },
    /// `inactivity_timeout_seconds` is not a positive number of seconds.
    #[error("invalid inactivity_timeout_seconds {seconds}: expected a positive number of seconds")]
    InvalidTimeout {
        /// The timeout as written, in seconds.
        seconds: i64,
    },
    /// A text that must say something is empty or blank: `what` names it, e.g. "title of step `goal`".
    #[error("the {what} must not be empty")]
    EmptyText {
        /// Which text, e.g. "flow title" or "label of option `learn` of step `goal`".
        what: String,
    },
    /// The flow has no steps.
    #[error("the flow has no steps: add at least one [[steps]] table")]
    EmptyFlow,
    /// A step's `kind` is not one of the known kinds.
    #[error(
        "step `{step}` has unknown kind `{kind}`: expected one of info, consent, choice, form, phone_verification, review"
    )]
    UnknownStepKind {
        /// The step id as written.
        step: String,
        /// The kind as written.
        kind: String,
    },
    /// A payment step's `[steps.payment]` table is missing or wrong, or another kind has one.
    #[error("step `{step}`: {message}")]
    InvalidPayment {
        /// The step id.
        step: String,
        /// What is wrong.
        message: String,
    },
    /// Two steps share one id.
    #[error("step id `{step}` is used by more than one step")]
    DuplicateStepId {
        /// The repeated id.
        step: String,
    },
    /// A `choice` step has no `options`.
    #[error(
        "choice step `{step}` has no options: add `options = [{{ id = \"...\", label = \"...\" }}]`"
    )]
    ChoiceWithoutOptions {
        /// The step id.
        step: String,
    },
    /// A step that is not a `choice` declares `options`.
    #[error("step `{step}` of kind {kind} declares options, but only choice steps have options")]
    OptionsNotAllowed {
        /// The step id.
        step: String,
        /// The step's kind.
        kind: String,
    },
    /// An option id is not `[a-z0-9_-]+`.
    #[error(
        "step `{step}` has an invalid option id `{option}`: expected 1 or more of a-z, 0-9, `_` or `-`"
    )]
    InvalidOptionId {
        /// The step id.
        step: String,
        /// The option id as written.
        option: String,
    },
    /// Two options of one choice step share an id.
    #[error("step `{step}` has more than one option with id `{option}`")]
    DuplicateOption {
        /// The step id.
        step: String,
        /// The repeated option id.
        option: String,
    },
    /// A `form` step declares no fields (use an `info` step for a page without answers).
    #[error(
        "form step `{step}` has no fields: add [[steps.fields]] tables, or make it an info step"
    )]
    FormWithoutFields {
        /// The step id.
        step: String,
    },
    /// A step that is not a `form` declares `fields` other than the fixed schema of its kind.
    #[error(
        "step `{step}` of kind {kind} declares fields, but its answer schema is fixed by its kind: remove `fields`"
    )]
    FieldsNotAllowed {
        /// The step id.
        step: String,
        /// The step's kind.
        kind: String,
    },
    /// A field name is not `^[a-z][a-z0-9_]{0,63}$`.
    #[error(
        "step `{step}` has an invalid field name `{field}`: expected 1 to 64 characters of a-z, 0-9 or `_`, starting with a letter"
    )]
    InvalidFieldName {
        /// The step id.
        step: String,
        /// The field name as written.
        field: String,
    },
    /// Two fields of one form share a name.
    #[error("step `{step}` has more than one field named `{field}`")]
    DuplicateField {
        /// The step id.
        step: String,
        /// The repeated field name.
        field: String,
    },
    /// A field's `type` is not string, integer, number, boolean or email.
    #[error(
        "field `{field}` of step `{step}` has unknown type `{field_type}`: expected one of string, integer, number, boolean, email"
    )]
    UnknownFieldType {
        /// The step id.
        step: String,
        /// The field name.
        field: String,
        /// The type as written.
        field_type: String,
    },
    /// A field's constraints contradict each other or themselves, so some or all answers can
    /// never be valid: `min_length` above `max_length`, `minimum` above `maximum`, an invalid
    /// regex, an empty `enum`, an enum value or example that fails the field's own spec, or a
    /// constraint that does not apply to the field's type.
    #[error("field `{field}` of step `{step}` has an unsatisfiable schema: {reason}")]
    UnsatisfiableSchema {
        /// The step id.
        step: String,
        /// The field name.
        field: String,
        /// What is wrong, e.g. "min_length 10 is greater than max_length 5".
        reason: String,
    },
    /// A `when` condition is malformed: not exactly one of `in`, `not_in`, `equals`, or an
    /// empty list.
    #[error("the condition of step `{step}` is invalid: {reason}")]
    InvalidCondition {
        /// The step carrying the condition.
        step: String,
        /// What is wrong.
        reason: String,
    },
    /// A `when` condition refers to a step that does not exist.
    #[error("the condition of step `{step}` refers to step `{refers_to}`, which does not exist")]
    UnknownConditionStep {
        /// The step carrying the condition.
        step: String,
        /// The step id the condition names.
        refers_to: String,
    },
    /// A `when` condition refers to the step itself or to a later step, whose answers cannot be
    /// known yet.
    #[error(
        "the condition of step `{step}` refers to step `{refers_to}`, which does not come before it"
    )]
    ConditionOnLaterStep {
        /// The step carrying the condition.
        step: String,
        /// The step id the condition names.
        refers_to: String,
    },
    /// A `when` condition names a field the referenced step's answer schema does not have.
    #[error(
        "the condition of step `{step}` refers to field `{field}` of step `{refers_to}`, which has no such field"
    )]
    ConditionFieldUnknown {
        /// The step carrying the condition.
        step: String,
        /// The step the condition names.
        refers_to: String,
        /// The field name the condition names.
        field: String,
    },
    /// A `when` condition compares with a value the referenced field can never hold (not in its
    /// enum, wrong type, ...): almost always a typo.
    #[error(
        "the condition of step `{step}` compares field `{field}` of step `{refers_to}` with {value}, which that field can never hold"
    )]
    ConditionValueUnknown {
        /// The step carrying the condition.
        step: String,
        /// The step the condition names.
        refers_to: String,
        /// The field the condition names.
        field: String,
        /// The impossible value, as JSON.
        value: String,
    },
    /// The `[capability]` rule is invalid: unknown step or option in `points`, levels not in
    /// strictly ascending order, first level above 0, an unreachable level, ...
    #[error("invalid capability rule: {message}")]
    CapabilityRule {
        /// What is wrong.
        message: String,
    },
    /// Two templates passed to `load_all` have the same id and version.
    #[error("flow `{id}` version {version} is defined more than once")]
    DuplicateFlow {
        /// The flow id.
        id: String,
        /// The repeated version.
        version: u32,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}
