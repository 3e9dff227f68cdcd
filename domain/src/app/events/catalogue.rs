//! The catalogue of tenant-facing event types (issue 12, item 1): every type a tenant can be
//! told about, with what it means. The OpenAPI document's `webhooks` section is generated from
//! it, and the events API refuses a type filter naming anything else.

/// The catalogue's version: it changes when a type is removed or a payload loses a field
/// (adding types or fields does not change it). Sent as `catalogue_version` with every event.
pub const CATALOGUE_VERSION: &str = "2026-12-08";

/// One event type of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// Dotted name, `{object}.{change}`.
    pub name: &'static str,
    /// The kind of object `data.object` holds (`session`, `verification`, `trial`, `order`,
    /// `customer`, `whatsapp_account`, `integration`, `webhook_endpoint`).
    pub object: &'static str,
    /// What happened, for the documentation.
    pub description: &'static str,
}

const fn t(name: &'static str, object: &'static str, description: &'static str) -> EventType {
    EventType {
        name,
        object,
        description,
    }
}

/// Every tenant-facing event type, grouped by object.
pub const CATALOGUE: &[EventType] = &[
    t(
        "session.started",
        "session",
        "An onboarding session started on a flow.",
    ),
    t(
        "session.step_completed",
        "session",
        "A step's answers were accepted; `data.step_id` names it.",
    ),
    t(
        "session.step_skipped",
        "session",
        "An optional step was skipped; `data.step_id` names it.",
    ),
    t(
        "session.paused",
        "session",
        "The person paused the session (\"continue later\").",
    ),
    t(
        "session.resumed",
        "session",
        "A paused session was resumed.",
    ),
    t(
        "session.completed",
        "session",
        "Every required step is done: the session is complete.",
    ),
    t(
        "session.abandoned",
        "session",
        "The session was abandoned; `data.reason` says why when known.",
    ),
    t(
        "session.expired",
        "session",
        "The session passed its inactivity timeout.",
    ),
    t(
        "verification.sent",
        "verification",
        "A code was handed to a channel; `data.channel`, `data.fallback`.",
    ),
    t(
        "verification.failed",
        "verification",
        "A delivery of the code failed; `data.channel`, `data.provider`.",
    ),
    t(
        "verification.check_failed",
        "verification",
        "A wrong code was entered; `data.failed_checks`.",
    ),
    t(
        "verification.approved",
        "verification",
        "The right code was entered: the phone is verified.",
    ),
    t(
        "verification.locked",
        "verification",
        "Too many wrong codes: the verification is locked.",
    ),
    t(
        "verification.expired",
        "verification",
        "The code expired unused.",
    ),
    t(
        "trial.started",
        "trial",
        "The card was verified and the free trial started; `data.ends_at`.",
    ),
    t(
        "trial.card_declined",
        "trial",
        "The card was declined; `data.decline_code`.",
    ),
    t(
        "trial.will_end",
        "trial",
        "The trial ends soon (the reminder is due).",
    ),
    t(
        "trial.converted",
        "trial",
        "The trial converted to a paid subscription.",
    ),
    t(
        "trial.past_due",
        "trial",
        "A payment at or after the trial's end failed.",
    ),
    t(
        "trial.canceled",
        "trial",
        "The trial or its subscription was canceled.",
    ),
    t(
        "order.approved",
        "order",
        "The buyer approved the PayPal order.",
    ),
    t("order.captured", "order", "The payment was captured."),
    t("order.capture_denied", "order", "The capture was denied."),
    t(
        "order.refunded",
        "order",
        "The captured payment was refunded.",
    ),
    t(
        "customer.created",
        "customer",
        "A customer account was opened (a converted trial or a paid order).",
    ),
    t(
        "customer.updated",
        "customer",
        "A customer account's status changed.",
    ),
    t(
        "whatsapp_account.signup_started",
        "whatsapp_account",
        "WhatsApp Embedded Signup began.",
    ),
    t(
        "whatsapp_account.submitted",
        "whatsapp_account",
        "A WhatsApp sender was submitted to its BSP for review.",
    ),
    t(
        "whatsapp_account.activated",
        "whatsapp_account",
        "The WhatsApp Business Account is connected and its number registered.",
    ),
    t(
        "whatsapp_account.failed",
        "whatsapp_account",
        "A step of the WhatsApp set-up failed; `data.step`, `data.reason`.",
    ),
    t(
        "whatsapp_account.approved",
        "whatsapp_account",
        "The sender passed review.",
    ),
    t(
        "whatsapp_account.rejected",
        "whatsapp_account",
        "The sender was rejected; `data.reason`.",
    ),
    t(
        "whatsapp_account.reviewed",
        "whatsapp_account",
        "Meta reviewed the account; `data.decision`.",
    ),
    t(
        "whatsapp_account.quality_changed",
        "whatsapp_account",
        "Meta reported the number's quality; `data.rating`.",
    ),
    t(
        "whatsapp_account.updated",
        "whatsapp_account",
        "Meta reported a change to the account (a restriction, a ban); `data.event`.",
    ),
    t(
        "integration.health_changed",
        "integration",
        "A provider integration's health changed; `data.previous_status`.",
    ),
    t(
        "webhook_endpoint.disabled",
        "webhook_endpoint",
        "The server disabled one of the tenant's webhook endpoints: it answered 410 Gone, or failed every delivery for 5 days; `data.reason`.",
    ),
];

/// The catalogue's entry for `name`, `None` when there is none.
pub fn event_type(name: &str) -> Option<&'static EventType> {
    CATALOGUE.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed_by_their_object() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            assert!(a.name.starts_with(&format!("{}.", a.object)), "{}", a.name);
            assert!(
                CATALOGUE[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
    }
}
