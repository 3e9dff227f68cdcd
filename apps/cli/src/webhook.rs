//! `onramp webhook verify` and `onramp webhook send`: check a provider's webhook signature
//! offline, and deliver a signed event to an Onramp server as the provider would; and
//! `onramp webhook listen`: follow a tenant's own events live, forwarding them signed.
//!
//! Both use the adapters' own verifiers and signers (`onramp-telnyx`, `onramp-twilio`,
//! `onramp-sinch`, `onramp-stripe`, `onramp-meta`: `webhook::{verify, sign}`;
//! `onramp-paypal`: `webhook::{verify_offline, sign}`), so the CLI accepts exactly what the
//! server accepts.
//!
//! # Layout
//! - `webhook.rs` (this file): the clap arguments, the provider table ([`Provider::scheme`])
//!   and dispatch;
//! - `schemes.rs`: the adapters' `verify` and `sign` in the table's shapes;
//! - `verify.rs`: `--header` parsing, the `WebhookRequest` and the verdict;
//! - `send.rs`: the delivery URL, signing and the POST;
//! - `listen.rs`: `webhook listen`, polling `GET /v1/events` and forwarding;
//! - `tests.rs`: unit tests of the provider table.
//!
//! # Schemes
//! Telnyx, Twilio, Sinch, Stripe, Meta and Onramp (`verify` only) take one secret
//! (`--secret`; for `send`, else the provider's environment variable). PayPal signs with a certificate's key instead: `verify`
//! takes the webhook registration's id (`--webhook-id`) and the certificate served at
//! `PAYPAL-CERT-URL` (`--cert-file`, read locally, never fetched); `send` takes the webhook id
//! (`--webhook-id`, else `PAYPAL_WEBHOOK_ID`), an RSA private key (`--key-file`) and the URL
//! to announce in `PAYPAL-CERT-URL` (`--cert-url`).
//!
//! # Exit status
//! 0: valid signature / a 2xx answer; 1: invalid signature (including a `verify` secret or
//! certificate the scheme cannot use, or a PayPal certificate not valid at `--now`), a
//! non-2xx answer, or a transport error;
//! 2: a mistake in the command line (a malformed `--header`; a missing `--url`, secret,
//! webhook id, certificate, key or certificate URL; an option of another provider; an
//! unreadable file; a `send` secret or key the signer cannot use).
//! `listen` runs until Ctrl-C (0); 1 when the API cannot be read at start or refuses a poll;
//! 2 for a `--secret` that is not a `whsec_` secret.

mod listen;
mod schemes;
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
use schemes::{
    is_json, meta_sign, meta_verify, onramp_sign, stripe_sign, twilio_signed_url, unchanged_url,
};
pub(crate) use send::{Signer, route_url};

/// `onramp webhook ...`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check a webhook delivery's signature offline; print `valid` (exit 0) or
    /// `invalid: <reason>` (exit 1).
    Verify(VerifyArgs),
    /// Sign an event body as the provider would and POST it to an Onramp server's
    /// `/webhooks/{provider}[/{tenant}]`; print the answer's status and body (exit 0 on 2xx).
    Send(SendArgs),
    /// Follow the tenant's events live (`GET /v1/events`), printing one line per event
    /// (`created_at  type  id  session_id`) and, with --forward-to, POSTing each one signed
    /// as Onramp signs its webhooks (Standard Webhooks); Ctrl-C stops.
    Listen(listen::ListenArgs),
}

/// A webhook sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Telnyx: Ed25519 over `{telnyx-timestamp}|{body}`.
    Telnyx,
    /// Twilio: `X-Twilio-Signature`, HMAC-SHA1 with the auth token.
    Twilio,
    /// Sinch: HMAC-SHA256 webhook signature, or the Application signed request.
    Sinch,
    /// Stripe: `Stripe-Signature`, HMAC-SHA256 of `{t}.{body}` with the endpoint's secret.
    Stripe,
    /// PayPal: SHA256withRSA over `{transmission id}|{time}|{webhook id}|{crc32(body)}`.
    Paypal,
    /// Meta / WhatsApp: `X-Hub-Signature-256`, `sha256=` and the hex HMAC-SHA256 of the body
    /// with the app secret.
    Meta,
    /// Onramp's own webhooks to tenants: Standard Webhooks, `webhook-signature` with `v1,` and
    /// the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the
    /// endpoint's `whsec_` secret (`verify` only: Onramp sends these itself).
    Onramp,
}

