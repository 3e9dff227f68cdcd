//! Onramp's PayPal adapter: an outbound adapter of the hexagon (DESIGN.md section 3) for the
//! [`OrderPayments`](onramp_domain::ports::OrderPayments) port, over PayPal Orders v2, and the
//! verifier and parser of PayPal's webhooks (issue 4: a purchase captured exactly once).
//!
//! - [`PaypalCredentials`]: client id and secret, webhook id, webhook verification mode, base
//!   URL (`PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`, `PAYPAL_WEBHOOK_ID`,
//!   `PAYPAL_WEBHOOK_VERIFICATION`, `PAYPAL_BASE_URL`; live [`DEFAULT_BASE_URL`] unless it
//!   names the sandbox, [`SANDBOX_BASE_URL`]);
//! - [`PaypalOrders`]: creates an order (`POST /v2/checkout/orders`) and answers its approval
//!   link, captures it (`POST /v2/checkout/orders/{id}/capture`; an order captured already
//!   is read back with `GET /v2/checkout/orders/{id}` and succeeds), and probes the
//!   credentials. Create and capture carry a `PayPal-Request-Id` derived from the domain's
//!   [`IdempotencyKey`](onramp_domain::ports::IdempotencyKey), so they are retried after an
//!   unknown outcome. PayPal's error bodies are classified in one place (`classify.rs`);
//! - OAuth2 client credentials (`POST /v1/oauth2/token`, Basic auth): the token is cached
//!   until `expires_in` minus [`TOKEN_SAFETY_MARGIN`], fetched once when calls race for it,
//!   and fetched again once when PayPal answers 401;
//! - [`webhook`]: certificate-based verification ([`webhook::verify_offline`]), the
//!   [`webhook::PaypalWebhookVerifier`] (certificate fetched from PayPal's hosts only and
//!   cached, or PayPal's verify API), signing the same way ([`webhook::sign`]) and parsing of
//!   `CHECKOUT.ORDER.APPROVED` and `PAYMENT.CAPTURE.*` into payment reports.
//!
//! Facts and their sources: PROVIDERS.md section 2 and the OpenAPI description
//! `../shared/provider-specs/paypal.json`.
//!
//! ```
//! use onramp_paypal::webhook;
//!
//! // paypal/PayPal-Java-SDK: rest-api-sdk/src/test/java/com/paypal/base/ValidateCertTest.java
//! // and src/test/resources/clientCertTest.crt (valid 2019-04-02 to 2021-05-24).
//! let certificate = include_bytes!("../tests/fixtures/java_sdk_cert.pem");
//! let body = include_bytes!("../tests/fixtures/java_sdk_event.json");
//! let headers = [
//!     ("paypal-transmission-id", "afa30d40-ca4a-11e9-ab68-7d4e2605c70c"),
//!     ("paypal-transmission-time", "2019-08-29T10:49:33Z"),
//!     ("paypal-auth-algo", "SHA256withRSA"),
//!     ("paypal-cert-url", "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"),
//!     ("paypal-transmission-sig", "K7DF5+hOyGS6v0xTZ9PkEO+BFNQmpryxw2hFlXbHgmxpu+883ldEC9HcL6ccEmB8sfy80y/Q3qcZZL1MR8Qi0e1ysylVj/yROgKK6zBsQPoNmgXC8yTiNoAjULuhk5Aoau0Itk3nrkgAfji1zvADlErMFM9VZe2nDvhM3nDMLjCi/K5fRjWp3eGo6Nx17GX/WIEibeKDyS+YdJMex3i+KO4aWmm9zznC/FJ5Y/ntd0MxOJNrM0r0f3y7c3e3sO5pB3oPgN6KzKVS5P6AWHqtS8acD3DjgCKZ1uqKz7q954G1aBz2/m0wRGOFFsv0/D3FE2uIheRRmoQtVSOAX7Aupg=="),
//! ];
//! let mut map = http::HeaderMap::new();
//! for (name, value) in headers {
//!     map.insert(name, value.parse()?);
//! }
//! let request = webhook::WebhookRequest {
//!     method: "POST".into(),
//!     url: "https://example.com/webhooks/paypal".into(),
//!     headers: map,
//!     body: body.to_vec().into(),
//! };
//! let in_2020 = 1_577_836_800;
//! webhook::verify_offline(&request, "0FV983392A0531201", certificate, in_2020)?;
//! // Another registration's id, or a time the certificate has expired at, is refused.
//! assert!(webhook::verify_offline(&request, "96605875FF6516633", certificate, in_2020).is_err());
//! assert!(webhook::verify_offline(&request, "0FV983392A0531201", certificate, in_2020 + 2 * 31_536_000).is_err());
//!
//! let event = webhook::parse(&request)?;
//! assert_eq!(event.event_id, "WH-7MU294299R542214K-4N1831857K851783H");
//! assert_eq!(event.event_type, "PAYMENTS.PAYMENT.CREATED");
//! assert!(event.payment.is_none()); // a v1 payment event, not an Orders v2 one
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod classify;
mod credentials;
mod orders;
mod wire;

pub mod webhook;

pub use auth::TOKEN_SAFETY_MARGIN;
pub use classify::{PaypalApiError, UnexpectedAnswer};
pub use credentials::{
    DEFAULT_BASE_URL, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_WEBHOOK_ID,
    ENV_WEBHOOK_VERIFICATION, PaypalCredentials, SANDBOX_BASE_URL, WebhookVerification,
};
pub use orders::{MAX_REQUEST_ID_LEN, PaypalOrders, REQUEST_ID_HEADER, request_id};
