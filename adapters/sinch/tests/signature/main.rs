//! Sinch webhook signatures: the SDKs' published vectors, then every way a request can be
//! refused, then sign -> verify round trips.
//!
//! `hmac` holds the HMAC scheme of the Conversation API, `application` the application signed
//! requests of Verification callbacks, `round_trip` sign -> verify round trips.

mod application;
mod hmac;
mod round_trip;

use http::{HeaderMap, HeaderName, HeaderValue};
use onramp_sinch::signing::{ApplicationKey, SignedParts};
use onramp_sinch::webhook::{self, SignatureError, WebhookRequest};
use time::macros::datetime;

fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> WebhookRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    WebhookRequest {
        method: method.to_string(),
        url: url.to_string(),
        headers: map,
        body: body.to_vec().into(),
    }
}
