//! [`TwilioWhatsApp`]: the [`WhatsAppMessaging`] port over Twilio's Messages API.

use async_trait::async_trait;
use onramp_domain::ports::{
    OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};
use onramp_provider_kit::http::{self as kit, CallSafety, Exchange, HttpSettings};
use secrecy::{ExposeSecret, SecretString};

use crate::classify::{self, Call};
use crate::credentials::{
    ENV_MESSAGING_SERVICE_SID, ENV_WHATSAPP_FROM, TwilioCredentials, is_e164,
};
use crate::wire;

/// Twilio's core API base URL, where Messages and Accounts are (twilio/twilio-python:
/// twilio/rest/api/ApiBase.py; the path-level `servers` of `Messages.json` in
/// `../shared/provider-specs/twilio.json`).
pub const DEFAULT_API_BASE_URL: &str = "https://api.twilio.com";

/// The shared WhatsApp sandbox sender, E.164 (PROVIDERS.md section 4: a recipient must first
/// send `join <code>` to it, else error 63015; at most one message per 3 seconds). Set it as
/// [`TwilioCredentials::whatsapp_from`] to send through the sandbox.
pub const SANDBOX_WHATSAPP_FROM: &str = "+14155238886";

/// Sends WhatsApp text messages through Twilio's Messages API, and probes the account for
/// health.
///
/// - `send_text`: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form
///   `To=whatsapp:+…`, `From=whatsapp:+…` when [`TwilioCredentials::whatsapp_from`] is set,
///   `MessagingServiceSid` when [`TwilioCredentials::messaging_service_sid`] is set (both when
///   both are: Twilio then sends from `From` and applies the service's settings), `Body`, and
///   `StatusCallback` when [`TwilioCredentials::status_callback_url`] is set; HTTP Basic auth.
///   The answer's `sid` (`SM…`) is [`SentMessage::provider_ref`], which status callbacks name.
///   Twilio has no idempotency key for a message, so the call is `CallSafety::NotIdempotent`:
///   repeated only when Twilio surely did nothing (the connection could not be made, or a 429
///   with a short `Retry-After`), never after a timeout or a 5xx. A `to` that is not E.164 is
///   refused as `Rejected { code: "invalid_number" }` without a call.
/// - `health_check`: `GET /2010-04-01/Accounts/{AccountSid}.json`; an account whose `status`
///   is `suspended` or `closed` fails it as `Unauthorized`.
///
/// Failures follow the kit's generic rules and [`crate::classify`] (Twilio codes: 63015
/// `not_joined`, 21211/21614 `invalid_number`, 63016 `outside_window`, ...).
pub struct TwilioWhatsApp {
    settings: HttpSettings,
    client: reqwest::Client,
    user: String,
    password: SecretString,
    account_sid: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    status_callback: Option<String>,
}

impl std::fmt::Debug for TwilioWhatsApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioWhatsApp")
            .field("base_url", &self.settings.base_url.as_str())
            .field("user", &self.user)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .finish_non_exhaustive()
    }
}

