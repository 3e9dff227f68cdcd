//! Stripe v1 request bodies and the parts of the answers the adapter reads.
//!
//! Requests are `application/x-www-form-urlencoded` with Stripe's bracket notation for nested
//! fields (`metadata[onramp_trial]`, `items[0][price]`,
//! `trial_settings[end_behavior][missing_payment_method]`): serde's urlencoding cannot produce
//! them (CRATES.md pitfall 9), so each body is written as a list of name/value pairs, which
//! reqwest's `form` encodes. The field names and enums are the OpenAPI description's
//! (`../shared/provider-specs/stripe.json`: `PostCustomers`, `PostPaymentMethodsPaymentMethodAttach`,
//! `PostPaymentIntents`, `PostPaymentIntentsIntentCancel`, `PostSubscriptions`).
//!
//! The description has no response schemas; the answer shapes are Stripe's objects as the SDKs
//! model them (stripe/stripe-go: customer.go, paymentmethod.go, paymentintent.go,
//! subscription.go) and as the error body `{"error": {...}}` of stripe/stripe-python:
//! stripe/_api_requestor.py.

use onramp_domain::ports::{AttachCard, CardAuthorization, NewCustomer, TrialSubscription};
use serde::Deserialize;

/// One form body: `(name, value)` pairs in the order they are sent.
pub(crate) type Form = Vec<(&'static str, String)>;

/// The metadata key under which Onramp's trial id is stored (`metadata[onramp_trial]`).
pub(crate) const TRIAL_METADATA: &str = "metadata[onramp_trial]";

/// `POST /v1/customers`: `email`, `phone` when known, `metadata[onramp_trial]`.
pub(crate) fn customer_form(customer: &NewCustomer) -> Form {
    let mut form = vec![("email", customer.email.clone())];
    if let Some(phone) = &customer.phone {
        form.push(("phone", phone.clone()));
    }
    form.push((TRIAL_METADATA, customer.trial_ref.clone()));
    form
}

/// `POST /v1/payment_methods/{payment_method}/attach`: `customer`.
pub(crate) fn attach_form(card: &AttachCard) -> Form {
    vec![("customer", card.customer.clone())]
}

/// `POST /v1/payment_intents`: a manual-capture PaymentIntent confirmed at once, off session
/// (the customer is not there to authenticate): `amount` in minor units, `currency` in lower
/// case (the description: "Three-letter ISO currency code, in lowercase"), `customer`,
/// `payment_method`, `capture_method=manual`, `confirm=true`, `off_session=true`.
///
/// The amount is sent as [`Money`](onramp_domain::money::Money) holds it, in ISO 4217 minor
/// units; Stripe's "smallest currency unit" is the same except for the special cases of doc
/// <https://docs.stripe.com/currencies#special-cases>, which are not converted here.
pub(crate) fn authorization_form(auth: &CardAuthorization) -> Form {
    vec![
        ("amount", auth.amount.amount.to_string()),
        ("currency", auth.amount.currency.to_ascii_lowercase()),
        ("customer", auth.customer.clone()),
        ("payment_method", auth.payment_method.clone()),
        ("capture_method", "manual".into()),
        ("confirm", "true".into()),
        ("off_session", "true".into()),
    ]
}

/// `POST /v1/payment_intents/{intent}/cancel`: `cancellation_reason=abandoned` (the card check
/// is given up on purpose; the description's enum: `abandoned`, `duplicate`, `fraudulent`,
/// `requested_by_customer`).
pub(crate) fn void_form() -> Form {
    vec![("cancellation_reason", "abandoned".into())]
}

/// `POST /v1/subscriptions`: one item at `price`, the card as `default_payment_method`, the
/// trial length, cancellation when the trial ends without a payment method (doc
/// <https://docs.stripe.com/billing/subscriptions/trials/free-trials>), `off_session=true`
/// and `metadata[onramp_trial]`.
pub(crate) fn trial_form(trial: &TrialSubscription) -> Form {
    vec![
        ("customer", trial.customer.clone()),
        ("items[0][price]", trial.price.clone()),
        ("default_payment_method", trial.payment_method.clone()),
        ("trial_period_days", trial.trial_days.to_string()),
        (
            "trial_settings[end_behavior][missing_payment_method]",
            "cancel".into(),
        ),
        ("off_session", "true".into()),
        (TRIAL_METADATA, trial.trial_ref.clone()),
    ]
}

/// Any Stripe object, when only its id is read (a Customer).
#[derive(Debug, Deserialize)]
pub(crate) struct Object {
    pub id: String,
}

/// The part of a PaymentMethod the adapter reads.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentMethod {
    pub id: String,
    /// `card`, `sepa_debit`, ...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Present for `type: card`.
    #[serde(default)]
    pub card: Option<Card>,
}

/// `payment_method.card`.
#[derive(Debug, Deserialize)]
pub(crate) struct Card {
    pub brand: String,
    pub last4: String,
    /// Uniquely identifies the card number for the account (null in rare cases).
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// The part of a PaymentIntent the adapter reads.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentIntent {
    pub id: String,
    pub status: String,
}

/// The part of a Subscription the adapter reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Subscription {
    pub id: String,
    pub status: String,
    /// Unix seconds; null when there is no trial.
    #[serde(default)]
    pub trial_end: Option<i64>,
}

/// `{"error": ApiError}`, every Stripe error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ApiError,
}

/// A Stripe error: `type` is `card_error`, `invalid_request_error`, `idempotency_error`,
/// `api_error`, ...; `code` a short string such as `card_declined` or `resource_missing`;
/// `decline_code` the issuer's reason for card errors.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiError {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    /// The PaymentIntent concerned, on PaymentIntent errors (a declined confirmation, a cancel
    /// in the wrong state).
    #[serde(default)]
    pub payment_intent: Option<IntentState>,
}

/// `error.payment_intent`, the fields read.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IntentState {
    #[serde(default)]
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use onramp_domain::ids::TenantId;
    use onramp_domain::money::Money;
    use onramp_domain::ports::IdempotencyKey;

    use super::*;

    fn key() -> IdempotencyKey {
        let tenant = TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap();
        IdempotencyKey::derive(tenant, "s1", 0, "op")
    }

    #[test]
    fn the_phone_is_sent_only_when_known() {
        let mut customer = NewCustomer {
            tenant: TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap(),
            email: "a@example.com".into(),
            phone: None,
            trial_ref: "tr_1".into(),
            key: key(),
        };
        let names: Vec<_> = customer_form(&customer).iter().map(|p| p.0).collect();
        assert_eq!(names, ["email", TRIAL_METADATA]);
        customer.phone = Some("+14155550123".into());
        let names: Vec<_> = customer_form(&customer).iter().map(|p| p.0).collect();
        assert_eq!(names, ["email", "phone", TRIAL_METADATA]);
    }

    #[test]
    fn the_currency_is_sent_in_lower_case() {
        let auth = CardAuthorization {
            customer: "cus_1".into(),
            payment_method: "pm_1".into(),
            amount: Money::new(100, "USD").unwrap(),
            key: key(),
        };
        let form = authorization_form(&auth);
        assert!(form.contains(&("currency", "usd".into())));
        assert!(form.contains(&("amount", "100".into())));
    }
}
