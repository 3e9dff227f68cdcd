//! The request and response bodies of the API, as far as the CLI reads them. Unknown keys are
//! ignored so that a newer server keeps working with this CLI.

use serde::{Deserialize, Serialize};

/// An RFC 9457 problem+json body.
#[derive(Debug, Clone, Deserialize)]
pub struct Problem {
    /// Stable machine-readable code, e.g. `ONBOARDING_SESSION_NOT_FOUND`.
    pub code: String,
    /// What went wrong and what to fix.
    #[serde(default)]
    pub detail: String,
    /// Failing fields, for validation errors.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait, for rate limits.
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
}

/// One failing field of a validation problem.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldProblem {
    /// The field.
    pub field: String,
    /// What is wrong with it.
    #[serde(default)]
    pub message: String,
}

/// `201` of `POST /admin/v1/tenants`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedTenant {
    /// Tenant id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The secret API key, shown once.
    pub api_key: String,
}

/// `GET /v1/flows`.
#[derive(Debug, Clone, Deserialize)]
pub struct FlowList {
    /// The templates.
    pub data: Vec<FlowSummary>,
}

/// One template of `GET /v1/flows`.
#[derive(Debug, Clone, Deserialize)]
pub struct FlowSummary {
    /// Id.
    pub id: String,
    /// Newest version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Number of steps.
    pub steps: usize,
    /// Sum of the steps' estimates, seconds.
    pub estimated_seconds: u64,
}

/// Body of `POST /v1/sessions`.
#[derive(Debug, Clone, Serialize)]
pub struct StartSession {
    /// Flow template id.
    pub flow_id: String,
    /// `web`, `whatsapp`, ...
    pub channel: String,
    /// E.164 phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The tenant's own reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// A session as the API returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionView {
    /// Id.
    pub id: String,
    /// Flow id.
    pub flow_id: String,
    /// Pinned flow version.
    pub flow_version: u32,
    /// `active`, `paused`, `completed`, ...
    pub status: String,
    /// The session's phone, E.164.
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether that phone was verified.
    #[serde(default)]
    pub phone_verified: bool,
    /// The step to answer now.
    #[serde(default)]
    pub current_step: Option<String>,
    /// Every step with its status.
    pub steps: Vec<StepView>,
    /// Progress.
    pub progress: Progress,
    /// Capability level, on completion of a flow that has a rule.
    #[serde(default)]
    pub capability: Option<Capability>,
}

impl SessionView {
    /// The status of step `id` (`pending`, `current`, `completed`, `skipped`, `not_applicable`).
    pub fn step_status(&self, id: &str) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.status.as_str())
    }
}

/// A step in a session view.
#[derive(Debug, Clone, Deserialize)]
pub struct StepView {
    /// Step id.
    pub id: String,
    /// Status.
    pub status: String,
}

/// A session's progress.
#[derive(Debug, Clone, Deserialize)]
pub struct Progress {
    /// 0..=100.
    pub percent: u8,
    /// Required applicable steps done.
    pub completed: u32,
    /// Required applicable steps.
    pub total: u32,
    /// Estimated seconds left.
    pub estimated_seconds_remaining: u64,
    /// What to do next.
    pub next_action: NextAction,
}

/// The next recommended action.
#[derive(Debug, Clone, Deserialize)]
pub struct NextAction {
    /// `submit_step`, `verify_phone`, `resume`, `complete`, `none`.
    pub kind: String,
    /// A sentence for the person.
    #[serde(default)]
    pub message: String,
}

/// A capability assessment.
#[derive(Debug, Clone, Deserialize)]
pub struct Capability {
    /// Level name.
    pub level: String,
    /// Score.
    pub score: i64,
}

/// `GET /v1/sessions/{id}/events`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventPage {
    /// Events in order.
    pub data: Vec<EventView>,
}

/// One audit-trail entry.
#[derive(Debug, Clone, Deserialize)]
pub struct EventView {
    /// Position in the stream, from 1.
    pub version: u64,
    /// Dotted type.
    #[serde(rename = "type")]
    pub event_type: String,
}

/// Body of `POST /v1/verifications`.
#[derive(Debug, Clone, Serialize)]
pub struct StartVerification {
    /// E.164 phone.
    pub phone: String,
    /// `voice` or `sms`; the server's default (voice) when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The session whose phone step this completes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// A verification as the API returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct VerificationView {
    /// Id.
    pub id: String,
    /// `pending`, `approved`, `expired`, `locked`, ...
    pub status: String,
    /// Phone.
    pub phone: String,
    /// Sends left this hour for the phone.
    #[serde(default)]
    pub sends_remaining: u32,
    /// Wrong checks left.
    #[serde(default)]
    pub checks_remaining: u32,
    /// Delivery attempts, in order.
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

/// One delivery attempt.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivery {
    /// 1, 2, ...
    pub seq: u32,
    /// Which code it carries (1, then +1 per resend).
    pub generation: u32,
    /// `voice` or `sms`.
    pub channel: String,
    /// `queued`, `delivered` or `failed`.
    pub status: String,
    /// An automatic fallback after a failed attempt.
    #[serde(default)]
    pub fallback: bool,
    /// The provider that answered.
    #[serde(default)]
    pub provider: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `GET /v1/integrations`.
#[derive(Debug, Clone, Deserialize)]
pub struct IntegrationList {
    /// One entry per provider.
    pub data: Vec<IntegrationSummary>,
}

/// What `onramp` reads of one provider's integration.
#[derive(Debug, Clone, Deserialize)]
pub struct IntegrationSummary {
    /// Provider name (`telnyx`, `twilio`, `sinch`, `stripe`, `paypal`).
    pub provider: String,
    /// Whether credentials (the tenant's or the server's) are in force: the provider is called
    /// instead of the sandbox.
    pub live: bool,
}

/// `GET /v1/sandbox/messages`.
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxMessages {
    /// Messages, oldest first.
    pub data: Vec<SandboxMessage>,
}

/// A voice call or SMS the sandbox delivered (or failed to).
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxMessage {
    /// Message id (the delivery id), unique in the inbox.
    pub id: String,
    /// `voice` or `sms`.
    pub channel: String,
    /// The text read or sent.
    #[serde(default)]
    pub body: String,
    /// The code it carried.
    #[serde(default)]
    pub code: Option<String>,
    /// `delivered` or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(default)]
    pub failure: Option<String>,
}