impl TwilioWhatsApp {
    /// A WhatsApp channel for `credentials`, calling `settings.base_url` (the credentials'
    /// own `api_base_url` is not read here: see [`Self::from_credentials`]).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when [`TwilioCredentials::validate`] refuses the
    /// credentials (with its message), or when neither `whatsapp_from`
    /// (`TWILIO_WHATSAPP_FROM`) nor `messaging_service_sid` (`TWILIO_MESSAGING_SERVICE_SID`)
    /// is set; [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &TwilioCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized {
                reason: format!("invalid Twilio credentials: {reason}"),
            })?;
        if credentials.whatsapp_from.is_none() && credentials.messaging_service_sid.is_none() {
            return Err(ProviderError::Unauthorized {
                reason: format!(
                    "no Twilio WhatsApp sender: set whatsapp_from ({ENV_WHATSAPP_FROM}) or messaging_service_sid ({ENV_MESSAGING_SERVICE_SID})"
                ),
            });
        }
        let client = kit::client(&settings)?;
        let (user, password) = credentials.basic_auth();
        Ok(Self {
            settings: settings.for_provider("twilio"),
            client,
            user,
            password,
            account_sid: credentials.account_sid.clone(),
            from: credentials
                .whatsapp_from
                .as_deref()
                .map(wire::whatsapp_address),
            messaging_service_sid: credentials.messaging_service_sid.clone(),
            status_callback: credentials.status_callback_url.clone(),
        })
    }

    /// A WhatsApp channel with the kit's default timeouts and retries, calling
    /// `credentials.api_base_url` or [`DEFAULT_API_BASE_URL`].
    ///
    /// # Errors
    /// As [`Self::new`]; [`ProviderError::Unexpected`] when the base URL does not parse.
    pub fn from_credentials(credentials: &TwilioCredentials) -> Result<Self, ProviderError> {
        let base = credentials
            .api_base_url
            .as_deref()
            .unwrap_or(DEFAULT_API_BASE_URL);
        let settings =
            HttpSettings::parse(base).map_err(|e| ProviderError::Unexpected(Box::new(e)))?;
        Self::new(credentials, settings)
    }

    /// The form of one message: `To`, the sender (`From`, `MessagingServiceSid`), `Body`,
    /// `StatusCallback`.
    fn form<'a>(&'a self, to: &'a str, text: &'a str) -> Vec<(&'static str, &'a str)> {
        let mut form = vec![("To", to)];
        if let Some(from) = &self.from {
            form.push(("From", from));
        }
        if let Some(sid) = &self.messaging_service_sid {
            form.push(("MessagingServiceSid", sid));
        }
        form.push(("Body", text));
        if let Some(url) = &self.status_callback {
            form.push(("StatusCallback", url));
        }
        form
    }

    fn request(&self, method: http::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.settings.url(path))
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .header(http::header::ACCEPT, "application/json")
    }
}

#[async_trait]
impl WhatsAppMessaging for TwilioWhatsApp {
    fn provider(&self) -> ProviderId {
        ProviderId::Twilio
    }

    #[tracing::instrument(skip_all, fields(provider = "twilio", key = %message.key))]
    async fn send_text(&self, message: &OutboundMessage) -> Result<SentMessage, ProviderError> {
        let number = wire::strip_whatsapp(&message.to).unwrap_or(&message.to);
        if !is_e164(number) {
            return Err(ProviderError::rejected(
                "invalid_number",
                "the recipient is not an E.164 number (+ and up to 15 digits)",
            ));
        }
        let to = wire::whatsapp_address(number);
        let form = self.form(&to, &message.text);
        let path = format!("/2010-04-01/Accounts/{}/Messages.json", self.account_sid);
        kit::execute(
            &self.settings,
            CallSafety::NotIdempotent,
            || self.request(http::Method::POST, &path).form(&form),
            created,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(provider = "twilio"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        let path = format!("/2010-04-01/Accounts/{}.json", self.account_sid);
        kit::execute(
            &self.settings,
            CallSafety::Idempotent,
            || self.request(http::Method::GET, &path),
            account_usable,
        )
        .await
    }
}

/// The answer to `POST …/Messages.json`: 201 with the Message, else a classified error.
fn created(x: &Exchange) -> Result<SentMessage, ProviderError> {
    if !x.status.is_success() {
        return Err(classify::classify(Call::Message, x.status, &x.body));
    }
    let message: wire::Message = x.json()?;
    match message.sid.filter(|sid| !sid.trim().is_empty()) {
        Some(sid) => {
            tracing::debug!(sid = %sid, status = ?message.status, "twilio whatsapp message created");
            Ok(SentMessage {
                provider: ProviderId::Twilio,
                provider_ref: sid,
            })
        }
        None => Err(ProviderError::Unexpected(
            format!(
                "twilio answered http {} without a message sid: {}",
                x.status.as_u16(),
                x.snippet()
            )
            .into(),
        )),
    }
}

/// The answer to `GET /2010-04-01/Accounts/{Sid}.json`: 200 with an account that is not
/// suspended or closed.
fn account_usable(x: &Exchange) -> Result<(), ProviderError> {
    if !x.status.is_success() {
        return Err(classify::classify(Call::Account, x.status, &x.body));
    }
    let account: wire::Account = x.json()?;
    match account.status.as_deref().map(str::to_ascii_lowercase) {
        Some(status) if status == "suspended" || status == "closed" => {
            Err(ProviderError::Unauthorized {
                reason: format!("the Twilio account is {status}"),
            })
        }
        _ => Ok(()),
    }
}
