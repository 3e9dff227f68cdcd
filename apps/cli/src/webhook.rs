//! `onramp webhook verify` and `onramp webhook send`: check a provider's webhook signature
//! offline, and deliver a signed event to an Onramp server as the provider would.
//!
//! Both use the adapters' own `webhook::{verify, sign}` (`onramp-telnyx`, `onramp-twilio`,
//! `onramp-sinch`), so the CLI accepts exactly what the server accepts.
//!
//! # Layout
//! - `webhook.rs` (this file): the clap arguments, the provider table ([`Provider::scheme`])
//!   and dispatch;
//! - `verify.rs`: `--header` parsing, the `WebhookRequest` and the verdict;
//! - `send.rs`: the delivery URL, signing and the POST.
//!
//! # Exit status
//! 0: valid signature / a 2xx answer; 1: invalid signature (including a `verify` secret the
//! scheme cannot use), a non-2xx answer, a provider whose webhooks are not built yet, or a
//! transport error; 2: a mistake in the command line (a malformed `--header`, a missing `--url`
//! or secret, an unreadable file, a `send` secret the signer cannot use).

mod send;
mod verify;

use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use http::{HeaderName, HeaderValue};
use onramp_provider_kit::webhook::{SignatureError, WebhookRequest};
use secrecy::SecretString;

use crate::ServerArg;

/// `onramp webhook ...`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check a webhook delivery's signature offline; print `valid` (exit 0) or
    /// `invalid: <reason>` (exit 1).
    Verify(VerifyArgs),
    /// Sign an event body as the provider would and POST it to an Onramp server's
    /// `/webhooks/{provider}[/{tenant}]`; print the answer's status and body (exit 0 on 2xx).
    Send(SendArgs),
}

/// A webhook sender. stripe, paypal and meta are listed so that scripts get a clear
/// "not yet" rather than a parse error; their schemes arrive with a later issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Telnyx: Ed25519 over `{telnyx-timestamp}|{body}`.
    Telnyx,
    /// Twilio: `X-Twilio-Signature`, HMAC-SHA1 with the auth token.
    Twilio,
    /// Sinch: HMAC-SHA256 webhook signature, or the Application signed request.
    Sinch,
    /// Stripe (not built yet).
    Stripe,
    /// PayPal (not built yet).
    Paypal,
    /// Meta / WhatsApp (not built yet).
    Meta,
}

/// `onramp_<p>::webhook::verify`'s signature: request, secret, now in Unix seconds.
type VerifyFn = fn(&WebhookRequest, &str, i64) -> Result<(), SignatureError>;
/// `onramp_<p>::webhook::sign`'s signature: URL, body, secret, now in Unix seconds; the headers.
type SignFn = fn(&str, &[u8], &str, i64) -> Result<Vec<(String, String)>, SignatureError>;

/// One provider's signature scheme, as its adapter implements it.
#[derive(Clone, Copy)]
struct Scheme {
    /// `onramp_<p>::webhook::verify`.
    verify: VerifyFn,
    /// `onramp_<p>::webhook::sign`.
    sign: SignFn,
    /// The URL the provider would call and sign for `body`, given the route's URL.
    signed_url: fn(&str, &[u8]) -> String,
    /// Environment variable holding the signing secret for `webhook send`.
    send_secret_env: &'static str,
}

impl Provider {
    /// The provider's name as typed and as used in `/webhooks/{provider}`.
    fn name(self) -> &'static str {
        match self {
            Self::Telnyx => "telnyx",
            Self::Twilio => "twilio",
            Self::Sinch => "sinch",
            Self::Stripe => "stripe",
            Self::Paypal => "paypal",
            Self::Meta => "meta",
        }
    }

    /// The provider's scheme; `None` while its adapter is not built.
    fn scheme(self) -> Option<Scheme> {
        match self {
            Self::Telnyx => Some(Scheme {
                verify: onramp_telnyx::webhook::verify,
                sign: onramp_telnyx::webhook::sign,
                signed_url: unchanged_url,
                send_secret_env: "TELNYX_WEBHOOK_SIGNING_SEED",
            }),
            Self::Twilio => Some(Scheme {
                verify: onramp_twilio::webhook::verify,
                sign: onramp_twilio::webhook::sign,
                signed_url: twilio_signed_url,
                send_secret_env: "TWILIO_AUTH_TOKEN",
            }),
            Self::Sinch => Some(Scheme {
                verify: onramp_sinch::webhook::verify,
                sign: onramp_sinch::webhook::sign,
                signed_url: unchanged_url,
                send_secret_env: "SINCH_WEBHOOK_SECRET",
            }),
            Self::Stripe | Self::Paypal | Self::Meta => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn unchanged_url(url: &str, _body: &[u8]) -> String {
    url.to_string()
}

/// Twilio signs a JSON body through `bodySHA256` in the URL and a form body with the URL as
/// is (PROVIDERS.md section 4, "JSON callbacks").
fn twilio_signed_url(url: &str, body: &[u8]) -> String {
    if is_json(body) {
        onramp_twilio::webhook::url_with_body_sha256(url, body)
    } else {
        url.to_string()
    }
}

/// Whether `body` parses as JSON (any JSON value); otherwise it is taken as a form.
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// `onramp webhook verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Whose signature scheme to check.
    #[arg(long, value_enum)]
    provider: Provider,
    /// The verifying secret; its format depends on --provider (see --help).
    ///
    /// telnyx: base64 of the account's raw 32-byte Ed25519 public key (Mission Control
    ///         "Public Key", TELNYX_PUBLIC_KEY).
    /// twilio: the account's auth token (TWILIO_AUTH_TOKEN); --url is required.
    /// sinch:  the webhook secret, for HMAC-signed webhooks (x-sinch-webhook-signature);
    ///         or application_key:base64_application_secret, for signed Verification
    ///         callbacks (Authorization: Application ...); --url is then required.
    #[arg(long, verbatim_doc_comment)]
    secret: SecretString,
    /// The full URL the provider called, with its query (Twilio and Sinch Application
    /// callbacks sign it; behind a proxy, the public URL).
    #[arg(long, value_name = "URL", required_if_eq("provider", "twilio"))]
    url: Option<String>,
    /// The request's HTTP method.
    #[arg(long, default_value = "POST", value_parser = verify::parse_method)]
    method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = verify::parse_header)]
    headers: Vec<(HeaderName, HeaderValue)>,
    /// File holding the raw request body, byte for byte.
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
    /// The time to check the signature's timestamp against, in Unix seconds; now by default.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
}

