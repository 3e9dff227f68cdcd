//! PayPal webhooks: signature verification offline ([`verify_offline`], with the certificate
//! at `PAYPAL-CERT-URL`) or through the [`PaypalWebhookVerifier`] (which fetches and caches
//! that certificate from PayPal's hosts only, or asks PayPal's verify API), signing as PayPal
//! does ([`sign`], for `onramp webhook send` and tests) and parsing of the Orders v2 events
//! ([`parse`]).
//!
//! Header names are case-insensitive (`http::HeaderMap` lowercases them); PayPal sends them as
//! `PAYPAL-TRANSMISSION-ID` (or `Paypal-Transmission-Id`).

mod offline;
mod payload;
mod verifier;

pub use offline::{
    AUTH_ALGO, AUTH_ALGO_HEADER, CERT_URL_HEADER, PAYPAL_CN_SUFFIX, TRANSMISSION_ID_HEADER,
    TRANSMISSION_SIG_HEADER, TRANSMISSION_TIME_HEADER, sign, signed_string, transmission_time,
    verify_offline,
};
pub use onramp_provider_kit::webhook::{
    ParsedWebhook, PayloadError, SignatureError, WebhookRequest,
};
pub use payload::parse;
pub use verifier::{CERT_CACHE_CAPACITY, MAX_CERT_BYTES, PaypalWebhookVerifier, VERIFY_PATH};
