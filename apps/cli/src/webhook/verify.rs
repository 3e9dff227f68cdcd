//! `onramp webhook verify`: builds the [`WebhookRequest`] from the command line and asks the
//! provider's adapter for its verdict.

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use secrecy::{ExposeSecret as _, SecretString};

use super::{
    Failure, Provider, Scheme, VerifyArgs, VerifyFn, now_unix, read_file, refuse_foreign, required,
};

/// Parses `--header 'Name: value'` (RFC 9110 section 5: a token, a colon, the value with its
/// surrounding spaces and tabs trimmed; an empty value is allowed).
///
/// # Errors
/// A message naming what is wrong: no colon, an empty or invalid name, or a value with
/// characters other than visible ASCII, spaces and tabs.
pub(super) fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected `Name: value`, but there is no `:`".to_string())?;
    if name.is_empty() {
        return Err("the header name before `:` is empty".into());
    }
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        format!(
            "{name:?} is not a header name: only letters, digits and !#$%&'*+-.^_`|~ \
             are allowed, with no space before the `:`"
        )
    })?;
    let value = value.trim_matches([' ', '\t']);
    let value = HeaderValue::from_str(value).map_err(|_| {
        format!("the value of {name} may hold only visible ASCII characters, spaces and tabs")
    })?;
    Ok((name, value))
}

/// Parses `--method`: an HTTP method token, upper-cased (`post` gives `POST`).
///
/// # Errors
/// When the text is not an RFC 9110 token.
pub(super) fn parse_method(text: &str) -> Result<String, String> {
    Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map(|m| m.as_str().to_string())
        .map_err(|_| format!("{text:?} is not an HTTP method"))
}

/// Checks the signature; prints `valid` (true) or `invalid: <reason>` to stderr (false).
pub(super) fn run(mut args: VerifyArgs) -> Result<bool, Failure> {
    let scheme = args.provider.scheme();
    let verifier = verifier(scheme, &mut args)?;
    let body = read_file(&args.body_file, "body file")?;
    let request = request(args.method, args.url, args.headers, body);
    match verifier.check(&request, args.now.unwrap_or_else(now_unix)) {
        Ok(()) => {
            println!("valid");
            Ok(true)
        }
        Err(reason) => {
            eprintln!("invalid: {reason}");
            Ok(false)
        }
    }
}

/// What checks a request, once the command line is read.
enum Verifier {
    /// A secret scheme's `verify`, with `--secret`.
    Secret {
        verify: VerifyFn,
        secret: SecretString,
    },
    /// `onramp_paypal::webhook::verify_offline`, with `--webhook-id` and the PEM of
    /// `--cert-file`.
    Paypal {
        webhook_id: String,
        certificate: Vec<u8>,
    },
}

impl Verifier {
    /// The adapter's verdict on `request` at `now_unix` (for PayPal, the instant the
    /// certificate must be valid at: PayPal's SDKs do not compare the transmission time).
    fn check(&self, request: &WebhookRequest, now_unix: i64) -> Result<(), SignatureError> {
        match self {
            Self::Secret { verify, secret } => verify(request, secret.expose_secret(), now_unix),
            Self::Paypal {
                webhook_id,
                certificate,
            } => onramp_paypal::webhook::verify_offline(request, webhook_id, certificate, now_unix),
        }
    }
}

/// Takes the scheme's inputs out of `args`, reading the certificate file for PayPal.
///
/// # Errors
/// [`Failure::Usage`] for a missing input, an input of another scheme, a Sinch application
/// key without `--url`, or an unreadable certificate file.
fn verifier(scheme: Scheme, args: &mut VerifyArgs) -> Result<Verifier, Failure> {
    let provider = args.provider;
    match scheme {
        Scheme::Secret(scheme) => {
            refuse_foreign(
                provider,
                &[
                    ("--webhook-id", args.webhook_id.is_some()),
                    ("--cert-file", args.cert_file.is_some()),
                ],
                "it is for --provider paypal",
            )?;
            let secret = required(
                args.secret.take(),
                provider,
                "--secret",
                "the key or secret to verify with (see --help)",
            )?;
            // The Application scheme signs the request path (onramp_sinch::webhook, module docs).
            let application = secret.expose_secret().contains(':');
            if provider == Provider::Sinch && application && args.url.is_none() {
                return Err(Failure::Usage(
                    "--url is required with a Sinch application_key:secret: the Application \
                     scheme signs the request path"
                        .into(),
                ));
            }
            Ok(Verifier::Secret {
                verify: scheme.verify,
                secret,
            })
        }
        Scheme::PaypalCertificate => {
            refuse_foreign(
                provider,
                &[("--secret", args.secret.is_some())],
                "give --webhook-id and --cert-file",
            )?;
            let webhook_id = required(
                args.webhook_id.take(),
                provider,
                "--webhook-id",
                "the id of your webhook registration, which PayPal signs in",
            )?;
            let cert_file = required(
                args.cert_file.take(),
                provider,
                "--cert-file",
                "the PEM certificate served at the delivery's PAYPAL-CERT-URL (never fetched)",
            )?;
            Ok(Verifier::Paypal {
                webhook_id,
                certificate: read_file(&cert_file, "certificate file")?,
            })
        }
    }
}

/// The request as the server would see it; a repeated header keeps every value, in order.
fn request(
    method: String,
    url: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
) -> WebhookRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(name, value);
    }
    WebhookRequest {
        method,
        url: url.unwrap_or_default(),
        headers: map,
        body: body.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_a_name_a_colon_and_a_trimmed_value() {
        let (name, value) = parse_header("Telnyx-Timestamp:  1700000000 \t").expect("parses");
        assert_eq!(name, "telnyx-timestamp");
        assert_eq!(value, "1700000000");
        let (_, value) = parse_header("x-sig: a:b=c").expect("parses");
        assert_eq!(value, "a:b=c");
        let (_, empty) = parse_header("x-empty:").expect("parses");
        assert_eq!(empty, "");
    }

    #[test]
    fn malformed_headers_are_refused_with_the_reason() {
        let no_colon = parse_header("x-sig=abc").expect_err("refused");
        assert!(no_colon.contains("no `:`"), "{no_colon}");
        let no_name = parse_header(": abc").expect_err("refused");
        assert!(no_name.contains("empty"), "{no_name}");
        let space = parse_header("x-sig : abc").expect_err("refused");
        assert!(space.contains("not a header name"), "{space}");
        let control = parse_header("x-sig: a\u{7}b").expect_err("refused");
        assert!(control.contains("visible ASCII"), "{control}");
    }

    #[test]
    fn methods_are_upper_cased_tokens() {
        assert_eq!(parse_method("post"), Ok("POST".to_string()));
        assert!(parse_method("PO ST").is_err());
    }

    #[test]
    fn repeated_headers_keep_every_value() {
        let h = |t: &str| parse_header(t).expect("parses");
        let r = request(
            "POST".into(),
            None,
            vec![h("a: 1"), h("A: 2")],
            b"x".to_vec(),
        );
        let values: Vec<_> = r.headers.get_all("a").iter().collect();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(r.url, "");
    }
}