/// `onramp webhook send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Which provider to impersonate.
    #[arg(long, value_enum)]
    provider: Provider,
    /// File holding the event body, sent byte for byte (JSON, or a form for Twilio callbacks).
    #[arg(long, value_name = "FILE")]
    event: PathBuf,
    #[command(flatten)]
    server: ServerArg,
    /// The signing secret; its format depends on --provider (see --help).
    ///
    /// telnyx: base64 of the 32-byte Ed25519 private seed whose public key the server holds
    ///         [env: TELNYX_WEBHOOK_SIGNING_SEED].
    /// twilio: the account's auth token [env: TWILIO_AUTH_TOKEN].
    /// sinch:  the webhook secret (HMAC scheme), or application_key:base64_application_secret
    ///         (Application signed request) [env: SINCH_WEBHOOK_SECRET].
    #[arg(long, verbatim_doc_comment)]
    secret: Option<SecretString>,
    /// Send to the tenant's route, `/webhooks/{provider}/{tenant}`.
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<String>,
    /// The signing time in Unix seconds; now by default.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
}

/// Why a command did not complete.
#[derive(Debug)]
enum Failure {
    /// A mistake in the command line: exit 2, like clap's own errors.
    Usage(String),
    /// Anything else (transport errors): exit 1 with the cause chain.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Other(e)
    }
}

/// Runs `command`: `Ok(true)` for exit 0, `Ok(false)` for exit 1.
///
/// # Errors
/// Transport errors of `send` (exit 1). Usage mistakes end the process here with status 2
/// and clap's `error: ...` format.
pub async fn run(command: WebhookCommand) -> anyhow::Result<bool> {
    let outcome = match command {
        WebhookCommand::Verify(args) => verify::run(args),
        WebhookCommand::Send(args) => send::run(args).await,
    };
    match outcome {
        Ok(passed) => Ok(passed),
        Err(Failure::Other(e)) => Err(e),
        Err(Failure::Usage(message)) => {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{message}\n")).exit()
        }
    }
}

/// The answer for a provider whose webhooks are not built yet (exit 1).
fn unsupported(provider: Provider) -> bool {
    eprintln!("unsupported: {provider} webhooks arrive with a later issue");
    false
}

/// The current time in Unix seconds (negative before 1970, saturating).
fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Reads a file named on the command line.
fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::Usage(format!("cannot read the {what} {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_are_told_from_forms() {
        assert!(is_json(br#"{"a":1}"#));
        assert!(is_json(b" [1, 2] "));
        assert!(!is_json(b"MessageSid=SM1&MessageStatus=sent"));
        assert!(!is_json(b""));
    }

    #[test]
    fn twilio_json_bodies_are_signed_through_body_sha256() {
        let url = twilio_signed_url("https://h/webhooks/twilio", b"{}");
        assert!(
            url.starts_with("https://h/webhooks/twilio?bodySHA256="),
            "{url}"
        );
        let form = twilio_signed_url("https://h/webhooks/twilio", b"A=1");
        assert_eq!(form, "https://h/webhooks/twilio");
    }

    #[test]
    fn only_telnyx_twilio_and_sinch_have_a_scheme() {
        for p in Provider::value_variants() {
            let built = matches!(p, Provider::Telnyx | Provider::Twilio | Provider::Sinch);
            assert_eq!(p.scheme().is_some(), built, "{p}");
            let typed = p.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(typed.as_deref(), Some(p.name()));
        }
    }
}