/// `onramp_<p>::webhook::verify`'s signature: request, secret, now in Unix seconds.
type VerifyFn = fn(&WebhookRequest, &str, i64) -> Result<(), SignatureError>;
/// `onramp_<p>::webhook::sign`'s signature: URL, body, secret, now in Unix seconds; the headers.
type SignFn = fn(&str, &[u8], &str, i64) -> Result<Vec<(String, String)>, SignatureError>;

/// One provider's signature scheme, as its adapter implements it.
#[derive(Clone, Copy)]
enum Scheme {
    /// One secret verifies and signs (`--secret`).
    Secret(SecretScheme),
    /// PayPal's certificate scheme: verified with the webhook id and the signing certificate
    /// (`onramp_paypal::webhook::verify_offline`), signed with the webhook id, a private key
    /// and the certificate's URL (`onramp_paypal::webhook::sign`); see `verify.rs` and
    /// `send.rs`.
    PaypalCertificate,
}

/// A scheme in which one secret string both verifies and signs.
#[derive(Clone, Copy)]
pub(crate) struct SecretScheme {
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
            Self::Onramp => "onramp",
        }
    }

    /// The provider's scheme.
    fn scheme(self) -> Scheme {
        let secret = match self {
            Self::Telnyx => SecretScheme {
                verify: onramp_telnyx::webhook::verify,
                sign: onramp_telnyx::webhook::sign,
                signed_url: unchanged_url,
                send_secret_env: "TELNYX_WEBHOOK_SIGNING_SEED",
            },
            Self::Twilio => SecretScheme {
                verify: onramp_twilio::webhook::verify,
                sign: onramp_twilio::webhook::sign,
                signed_url: twilio_signed_url,
                send_secret_env: "TWILIO_AUTH_TOKEN",
            },
            Self::Sinch => SecretScheme {
                verify: onramp_sinch::webhook::verify,
                sign: onramp_sinch::webhook::sign,
                signed_url: unchanged_url,
                send_secret_env: "SINCH_WEBHOOK_SECRET",
            },
            Self::Stripe => SecretScheme {
                verify: onramp_stripe::webhook::verify,
                sign: stripe_sign,
                signed_url: unchanged_url,
                send_secret_env: onramp_stripe::ENV_WEBHOOK_SECRET,
            },
            Self::Meta => SecretScheme {
                verify: meta_verify,
                sign: meta_sign,
                signed_url: unchanged_url,
                send_secret_env: onramp_meta::ENV_APP_SECRET,
            },
            Self::Onramp => SecretScheme {
                verify: onramp_provider_kit::standard_webhooks::verify,
                sign: onramp_sign,
                signed_url: unchanged_url,
                send_secret_env: "ONRAMP_WEBHOOK_SECRET",
            },
            Self::Paypal => return Scheme::PaypalCertificate,
        };
        Scheme::Secret(secret)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
    /// stripe: the endpoint's signing secret, whsec_... (STRIPE_WEBHOOK_SECRET), used as is.
    /// meta:   the Meta app secret (META_APP_SECRET), the key of X-Hub-Signature-256.
    /// onramp: the webhook endpoint's signing secret, whsec_... (Standard Webhooks).
    /// paypal: not used; give --webhook-id and --cert-file.
    #[arg(long, verbatim_doc_comment)]
    secret: Option<SecretString>,
    /// paypal only (required): the id of the webhook registration the delivery is for
    /// (PAYPAL_WEBHOOK_ID); PayPal signs it in.
    #[arg(long, value_name = "ID")]
    webhook_id: Option<String>,
    /// paypal only (required): the PEM certificate served at the delivery's PAYPAL-CERT-URL,
    /// downloaded beforehand; it is read from this file, never fetched. It must be valid at
    /// --now and issued to *.paypal.com.
    #[arg(long, value_name = "PEM_FILE")]
    cert_file: Option<PathBuf>,
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
    /// The time to check against, in Unix seconds; now by default. Telnyx, Sinch, Stripe and
    /// Onramp compare the signature's timestamp with it; PayPal's certificate must be valid at it;
    /// Meta's signature has no time.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
}

