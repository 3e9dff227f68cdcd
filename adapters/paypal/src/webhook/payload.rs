//! PayPal's webhook event envelope and the Orders v2 events it carries.
//!
//! Envelope (PROVIDERS.md section 2, "Webhooks"; doc
//! <https://developer.paypal.com/api/webhooks/v1/simulate-event-post>): `{"id": "WH-...",
//! "event_version": "1.0", "create_time": "2019-02-14T21:50:07.940Z", "resource_type",
//! "resource_version": "2.0", "event_type", "summary", "resource": {...}, "links": [...]}`.
//!
//! Resources (doc <https://developer.paypal.com/api/rest/webhooks/event-names/>, and PayPal's
//! sample deliveries):
//! - `CHECKOUT.ORDER.APPROVED`: `resource_type` `checkout-order`, the order (`id`, `status:
//!   APPROVED`, `purchase_units`, `payer`, `links`);
//! - `PAYMENT.CAPTURE.*`: `resource_type` `capture`, the capture (`id`, `status`, `amount
//!   {currency_code, value}`, `supplementary_data.related_ids.order_id`, `links` with
//!   `rel: up` to `/v2/checkout/orders/{order id}`);
//! - `PAYMENT.CAPTURE.REFUNDED`: `resource_type` `refund`, the refund (`id`, `amount`,
//!   `status`, `links` with `rel: up` to `/v2/payments/captures/{capture id}`).

use onramp_domain::ports::{CaptureStatus, OrderEvent, PaymentReport};
use onramp_provider_kit::webhook::{ParsedWebhook, PayloadError, WebhookRequest};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::wire::{Capture, Link};

/// The envelope (the fields read).
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    event_type: String,
    #[serde(default)]
    create_time: Option<String>,
    #[serde(default)]
    resource: Option<Value>,
}

/// `supplementary_data.related_ids` and `links`, which captures and refunds share.
#[derive(Debug, Default, Deserialize)]
struct Related {
    #[serde(default)]
    supplementary_data: Option<SupplementaryData>,
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Debug, Default, Deserialize)]
struct SupplementaryData {
    #[serde(default)]
    related_ids: Option<RelatedIds>,
}

#[derive(Debug, Default, Deserialize)]
struct RelatedIds {
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    capture_id: Option<String>,
}

/// An order's or a refund's `id` (the field read).
#[derive(Debug, Deserialize)]
struct WithId {
    id: String,
}

impl Related {
    fn ids(&self) -> Option<&RelatedIds> {
        self.supplementary_data.as_ref()?.related_ids.as_ref()
    }

    /// `related_ids.order_id`, else the order id of a `rel: up` link to
    /// `/v2/checkout/orders/{id}`.
    fn order_id(&self) -> Option<String> {
        non_empty(self.ids().and_then(|ids| ids.order_id.clone()))
            .or_else(|| self.up_link_id("/v2/checkout/orders/"))
    }

    /// `related_ids.capture_id`, else the capture id of a `rel: up` link to
    /// `/v2/payments/captures/{id}`.
    fn capture_id(&self) -> Option<String> {
        non_empty(self.ids().and_then(|ids| ids.capture_id.clone()))
            .or_else(|| self.up_link_id("/v2/payments/captures/"))
    }

