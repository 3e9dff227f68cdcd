//! `onramp webhook send`: signs an event body as the provider would and POSTs it to an Onramp
//! server's webhook route.

use anyhow::Context as _;
use onramp_provider_kit::webhook::SignatureError;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret as _, SecretSlice, SecretString};
use uuid::Uuid;

use super::{
    Failure, Provider, Scheme, SecretScheme, SendArgs, is_json, now_unix, read_file,
    refuse_foreign, required,
};

/// Signs and sends; prints `HTTP <status>` and the answer's body. True on a 2xx answer.
pub(super) async fn run(mut args: SendArgs) -> Result<bool, Failure> {
    if args.provider == Provider::Onramp {
        return Err(Failure::Usage(
            "Onramp sends its own webhooks to tenants; `onramp webhook verify --provider onramp` \
             checks one"
                .into(),
        ));
    }
    let scheme = args.provider.scheme();
    let signer = signer(scheme, &mut args)?;
    let body = read_file(&args.event, "event file")?;
    let route = webhook_url(&args.server.server, args.provider, args.tenant.as_deref())?;
    let now = args.now.unwrap_or_else(now_unix);
    let (url, headers) = signer
        .delivery(route.as_str(), &body, now)
        .map_err(Failure::Usage)?;

    let client = crate::client::http_client().context("cannot build the HTTP client")?;
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

/// What signs a delivery, once the command line is read (also `onramp bench webhooks`, which
/// signs each of its events with it).
pub(crate) enum Signer {
    /// A secret scheme's `sign`, with `--secret` or the provider's variable.
    Secret {
        scheme: SecretScheme,
        secret: SecretString,
    },
    /// `onramp_paypal::webhook::sign`, with the webhook id, the PEM of `--key-file` and
    /// `--cert-url`.
    Paypal {
        webhook_id: String,
        private_key: SecretSlice<u8>,
        cert_url: String,
    },
}

impl Signer {
    /// The signer of `provider`'s secret scheme with `secret` (`None` for PayPal, which signs
    /// with a certificate's key).
    pub(crate) fn with_secret(provider: Provider, secret: SecretString) -> Option<Self> {
        match provider.scheme() {
            Scheme::Secret(scheme) => Some(Self::Secret { scheme, secret }),
            Scheme::PaypalCertificate => None,
        }
    }

    /// The URL to POST `body` to, given the route's URL, and every header of the delivery at
    /// `now_unix`: the provider's signature headers, and a `Content-Type` by the body when the
    /// signer set none.
    ///
    /// # Errors
    /// A message when the adapter cannot sign (a secret or key it cannot use) or returns a
    /// header that cannot be sent.
    pub(crate) fn delivery(
        &self,
        route: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(String, HeaderMap), String> {
        let (url, signed) = self
            .sign(route, body, now_unix)
            .map_err(|e| format!("cannot sign the event: {e}"))?;
        Ok((url, headers(signed, body)?))
    }

    /// The URL to POST `body` to, given the route's URL (Twilio's may gain a `bodySHA256`),
    /// and the headers the provider would send with it at `now_unix`. A PayPal delivery gets
    /// a fresh transmission id, a UUID v4, as PayPal's own do.
    ///
    /// # Errors
    /// The adapter's: a secret or key it cannot sign with, a time it cannot write.
    fn sign(
        &self,
        route: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(String, Vec<(String, String)>), SignatureError> {
        match self {
            Self::Secret { scheme, secret } => {
                let url = (scheme.signed_url)(route, body);
                let headers = (scheme.sign)(&url, body, secret.expose_secret(), now_unix)?;
                Ok((url, headers))
            }
            Self::Paypal {
                webhook_id,
                private_key,
                cert_url,
            } => {
                let transmission_id = Uuid::new_v4().to_string();
                let transmission_time = onramp_paypal::webhook::transmission_time(now_unix)?;
                let headers = onramp_paypal::webhook::sign(
                    body,
                    webhook_id,
                    &transmission_id,
                    &transmission_time,
                    private_key.expose_secret(),
                    cert_url,
                )?;
                Ok((route.to_string(), headers))
            }
        }
    }
}

/// Takes the scheme's inputs out of `args` (or the environment), reading PayPal's key file.
///
/// # Errors
/// [`Failure::Usage`] for a missing input, an input of another scheme, or an unreadable key
/// file.
fn signer(scheme: Scheme, args: &mut SendArgs) -> Result<Signer, Failure> {
    let provider = args.provider;
    match scheme {
        Scheme::Secret(scheme) => {
            refuse_foreign(
                provider,
                &[
                    ("--webhook-id", args.webhook_id.is_some()),
                    ("--key-file", args.key_file.is_some()),
                    ("--cert-url", args.cert_url.is_some()),
                ],
                "it is for --provider paypal",
            )?;
            let secret = match args.secret.take() {
                Some(secret) => secret,
                None => SecretString::from(from_env("--secret", scheme.send_secret_env)?),
            };
            Ok(Signer::Secret { scheme, secret })
        }
        Scheme::PaypalCertificate => {
            refuse_foreign(
                provider,
                &[("--secret", args.secret.is_some())],
                "give --webhook-id, --key-file and --cert-url",
            )?;
            let webhook_id = match args.webhook_id.take() {
                Some(id) => id,
                None => from_env("--webhook-id", onramp_paypal::ENV_WEBHOOK_ID)?,
            };
            let key_file = required(
                args.key_file.take(),
                provider,
                "--key-file",
                "the PEM RSA private key to sign with",
            )?;
            let cert_url = required(
                args.cert_url.take(),
                provider,
                "--cert-url",
                "the URL to send as PAYPAL-CERT-URL",
            )?;
            Ok(Signer::Paypal {
                webhook_id,
                private_key: read_file(&key_file, "key file")?.into(),
                cert_url,
            })
        }
    }
}

/// The value of the environment variable `name`, standing in for the absent option `flag`.
fn from_env(flag: &str, name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(Failure::Usage(format!(
            "no {flag} given and {name} is not set"
        ))),
    }
}

/// [`webhook_url`] as text, for `onramp bench webhooks`.
///
/// # Errors
/// `server` is not an http(s) URL that can have a path.
pub(crate) fn route_url(
    server: &str,
    provider: Provider,
    tenant: Option<&str>,
) -> anyhow::Result<String> {
    match webhook_url(server, provider, tenant) {
        Ok(url) => Ok(url.into()),
        Err(Failure::Usage(message)) => Err(anyhow::anyhow!(message)),
        Err(Failure::Other(e)) => Err(e),
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
