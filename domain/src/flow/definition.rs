//! The validated flow: [`Flow`], its [`Step`]s and their kinds, and the two document forms
//! (TOML template, definition JSON) it is read from and written to.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{RawFlow, RawStep};
use super::{AnswerSchema, CapabilityRule, Condition, FlowError, FlowId, StepId, fields, validate};

/// What a step asks of the person, which fixes the shape of its answers object.
///
/// Serialised in snake_case: `"info"`, `"consent"`, `"choice"`, `"form"`,
/// `"phone_verification"`, `"review"`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Information to acknowledge; answers `{}`.
    Info,
    /// Consent to give; answers `{"accepted": true}` (`false` is refused).
    Consent,
    /// One option to pick; answers `{"choice": "<option id>"}`.
    Choice,
    /// Fields to fill; answers an object of the declared fields, nothing else.
    Form,
    /// A phone number to verify; answers `{"verification_id": "<uuid>"}`, and the session
    /// completes the step only once that verification is approved.
    PhoneVerification,
    /// Everything to confirm; answers `{"confirmed": true}` (`false` is refused).
    Review,
    /// A card on file and a free trial (`[steps.payment]`: price, days, card-check amount);
    /// answers `{"trial_id": "<uuid>"}`, and the session completes the step only once that
    /// trial of this session has started.
    CardOnFileTrial,
    /// A one-off PayPal purchase (`[steps.payment]`: plan, amount, currency); answers
    /// `{"order_id": "<uuid>"}`, and the session completes the step only once that order of
    /// this session is captured.
    PaypalCheckout,
    /// Meta's Embedded Signup of the customer's WhatsApp Business Account (MISSION.md D);
    /// answers `{"waba_account_id": "<uuid>"}`, and the session completes the step only once
    /// that account of this session is active (every step of the signup saga done).
    #[serde(rename = "whatsapp_signup")]
    WhatsAppSignup,
    /// A WhatsApp sender created through the BSP (Sinch, MISSION.md A); answers
    /// `{"waba_account_id": "<uuid>"}`, and the session completes the step once that account of
    /// this session is submitted for review (approval takes 24-48 h and is tracked on the
    /// account).
    #[serde(rename = "whatsapp_sender")]
    WhatsAppSender,
}

impl StepKind {
    /// Every kind, in declaration order.
    pub const ALL: [StepKind; 10] = [
        Self::Info,
        Self::Consent,
        Self::Choice,
        Self::Form,
        Self::PhoneVerification,
        Self::Review,
        Self::CardOnFileTrial,
        Self::PaypalCheckout,
        Self::WhatsAppSignup,
        Self::WhatsAppSender,
    ];

    /// The snake_case name, as written in templates.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Consent => "consent",
            Self::Choice => "choice",
            Self::Form => "form",
            Self::PhoneVerification => "phone_verification",
            Self::Review => "review",
            Self::CardOnFileTrial => "card_on_file_trial",
            Self::PaypalCheckout => "paypal_checkout",
            Self::WhatsAppSignup => "whatsapp_signup",
            Self::WhatsAppSender => "whatsapp_sender",
        }
    }

    /// The kind named `text` (snake_case), if any.
    pub fn from_name(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One option of a choice step. `id` (`[a-z0-9_-]+`, unique in its step) is what answers
/// carry; `label` is shown to people.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// The option's id, e.g. `self_employed`.
    pub id: String,
    /// Text for people, e.g. "Self-employed".
    pub label: String,
}

/// One validated step of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub(crate) id: StepId,
    pub(crate) kind: StepKind,
    pub(crate) title: String,
    pub(crate) required: bool,
    pub(crate) when: Option<Condition>,
    pub(crate) estimated_seconds: u32,
    pub(crate) prompt: Option<String>,
    pub(crate) options: Vec<ChoiceOption>,
    pub(crate) schema: AnswerSchema,
    pub(crate) admin_only: bool,
    pub(crate) payment: Option<super::payment::PaymentTerms>,
}

impl Step {
    /// The step's id, unique in its flow.
    pub fn id(&self) -> &StepId {
        &self.id
    }

    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        self.kind
    }

    /// What a payment step charges (`card_on_file_trial`, `paypal_checkout`); `None` for
    /// other kinds.
    pub fn payment(&self) -> Option<&super::payment::PaymentTerms> {
        self.payment.as_ref()
    }

    /// The step's title, for people.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Whether the step must be answered (TOML `required`, default true); optional steps may be
    /// skipped.
    pub fn required(&self) -> bool {
        self.required
    }

    /// The condition under which the step applies (TOML `when`); `None` means always.
    pub fn when(&self) -> Option<&Condition> {
        self.when.as_ref()
    }

    /// Expected time to answer, in seconds (TOML `estimated_seconds`, default 60).
    pub fn estimated_seconds(&self) -> u32 {
        self.estimated_seconds
    }

    /// The chat prompt (e.g. the WhatsApp text), if any.
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// The options of a choice step, in order; empty for other kinds.
    pub fn options(&self) -> &[ChoiceOption] {
        &self.options
    }

    /// The schema of this step's answers object (generated for every kind but `form`).
    pub fn schema(&self) -> &AnswerSchema {
        &self.schema
    }

    /// Whether only a tenant administrator may answer this step (TOML `admin_only`, default false).
    pub fn admin_only(&self) -> bool {
        self.admin_only
    }

    fn to_raw(&self) -> RawStep {
        RawStep {
            id: self.id.as_str().to_owned(),
            kind: self.kind.as_str().to_owned(),
            title: self.title.clone(),
            required: Some(self.required),
            estimated_seconds: Some(self.estimated_seconds),
            admin_only: Some(self.admin_only),
            prompt: self.prompt.clone(),
            when: self.when.as_ref().map(Condition::to_raw),
            options: (self.kind == StepKind::Choice).then(|| self.options.clone()),
            fields: Some(self.schema.fields().iter().map(fields::to_raw).collect()),
            payment: self.payment.as_ref().map(super::payment::to_raw),
        }
    }
}