/// `onramp webhook send`.
#[derive(Debug, Args)]
#[command(after_long_help = PAYPAL_SEND_NOTE)]
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
    /// stripe: the endpoint's signing secret, whsec_... [env: STRIPE_WEBHOOK_SECRET].
    /// meta:   the Meta app secret [env: META_APP_SECRET].
    /// paypal: not used; give --webhook-id, --key-file and --cert-url.
    #[arg(long, verbatim_doc_comment)]
    secret: Option<SecretString>,
    /// paypal only: the id of the webhook registration to sign for
    /// [env: PAYPAL_WEBHOOK_ID].
    #[arg(long, value_name = "ID")]
    webhook_id: Option<String>,
    /// paypal only (required): the RSA private key to sign with, a PEM file (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`, 2048 bits or more).
    #[arg(long, value_name = "PEM_FILE")]
    key_file: Option<PathBuf>,
    /// paypal only (required): the URL sent as PAYPAL-CERT-URL, where the certificate of
    /// --key-file's key is served.
    #[arg(long, value_name = "URL")]
    cert_url: Option<String>,
    /// Send to the tenant's route, `/webhooks/{provider}/{tenant}`.
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<String>,
    /// The signing time in Unix seconds (PayPal: the PAYPAL-TRANSMISSION-TIME); now by
    /// default.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
}

/// What `send --help` says about PayPal deliveries signed with one's own key.
const PAYPAL_SEND_NOTE: &str = "\
PayPal: each delivery gets a fresh PAYPAL-TRANSMISSION-ID (a UUID v4) and is signed with your
own key. A server set to offline verification (the default) fetches the certificate at
PAYPAL-CERT-URL from PayPal's hosts only, so it refuses such a delivery. `send` is for servers
set to online verification (PAYPAL_WEBHOOK_VERIFICATION=online: the verify API at
PAYPAL_BASE_URL decides, e.g. a stand-in for PayPal's) and for tests that hold the certificate
of your key (`onramp webhook verify --provider paypal --cert-file ...` checks a delivery).";

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
        WebhookCommand::Listen(args) => listen::run(args).await,
    };
    match outcome {
        Ok(passed) => Ok(passed),
        Err(Failure::Other(e)) => Err(e),
        Err(Failure::Usage(message)) => {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{message}\n")).exit()
        }
    }
}

/// The value of an option `provider`'s scheme needs, or a usage error saying why it is needed.
fn required<T>(value: Option<T>, provider: Provider, flag: &str, why: &str) -> Result<T, Failure> {
    value.ok_or_else(|| {
        Failure::Usage(format!(
            "{flag} is required with --provider {provider}: {why}"
        ))
    })
}

/// Refuses the options of another scheme (`given`: each flag and whether it was given),
/// naming the first one and what `provider` takes instead.
fn refuse_foreign(
    provider: Provider,
    given: &[(&str, bool)],
    instead: &str,
) -> Result<(), Failure> {
    match given.iter().find(|(_, present)| *present) {
        Some((flag, _)) => Err(Failure::Usage(format!(
            "{flag} does not apply to --provider {provider}; {instead}"
        ))),
        None => Ok(()),
    }
}

/// The current time in Unix seconds (negative before 1970, saturating).
pub(crate) fn now_unix() -> i64 {
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
mod tests;
