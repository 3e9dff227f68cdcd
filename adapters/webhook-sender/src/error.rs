//! The one place where reqwest's failures become [`SendError`]s.

use std::error::Error as _;
use std::time::Duration;

use onramp_domain::ports::SendError;

use crate::guard::RefusedAddresses;

/// Classifies a failed delivery: [`SendError::Refused`] when the guarded resolver found no
/// public address, [`SendError::Timeout`] (with `timeout` in milliseconds) when the time ran
/// out, [`SendError::Connect`] with the cause chain otherwise (DNS, TCP, TLS, a broken
/// connection). The URL is left out of the message: an endpoint's URL may hold a token.
pub(crate) fn classify(e: reqwest::Error, timeout: Duration) -> SendError {
    let e = e.without_url();
    if let Some(refused) = find::<RefusedAddresses>(&e) {
        return SendError::Refused(refused.to_string());
    }
    if e.is_timeout() {
        return SendError::Timeout(millis(timeout));
    }
    SendError::Connect(chain(&e))
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The first error of type `T` in `e`'s source chain.
fn find<T: std::error::Error + 'static>(e: &reqwest::Error) -> Option<&T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        next = current.source();
    }
    None
}

/// `e` and its causes, `: `-separated, each said once (wrappers often repeat their source).
fn chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut next = e.source();
    while let Some(current) = next {
        let text = current.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}