    /// The last path segment of the `rel: up` link whose path starts with `prefix`.
    fn up_link_id(&self, prefix: &str) -> Option<String> {
        self.links
            .iter()
            .filter(|l| l.rel.eq_ignore_ascii_case("up"))
            .filter_map(|l| url::Url::parse(&l.href).ok())
            .find_map(|u| {
                let id = u.path().strip_prefix(prefix)?.trim_end_matches('/');
                (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
            })
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// Parses a PayPal webhook body (after verification).
///
/// The event id is `id` (a repeat of a delivery carries the same id), the type `event_type`.
/// `payment` is a [`PaymentReport::Order`] whose `created` is the envelope's `create_time` in
/// unix seconds:
/// - `CHECKOUT.ORDER.APPROVED`: [`OrderEvent::Approved`], `reference` the order's `id`;
/// - `PAYMENT.CAPTURE.COMPLETED`: [`OrderEvent::CaptureCompleted`] with the capture (status
///   from the resource, `Completed` when absent; no payer e-mail: captures do not carry it);
/// - `PAYMENT.CAPTURE.PENDING`: [`OrderEvent::CapturePending`];
/// - `PAYMENT.CAPTURE.DENIED` and `PAYMENT.CAPTURE.DECLINED`: [`OrderEvent::CaptureDenied`];
///
///   for these three, `reference` is `supplementary_data.related_ids.order_id`, else the order
///   of the `rel: up` link, else the capture's own id;
/// - `PAYMENT.CAPTURE.REFUNDED`: [`OrderEvent::CaptureRefunded`] with the refunded capture
///   (`related_ids.capture_id`, else the `rel: up` link's); `reference` is the order id when
///   the refund names it, else that capture id.
///
/// Every other event type parses with `payment: None`; `report` is always None.
///
/// # Errors
/// [`PayloadError`] when the body is not JSON of that envelope, `id` or `event_type` is empty,
/// or an event listed above lacks its resource, its resource's id, a `create_time` in RFC 3339,
/// a capture amount that is valid money, or (refunds) the refunded capture's id.
pub fn parse(request: &WebhookRequest) -> Result<ParsedWebhook, PayloadError> {
    let envelope: Envelope = serde_json::from_slice(&request.body)
        .map_err(|e| PayloadError(format!("not a PayPal webhook event: {e}")))?;
    if envelope.id.trim().is_empty() {
        return Err(PayloadError("id is empty".into()));
    }
    if envelope.event_type.trim().is_empty() {
        return Err(PayloadError("event_type is empty".into()));
    }
    let payment = match envelope.event_type.as_str() {
        "CHECKOUT.ORDER.APPROVED"
        | "PAYMENT.CAPTURE.COMPLETED"
        | "PAYMENT.CAPTURE.PENDING"
        | "PAYMENT.CAPTURE.DENIED"
        | "PAYMENT.CAPTURE.DECLINED"
        | "PAYMENT.CAPTURE.REFUNDED" => Some(order_report(&envelope)?),
        _ => None,
    };
    Ok(ParsedWebhook {
        event_id: envelope.id,
        event_type: envelope.event_type,
        report: None,
        payment,
        whatsapp: None,
    })
}

fn order_report(envelope: &Envelope) -> Result<PaymentReport, PayloadError> {
    let kind = envelope.event_type.as_str();
    let created = created(envelope)?;
    let resource = envelope
        .resource
        .clone()
        .ok_or_else(|| PayloadError(format!("{kind} without a resource")))?;
    let resource_error = |e: serde_json::Error| PayloadError(format!("{kind} resource: {e}"));
    let related: Related = serde_json::from_value(resource.clone()).map_err(resource_error)?;
    let (reference, event) = match kind {
        "CHECKOUT.ORDER.APPROVED" => {
            let order: WithId = serde_json::from_value(resource).map_err(resource_error)?;
            (order.id, OrderEvent::Approved)
        }
        "PAYMENT.CAPTURE.REFUNDED" => {
            let refund: WithId = serde_json::from_value(resource).map_err(resource_error)?;
            let capture_id = related.capture_id().ok_or_else(|| {
                PayloadError(format!(
                    "refund {} names no capture (related_ids.capture_id or a rel: up link)",
                    refund.id
                ))
            })?;
            let reference = related.order_id().unwrap_or_else(|| capture_id.clone());
            (reference, OrderEvent::CaptureRefunded { capture_id })
        }
        _ => {
            let capture: Capture = serde_json::from_value(resource).map_err(resource_error)?;
            let reference = related.order_id().unwrap_or_else(|| capture.id.clone());
            let event = match kind {
                "PAYMENT.CAPTURE.COMPLETED" => OrderEvent::CaptureCompleted {
                    capture: capture
                        .to_info(Some(CaptureStatus::Completed), None)
                        .map_err(|e| PayloadError(format!("{kind}: {e}")))?,
                },
                "PAYMENT.CAPTURE.PENDING" => OrderEvent::CapturePending {
                    capture_id: capture.id,
                },
                _ => OrderEvent::CaptureDenied {
                    capture_id: capture.id,
                },
            };
            (reference, event)
        }
    };
    if reference.trim().is_empty() {
        return Err(PayloadError(format!("{kind} resource id is empty")));
    }
    if let OrderEvent::CapturePending { capture_id } | OrderEvent::CaptureDenied { capture_id } =
        &event
        && capture_id.trim().is_empty()
    {
        return Err(PayloadError(format!("{kind} capture id is empty")));
    }
    Ok(PaymentReport::Order {
        reference,
        event,
        created,
    })
}

/// The envelope's `create_time` (RFC 3339, e.g. `2019-02-14T21:50:07.940Z`) in unix seconds.
fn created(envelope: &Envelope) -> Result<i64, PayloadError> {
    let text = envelope
        .create_time
        .as_deref()
        .ok_or_else(|| PayloadError(format!("{} without create_time", envelope.event_type)))?;
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| PayloadError(format!("create_time {text:?} is not RFC 3339: {e}")))
}