/// A validated flow template: an ordered list of steps, pinned by id and version.
///
/// Built only by [`Flow::from_toml`] or [`Flow::from_definition_json`], which check every rule
/// (see [`FlowError`]), so a `Flow` value is always consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub(crate) id: FlowId,
    pub(crate) version: u32,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) inactivity_timeout_seconds: u64,
    pub(crate) steps: Vec<Step>,
    pub(crate) capability: Option<CapabilityRule>,
}

impl Flow {
    /// Parses and validates a TOML template (the format of `spec/flows/*.toml`).
    ///
    /// # Errors
    /// [`FlowError::Toml`] (with the 1-based line when known) for syntax errors, a missing or
    /// mistyped key or an unknown key; any other [`FlowError`] variant for a rule the document
    /// breaks.
    pub fn from_toml(source: &str) -> Result<Flow, FlowError> {
        let raw: RawFlow = toml::from_str(source).map_err(|e| FlowError::Toml {
            message: e.message().trim().to_owned(),
            line: e.span().map(|span| line_of(source, span.start)),
        })?;
        validate::build_flow(&raw)
    }

    /// Reads back the JSON written by [`Flow::to_definition_json`], validating it again.
    ///
    /// # Errors
    /// [`FlowError::Json`] when the value does not have the shape of a flow; any other
    /// [`FlowError`] variant for a rule it breaks, exactly as for TOML.
    pub fn from_definition_json(value: &Value) -> Result<Flow, FlowError> {
        let raw = RawFlow::deserialize(value).map_err(|e| FlowError::Json {
            message: e.to_string(),
        })?;
        validate::build_flow(&raw)
    }

    /// The public JSON view of the flow (served by `GET /v1/flows/{id}`).
    ///
    /// Same keys as the TOML template with every default written out, plus each step's
    /// effective answer schema under `fields` (generated for kinds other than `form`):
    /// `{"id", "version", "title", "description", "inactivity_timeout_seconds",
    /// "steps": [{"id", "kind", "title", "required", "estimated_seconds", "admin_only",
    /// "prompt"?, "when"?, "options"? (choice only), "fields": [{"name", "type", "label",
    /// "required", "enum"?, "min_length"?, "max_length"?, "minimum"?, "maximum"?, "pattern"?,
    /// "example"?}]}], "capability"?: {"levels": [{"min", "level"}], "points": {"step.option": n}}}`.
    pub fn to_definition_json(&self) -> Value {
        let raw = RawFlow {
            id: self.id.as_str().to_owned(),
            version: i64::from(self.version),
            title: self.title.clone(),
            description: self.description.clone(),
            inactivity_timeout_seconds: Some(
                i64::try_from(self.inactivity_timeout_seconds).unwrap_or(i64::MAX),
            ),
            steps: self.steps.iter().map(Step::to_raw).collect(),
            capability: self.capability.as_ref().map(CapabilityRule::to_raw),
        };
        // Cannot fail: every map key is a string and no Serialize impl here returns an error.
        serde_json::to_value(raw).unwrap_or(Value::Null)
    }

    /// A canonical text of the definition: the compact JSON of [`Flow::to_definition_json`]
    /// with object keys sorted at every level, so equal flows give equal strings in every build.
    /// Not a hash; compare whole strings.
    pub fn digest(&self) -> String {
        let mut out = String::new();
        write_canonical(&self.to_definition_json(), &mut out);
        out
    }

    /// The flow's id.
    pub fn id(&self) -> &FlowId {
        &self.id
    }

    /// The template version (TOML `version`, at least 1).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The flow's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The flow's description (may be empty).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Seconds without activity after which a session of this flow expires (TOML
    /// `inactivity_timeout_seconds`, default 86 400 = 1 day, always positive).
    pub fn inactivity_timeout_seconds(&self) -> u64 {
        self.inactivity_timeout_seconds
    }

    /// The steps, in order (never empty).
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step with this id, if any.
    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.steps.iter().find(|s| &s.id == id)
    }

    /// The 0-based position of the step with this id, if any.
    pub fn step_index(&self, id: &StepId) -> Option<usize> {
        self.steps.iter().position(|s| &s.id == id)
    }

    /// The rule giving a capability level on completion (TOML `[capability]`), if any.
    pub fn capability_rule(&self) -> Option<&CapabilityRule> {
        self.capability.as_ref()
    }
}

/// 1-based line of byte offset `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    let before = source.get(..offset).unwrap_or(source);
    before.bytes().filter(|b| *b == b'\n').count() + 1
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
