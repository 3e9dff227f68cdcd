//! PayPal request and response bodies, as the OpenAPI description
//! (`../shared/provider-specs/paypal.json`) names them, and their conversion to domain types.

use onramp_domain::money::Money;
use onramp_domain::ports::{CaptureInfo, CaptureStatus};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// `order_request`: the body of `POST /v2/checkout/orders`.
#[derive(Debug, Serialize)]
pub(crate) struct OrderRequest<'a> {
    /// Always `CAPTURE` (`checkout_payment_intent`).
    pub intent: &'static str,
    /// One purchase unit.
    pub purchase_units: [PurchaseUnitRequest<'a>; 1],
    /// Only when a return or cancel URL is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_source: Option<PaymentSource<'a>>,
}

/// `purchase_unit_request`.
#[derive(Debug, Serialize)]
pub(crate) struct PurchaseUnitRequest<'a> {
    pub reference_id: &'a str,
    pub custom_id: &'a str,
    pub description: &'a str,
    pub amount: MoneyWire,
}

/// `money` (and `amount_with_breakdown` without a breakdown): `{currency_code, value}` with
/// `value` a decimal string in major units.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MoneyWire {
    pub currency_code: String,
    pub value: String,
}

/// `payment_source` with only `paypal`.
#[derive(Debug, Serialize)]
pub(crate) struct PaymentSource<'a> {
    pub paypal: PaypalWallet<'a>,
}

/// `paypal_wallet` with only `experience_context`.
#[derive(Debug, Serialize)]
pub(crate) struct PaypalWallet<'a> {
    pub experience_context: ExperienceContext<'a>,
}

/// `paypal_wallet_experience_context`: where the buyer returns. (`application_context` holds
/// the same fields but is deprecated in the description in favour of this object.)
#[derive(Debug, Serialize)]
pub(crate) struct ExperienceContext<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<&'a str>,
}

/// `order_capture_request` with no payment source: `{}` (the buyer approved at PayPal).
#[derive(Debug, Serialize)]
pub(crate) struct CaptureRequest {}

/// The parts of `order` the adapter reads.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Order {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub purchase_units: Vec<PurchaseUnit>,
    /// Deprecated in favour of `payment_source.paypal`, still answered.
    #[serde(default)]
    pub payer: Option<EmailHolder>,
    #[serde(default)]
    pub payment_source: Option<PaymentSourceResponse>,
}

/// `link_description`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Link {
    pub href: String,
    pub rel: String,
}

/// `purchase_unit` (the part read).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PurchaseUnit {
    #[serde(default)]
    pub payments: Option<Payments>,
}

/// `payment_collection` (the part read).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Payments {
    #[serde(default)]
    pub captures: Vec<Capture>,
}

/// `capture` (the part read); also the `resource` of `PAYMENT.CAPTURE.*` webhooks.
#[derive(Debug, Deserialize)]
pub(crate) struct Capture {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: Option<MoneyWire>,
}

/// Anything with an optional `email_address` (`payer`, `paypal_wallet_response`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EmailHolder {
    #[serde(default)]
    pub email_address: Option<String>,
}

/// `payment_source_response` (the part read).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PaymentSourceResponse {
    #[serde(default)]
    pub paypal: Option<EmailHolder>,
}

/// The answer of `POST /v1/oauth2/token` (paypal/PayPal-TypeScript-Server-SDK:
/// src/models/oAuthToken.ts).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    /// Lifetime in seconds (`28800` in paypal/PayPal-node-SDK test/mocks/notification.js).
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// The body of `POST /v1/notifications/verify-webhook-signature`
/// (`verify_webhook_signature`); `webhook_event` is the delivery's body, verbatim.
#[derive(Debug, Serialize)]
pub(crate) struct VerifySignature<'a> {
    pub auth_algo: &'a str,
    pub cert_url: &'a str,
    pub transmission_id: &'a str,
    pub transmission_sig: &'a str,
    pub transmission_time: &'a str,
    pub webhook_id: &'a str,
    pub webhook_event: &'a RawValue,
}

/// The answer of the verify call: `{"verification_status": "SUCCESS" | "FAILURE"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct VerificationAnswer {
    pub verification_status: String,
}

impl Order {
    /// The buyer's approval link: `rel: approve`, else `rel: payer-action` (answered when the
    /// order carries a `payment_source.paypal.experience_context`; PROVIDERS.md section 2).
    pub fn approve_url(&self) -> Option<&str> {
        ["approve", "payer-action"].iter().find_map(|rel| {
            self.links
                .iter()
                .find(|l| l.rel.eq_ignore_ascii_case(rel) && !l.href.trim().is_empty())
                .map(|l| l.href.as_str())
        })
    }

