//! Stripe v1 events and the payment reports they carry.
//!
//! Envelope (PROVIDERS.md section 1, "Webhooks"; stripe/stripe-dotnet:
//! src/StripeTests/Resources/event_test_signature.json): `{"id": "evt_…", "object": "event",
//! "api_version", "created": <unix seconds>, "data": {"object": {...}, "previous_attributes"?},
//! "livemode", "pending_webhooks", "request": {"id", "idempotency_key"}, "type"}`.
//!
//! "Thin" events (`"object": "v2.core.event"`, event destinations of API v2) carry no object
//! and must not go through the v1 parser (stripe/stripe-python: stripe/_webhook.py;
//! stripe-dotnet EventUtilityTest `RejectV2PayloadInConstructEvent`).

use onramp_domain::ports::{PaymentReport, SubscriptionStatus};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, WebhookRequest};
use serde::Deserialize;
use serde_json::Value;

/// The `object` of a v1 event.
const EVENT: &str = "event";
/// The `object` of a thin (v2) event.
const THIN_EVENT: &str = "v2.core.event";

/// The subscription events reported with the subscription's own status (stripe/stripe-python:
/// stripe/_event.py type list).
const SUBSCRIPTION_EVENTS: [&str; 6] = [
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
];
const TRIAL_WILL_END: &str = "customer.subscription.trial_will_end";

/// The first bits of the envelope, read before anything else so a thin event is named as such.
#[derive(Debug, Deserialize)]
struct Head {
    #[serde(default)]
    object: Option<String>,
}

/// A v1 event (the fields read).
#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Data {
    object: Value,
}

/// The part of a Subscription a `customer.subscription.*` event is read for.
#[derive(Debug, Deserialize)]
struct SubscriptionObject {
    id: String,
    status: String,
}

/// The part of an Invoice an `invoice.*` event is read for.
#[derive(Debug, Deserialize)]
struct InvoiceObject {
    /// `subscription_create` (the first invoice; $0 in a trial), `subscription_cycle` (a
    /// renewal, the first charge after a trial), `subscription_update`, `manual`, ...
    #[serde(default)]
    billing_reason: Option<String>,
    #[serde(default)]
    amount_paid: i64,
    /// API versions before 2025-03-31.basil: the subscription's id (or the expanded object).
    #[serde(default)]
    subscription: Option<Value>,
    /// Newer versions: `parent.subscription_details.subscription` (doc
    /// <https://docs.stripe.com/api/invoices/object#invoice_object-parent>).
    #[serde(default)]
    parent: Option<Parent>,
}

#[derive(Debug, Deserialize)]
struct Parent {
    #[serde(default)]
    subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Deserialize)]
struct SubscriptionDetails {
    #[serde(default)]
    subscription: Option<Value>,
}

/// The part of a SetupIntent a `setup_intent.*` event is read for.
#[derive(Debug, Deserialize)]
struct SetupIntentObject {
    id: String,
    status: String,
}

/// Parses a Stripe webhook body (after [`super::verify`]).
///
/// The event id is `id` (`evt_…`; a redelivery carries the same id), the type `type`, and
/// `payment`:
/// - `customer.subscription.{created,updated,deleted,paused,resumed,trial_will_end}`:
///   [`PaymentReport::Subscription`] for `data.object.id` with `data.object.status`,
///   `trial_will_end` set for `…trial_will_end`;
/// - `invoice.paid` and `invoice.payment_succeeded`: the invoice's subscription with status
///   `active` when `billing_reason` is `subscription_cycle` (the first charge after the trial or
///   a renewal) or, for another reason except `subscription_create`, when `amount_paid > 0`;
///   status None otherwise, in particular for a `subscription_create` invoice (in a trial, the
///   $0 first invoice, which changes nothing);
/// - `invoice.payment_failed`: the invoice's subscription with status `past_due`;
/// - the invoice's subscription is `subscription` (API versions before 2025-03-31.basil) or
///   `parent.subscription_details.subscription` (newer), an id or an expanded object; an
///   invoice of no subscription gives `payment: None`;
/// - `setup_intent.*`: [`PaymentReport::SetupIntent`] with `data.object.id` and `status`;
/// - every other type: `payment: None`.
///
/// `created` is the event's `created`. `report` (code delivery) is always None.
///
/// # Errors
/// [`PayloadError`] when the body is not JSON of a v1 event (a thin `v2.core.event` included),
/// `id` or `type` is empty, or an event of a type above lacks what it is read for (an id, a
/// status Onramp knows).
pub fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    let head: Head = serde_json::from_slice(&request.body)
        .map_err(|e| PayloadError(format!("not a JSON object: {e}")))?;
    match head.object.as_deref() {
        Some(EVENT) => {}
        Some(THIN_EVENT) => {
            return Err(PayloadError(
                "a thin event (v2.core.event) cannot be parsed as a v1 event; configure the \
                 endpoint for snapshot events"
                    .into(),
            ));
        }
        other => {
            return Err(PayloadError(format!("object is {other:?}, not \"event\"")));
        }
    }
    let event: Event = serde_json::from_slice(&request.body)
        .map_err(|e| PayloadError(format!("not a Stripe v1 event: {e}")))?;
    if event.id.trim().is_empty() {
        return Err(PayloadError("id is empty".into()));
    }
    if event.kind.trim().is_empty() {
        return Err(PayloadError("type is empty".into()));
    }
    let payment = payment_report(&event)?;
    Ok(ParsedWebhook {
        event_id: event.id,
        event_type: event.kind,
        report: None,
        payment,
        whatsapp: None,
    })
}

