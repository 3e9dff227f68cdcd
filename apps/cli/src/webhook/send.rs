//! `onramp webhook send`: signs an event body as the provider would and POSTs it to an Onramp
//! server's webhook route.

use std::time::Duration;

use anyhow::Context as _;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret as _, SecretString};

use super::{Failure, Provider, SendArgs, is_json, now_unix, read_file, unsupported};

/// Signs and sends; prints `HTTP <status>` and the answer's body. True on a 2xx answer.
pub(super) async fn run(args: SendArgs) -> Result<bool, Failure> {
    let Some(scheme) = args.provider.scheme() else {
        return Ok(unsupported(args.provider));
    };
    let secret = match args.secret {
        Some(secret) => secret,
        None => secret_from_env(scheme.send_secret_env)?,
    };
    let body = read_file(&args.event, "event file")?;
    let route = webhook_url(&args.server.server, args.provider, args.tenant.as_deref())?;
    let url = (scheme.signed_url)(route.as_str(), &body);
    let now = args.now.unwrap_or_else(now_unix);
    let signed = (scheme.sign)(&url, &body, secret.expose_secret(), now)
        .map_err(|e| Failure::Usage(format!("cannot sign the event: {e}")))?;
    let headers = headers(signed, &body).map_err(Failure::Usage)?;

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("onramp-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")?;
    let answer = client
        .post(&url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = answer.status();
    let text = answer
        .text()
        .await
        .with_context(|| format!("reading the answer to POST {url}"))?;
    println!("HTTP {status}");
    if !text.is_empty() {
        println!("{text}");
    }
    Ok(status.is_success())
}

/// The secret from the provider's environment variable (when `--secret` is absent).
fn secret_from_env(name: &str) -> Result<SecretString, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
        _ => Err(Failure::Usage(format!(
            "no --secret given and {name} is not set"
        ))),
    }
}

/// `{server}/webhooks/{provider}`, or `{server}/webhooks/{provider}/{tenant}`, keeping any
/// base path of `server` and percent-encoding the tenant as one path segment.
fn webhook_url(server: &str, provider: Provider, tenant: Option<&str>) -> Result<Url, Failure> {
    let invalid = |reason: String| Failure::Usage(format!("invalid --server {server:?}: {reason}"));
    let mut url = Url::parse(server).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("not an http(s) URL".into()));
    }
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| invalid("cannot have a path".into()))?;
        path.pop_if_empty().extend(["webhooks", provider.name()]);
        if let Some(tenant) = tenant {
            path.push(tenant);
        }
    }
    Ok(url)
}

/// The headers `sign` returned, plus a `Content-Type` by the body's content when `sign` gave
/// none (Telnyx): JSON when it parses as JSON, a form otherwise.
fn headers(signed: Vec<(String, String)>, body: &[u8]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in signed {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("the signer returned a bad header name {name:?}: {e}"))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|e| format!("the signer returned a bad value for {name}: {e}"))?;
        map.append(header, value);
    }
    if !map.contains_key(CONTENT_TYPE) {
        let content_type = if is_json(body) {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        map.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(server: &str, tenant: Option<&str>) -> String {
        match webhook_url(server, Provider::Telnyx, tenant) {
            Ok(url) => url.to_string(),
            Err(Failure::Usage(m)) => format!("usage: {m}"),
            Err(Failure::Other(e)) => format!("other: {e}"),
        }
    }

    #[test]
    fn the_route_is_webhooks_then_the_provider_then_the_tenant() {
        assert_eq!(
            url("http://127.0.0.1:8080", None),
            "http://127.0.0.1:8080/webhooks/telnyx"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/", Some("t_1")),
            "http://127.0.0.1:8080/webhooks/telnyx/t_1"
        );
        assert_eq!(
            url("https://h.example/onramp/", Some("a b/c")),
            "https://h.example/onramp/webhooks/telnyx/a%20b%2Fc"
        );
    }

    #[test]
    fn a_server_that_is_not_an_http_url_is_a_usage_error() {
        assert!(url("127.0.0.1:8080", None).starts_with("usage: invalid --server"));
        assert!(url("ftp://h", None).starts_with("usage: invalid --server"));
    }

    #[test]
    fn the_content_type_follows_the_body_unless_the_signer_set_it() {
        let json = headers(vec![], br#"{"a":1}"#).expect("headers");
        assert_eq!(json[CONTENT_TYPE], "application/json");
        let form = headers(vec![], b"a=1").expect("headers");
        assert_eq!(form[CONTENT_TYPE], "application/x-www-form-urlencoded");
        let signed = headers(
            vec![("Content-Type".into(), "text/plain".into())],
            br#"{"a":1}"#,
        )
        .expect("headers");
        assert_eq!(signed[CONTENT_TYPE], "text/plain");
    }
}
