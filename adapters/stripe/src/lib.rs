//! Onramp's Stripe adapter: an outbound adapter of the hexagon (DESIGN.md section 3) for the
//! [`CardOnFile`](onramp_domain::ports::CardOnFile) port over Stripe's v1 API (issue 4: a
//! card-gated 7-day free trial), and the verifier and parser of Stripe's webhooks.
//!
//! - [`StripeCredentials`]: secret key, webhook signing secret, base URL (`STRIPE_SECRET_KEY`,
//!   `STRIPE_WEBHOOK_SECRET`, `STRIPE_BASE_URL`);
//! - [`StripeCards`]: creates the customer (`POST /v1/customers`), attaches the card
//!   (`POST /v1/payment_methods/{pm}/attach`), checks it with an authorization that is voided
//!   right after (`POST /v1/payment_intents` with manual capture, then
//!   `POST /v1/payment_intents/{id}/cancel`), starts the trial subscription
//!   (`POST /v1/subscriptions`) and cancels it (`DELETE /v1/subscriptions/{id}`). Every POST
//!   carries the caller's `Idempotency-Key`, so timeouts and 5xx are retried with the same key
//!   through [`onramp_provider_kit::http::execute`]; Stripe's refusals are classified in one
//!   place (`classify.rs`): card errors are
//!   [`PaymentError::CardDeclined`](onramp_domain::ports::PaymentError::CardDeclined), other
//!   4xx [`PaymentError::Refused`](onramp_domain::ports::PaymentError::Refused);
//! - [`webhook`]: HMAC-SHA256 verification of `Stripe-Signature` (`t=…,v1=…`) over
//!   `"{t}.{body}"`, signing the same way, and parsing of `customer.subscription.*`,
//!   `invoice.*` and `setup_intent.*` events into
//!   [`PaymentReport`](onramp_domain::ports::PaymentReport)s.
//!
//! Facts and their sources: PROVIDERS.md section 1 and the OpenAPI description
//! `../shared/provider-specs/stripe.json`.
//!
//! ```
//! use onramp_domain::ports::{PaymentReport, SubscriptionStatus};
//! use onramp_stripe::webhook;
//!
//! let secret = "whsec_onramp_example";
//! let body = br#"{"id":"evt_1","object":"event","api_version":"2025-03-31.basil",
//!   "created":1760000000,"type":"customer.subscription.trial_will_end",
//!   "data":{"object":{"id":"sub_1","object":"subscription","status":"trialing",
//!   "trial_end":1760259200}},"livemode":false,"pending_webhooks":1}"#;
//! let now = 1_760_000_005;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert(webhook::SIGNATURE_HEADER, webhook::sign(body, secret, now).parse()?);
//! let request = webhook::WebhookRequest {
//!     method: "POST".into(),
//!     url: "https://example.com/webhooks/stripe".into(),
//!     headers,
//!     body: body.to_vec().into(),
//! };
//! webhook::verify(&request, secret, now + 10)?;
//! assert!(webhook::verify(&request, "whsec_another", now).is_err());
//!
//! let event = webhook::parse(&request)?;
//! assert_eq!(event.event_id, "evt_1");
//! assert_eq!(
//!     event.payment,
//!     Some(PaymentReport::Subscription {
//!         subscription: "sub_1".into(),
//!         status: Some(SubscriptionStatus::Trialing),
//!         trial_will_end: true,
//!         created: 1_760_000_000,
//!     })
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cards;
mod classify;
mod credentials;
mod wire;

pub mod webhook;

pub use cards::{HEALTH_CHECK_CUSTOMER, IDEMPOTENCY_HEADER, REPLAYED_HEADER, StripeCards};
pub use classify::{StripeApiError, UnexpectedAnswer};
pub use credentials::{
    DEFAULT_BASE_URL, ENV_BASE_URL, ENV_SECRET_KEY, ENV_WEBHOOK_SECRET, SECRET_KEY_PREFIXES,
    StripeCredentials, WEBHOOK_SECRET_PREFIX,
};