fn payment_report(event: &Event) -> Result<Option<PaymentReport>, PayloadError> {
    let kind = event.kind.as_str();
    if SUBSCRIPTION_EVENTS.contains(&kind) {
        let subscription: SubscriptionObject = object(event)?;
        let status = known_status(kind, &subscription.status)?;
        return Ok(Some(PaymentReport::Subscription {
            subscription: non_empty(kind, subscription.id)?,
            status: Some(status),
            trial_will_end: kind == TRIAL_WILL_END,
            created: event.created,
        }));
    }
    match kind {
        "invoice.paid" | "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let invoice: InvoiceObject = object(event)?;
            let Some(subscription) = invoice_subscription(&invoice) else {
                return Ok(None);
            };
            let status = if kind == "invoice.payment_failed" {
                Some(SubscriptionStatus::PastDue)
            } else {
                paid_status(&invoice)
            };
            Ok(Some(PaymentReport::Subscription {
                subscription: non_empty(kind, subscription)?,
                status,
                trial_will_end: false,
                created: event.created,
            }))
        }
        _ if kind.starts_with("setup_intent.") => {
            let intent: SetupIntentObject = object(event)?;
            Ok(Some(PaymentReport::SetupIntent {
                setup_intent: non_empty(kind, intent.id)?,
                status: intent.status,
                created: event.created,
            }))
        }
        _ => Ok(None),
    }
}

/// The status a paid invoice implies (see [`parse`]).
fn paid_status(invoice: &InvoiceObject) -> Option<SubscriptionStatus> {
    match invoice.billing_reason.as_deref() {
        Some("subscription_cycle") => Some(SubscriptionStatus::Active),
        Some("subscription_create") => None,
        _ if invoice.amount_paid > 0 => Some(SubscriptionStatus::Active),
        _ => None,
    }
}

/// The invoice's subscription id, from either API version's field.
fn invoice_subscription(invoice: &InvoiceObject) -> Option<String> {
    let newer = invoice
        .parent
        .as_ref()
        .and_then(|p| p.subscription_details.as_ref())
        .and_then(|d| d.subscription.as_ref());
    invoice
        .subscription
        .as_ref()
        .and_then(id_of)
        .or_else(|| newer.and_then(id_of))
}

/// An id, or the `id` of an expanded object.
fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Object(map) => map.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn object<T: serde::de::DeserializeOwned>(event: &Event) -> Result<T, PayloadError> {
    T::deserialize(&event.data.object)
        .map_err(|e| PayloadError(format!("{}: data.object does not parse: {e}", event.kind)))
}

fn known_status(kind: &str, status: &str) -> Result<SubscriptionStatus, PayloadError> {
    SubscriptionStatus::parse(status)
        .ok_or_else(|| PayloadError(format!("{kind}: unknown subscription status {status:?}")))
}

fn non_empty(kind: &str, id: String) -> Result<String, PayloadError> {
    if id.trim().is_empty() {
        Err(PayloadError(format!("{kind}: the object's id is empty")))
    } else {
        Ok(id)
    }
}