    /// `purchase_units[0].payments.captures[0]`.
    pub fn first_capture(&self) -> Option<&Capture> {
        self.purchase_units
            .first()?
            .payments
            .as_ref()?
            .captures
            .first()
    }

    /// `payer.email_address`, else `payment_source.paypal.email_address`.
    pub fn payer_email(&self) -> Option<String> {
        let from_payer = self.payer.as_ref().and_then(|p| p.email_address.clone());
        from_payer
            .or_else(|| {
                self.payment_source
                    .as_ref()
                    .and_then(|s| s.paypal.as_ref())
                    .and_then(|w| w.email_address.clone())
            })
            .filter(|e| !e.trim().is_empty())
    }
}

/// A capture's `status` (`capture_status.status`: `COMPLETED`, `DECLINED`,
/// `PARTIALLY_REFUNDED`, `PENDING`, `REFUNDED`, `FAILED`) as the domain's; None for another
/// word.
pub(crate) fn capture_status(text: &str) -> Option<CaptureStatus> {
    Some(match text {
        "COMPLETED" => CaptureStatus::Completed,
        "PENDING" => CaptureStatus::Pending,
        "DECLINED" => CaptureStatus::Declined,
        "FAILED" => CaptureStatus::Failed,
        "REFUNDED" | "PARTIALLY_REFUNDED" => CaptureStatus::Refunded,
        _ => return None,
    })
}

impl Capture {
    /// The capture as the domain reads it; `default_status` when PayPal left `status` out.
    ///
    /// # Errors
    /// What is missing or wrong: an empty id, an unknown status, no amount, an amount that is
    /// not a valid [`Money`] of its currency.
    pub fn to_info(
        &self,
        default_status: Option<CaptureStatus>,
        payer_email: Option<String>,
    ) -> Result<CaptureInfo, String> {
        if self.id.trim().is_empty() {
            return Err("a capture without an id".into());
        }
        let status = match &self.status {
            Some(text) => {
                capture_status(text).ok_or_else(|| format!("unknown capture status {text:?}"))?
            }
            None => default_status.ok_or("a capture without a status")?,
        };
        let amount = self.amount.as_ref().ok_or("a capture without an amount")?;
        let amount = Money::from_decimal(&amount.value, &amount.currency_code)
            .map_err(|e| format!("capture amount: {e}"))?;
        Ok(CaptureInfo {
            capture_id: self.id.clone(),
            status,
            amount,
            payer_email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_request_is_the_descriptions_shape() {
        let body = OrderRequest {
            intent: "CAPTURE",
            purchase_units: [PurchaseUnitRequest {
                reference_id: "o-1",
                custom_id: "o-1",
                description: "pro",
                amount: MoneyWire {
                    currency_code: "USD".into(),
                    value: "12.34".into(),
                },
            }],
            payment_source: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"intent": "CAPTURE", "purchase_units": [{"reference_id": "o-1",
                "custom_id": "o-1", "description": "pro",
                "amount": {"currency_code": "USD", "value": "12.34"}}]})
        );
        assert_eq!(serde_json::to_string(&CaptureRequest {}).unwrap(), "{}");
    }

    #[test]
    fn the_approve_link_wins_over_payer_action() {
        let order: Order = serde_json::from_value(serde_json::json!({"id": "5O190127TN364715T",
            "links": [{"href": "https://www.paypal.com/checkoutnow?token=A", "rel": "payer-action"},
                      {"href": "https://www.paypal.com/checkoutnow?token=B", "rel": "approve"}]}))
        .unwrap();
        assert_eq!(
            order.approve_url(),
            Some("https://www.paypal.com/checkoutnow?token=B")
        );
    }

    #[test]
    fn every_capture_status_maps_and_unknown_ones_do_not() {
        assert_eq!(capture_status("COMPLETED"), Some(CaptureStatus::Completed));
        assert_eq!(
            capture_status("PARTIALLY_REFUNDED"),
            Some(CaptureStatus::Refunded)
        );
        assert_eq!(capture_status("DECLINED"), Some(CaptureStatus::Declined));
        assert_eq!(capture_status("completed"), None);
    }

    #[test]
    fn a_capture_amount_reads_as_money_in_minor_units() {
        let capture: Capture =
            serde_json::from_value(serde_json::json!({"id": "3C679366HH908993F",
            "status": "COMPLETED", "amount": {"currency_code": "JPY", "value": "500"}}))
            .unwrap();
        let info = capture.to_info(None, None).unwrap();
        assert_eq!(info.amount, Money::new(500, "JPY").unwrap());
        let bad: Capture = serde_json::from_value(serde_json::json!({"id": "3C6",
            "status": "COMPLETED", "amount": {"currency_code": "USD", "value": "1.234"}}))
        .unwrap();
        assert!(bad.to_info(None, None).unwrap_err().contains("amount"));
    }
}
