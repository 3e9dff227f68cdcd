//! The Graph API calls both adapters make, each with its checks of the caller's input, its
//! retry policy and its reading of the answer.
//!
//! Retries (through [`onramp_provider_kit::http::execute`]): the code exchange is sent once,
//! whatever happens (a code is single use); sending a message is [`CallSafety::NotIdempotent`]
//! (Meta has no idempotency key for messages, so it is repeated only when Meta surely did not
//! get it: no connection, or a 429); every other call is [`CallSafety::Idempotent`]:
//! subscribing and registering again change nothing at Meta, sharing the credit line is keyed
//! by the WABA, and reads and token refreshes have no effect.

use onramp_domain::ports::{
    BusinessToken, ClearSecret, OutboundMessage, ProviderError, ProviderId, SentMessage,
};
use onramp_provider_kit::credentials::is_header_safe;
use onramp_provider_kit::http::{self, CallSafety, Exchange, HttpSettings};

use crate::classify::{Operation, classify, unexpected};
use crate::credentials::{is_currency, is_graph_id, is_graph_version};
use crate::wire::{
    CreditSharingAnswer, MessageAnswer, NodeAnswer, RegisterRequest, SuccessAnswer, TextBody,
    TextMessageRequest, TokenAnswer, WHATSAPP, id_text,
};

/// The longest text Meta takes in `text.body` (the port's [`OutboundMessage::text`]).
pub const MAX_TEXT_CHARS: usize = 4096;
/// The most digits an E.164 number has (ITU-T E.164 section 6).
const MAX_NUMBER_DIGITS: usize = 15;

/// A Graph API client: base URL, version, HTTP settings.
pub(crate) struct Graph {
    pub(crate) settings: HttpSettings,
    client: reqwest::Client,
    version: String,
}

/// Wraps a malformed-credentials message as the port's error.
pub(crate) fn invalid_credentials(reason: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unauthorized {
        reason: format!("invalid Meta credentials: {reason}"),
    }
}

/// A refusal made before any request, with the port's stable `code`.
fn refuse(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::rejected(code, message)
}

/// Checks that `id` is a Graph id before it goes into a URL path.
fn check_id(id: &str, what: &str) -> Result<(), ProviderError> {
    if is_graph_id(id) {
        Ok(())
    } else {
        Err(refuse(
            "invalid_parameter",
            format!("{what} {id:?} is not a Graph id (digits)"),
        ))
    }
}

/// Checks that a token can travel in an `Authorization` header.
fn check_token(token: &str, what: &str) -> Result<(), ProviderError> {
    if is_header_safe(token) {
        Ok(())
    } else {
        Err(ProviderError::Unauthorized {
            reason: format!("the {what} is empty or contains characters a header cannot carry"),
        })
    }
}

/// `+15551234567` as `15551234567`, the form of Meta's `to`.
fn recipient(to: &str) -> Result<&str, ProviderError> {
    let digits = to.strip_prefix('+').unwrap_or(to);
    if is_graph_id(digits) && digits.len() <= MAX_NUMBER_DIGITS {
        Ok(digits)
    } else {
        Err(refuse(
            "invalid_number",
            format!("{to:?} is not an E.164 number"),
        ))
    }
}

/// `{"success": true}`, or an unexpected answer.
fn read_success(answer: &Exchange) -> Result<(), ProviderError> {
    if answer.json::<SuccessAnswer>()?.success {
        Ok(())
    } else {
        Err(unexpected(format!(
            "success is not true: {}",
            answer.snippet()
        )))
    }
}

/// A token answer as the port's [`BusinessToken`].
fn read_token(answer: &Exchange) -> Result<BusinessToken, ProviderError> {
    let token = answer.json::<TokenAnswer>()?;
    if token.access_token.trim().is_empty() {
        return Err(unexpected("a token answer without an access_token"));
    }
    Ok(BusinessToken {
        access_token: ClearSecret::new(token.access_token),
        expires_in: token.expires_in,
    })
}

impl Graph {
    /// A client of `settings.base_url` speaking Graph `version`.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] for a version that is not `v<major>.<minor>` or a base
    /// URL that cannot take a path; [`ProviderError::Unexpected`] when the HTTP client cannot
    /// be built.
    pub(crate) fn new(settings: HttpSettings, version: &str) -> Result<Self, ProviderError> {
        if !is_graph_version(version) {
            return Err(invalid_credentials(format!(
                "graph_version must look like v23.0: {version:?}"
            )));
        }
        if settings.base_url.cannot_be_a_base() {
            return Err(invalid_credentials(format!(
                "base_url {:?} cannot take a path",
                settings.base_url.as_str()
            )));
        }
        Ok(Self {
            client: http::client(&settings)?,
            settings: settings.for_provider("meta"),
            version: version.to_string(),
        })
    }

    /// The Graph version, e.g. `v23.0`.
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// `{base}/{version}/{segments…}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<String, ProviderError> {
        let mut url = self.settings.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| unexpected("the base URL cannot take a path"))?
            .pop_if_empty()
            .push(&self.version)
            .extend(segments);
        Ok(url.into())
    }

    /// Sends what `build` makes as `safety` allows with `settings`; 2xx answers go to `read`,
    /// the others to [`classify`].
    async fn call<T>(
        &self,
        settings: &HttpSettings,
        operation: Operation,
        safety: CallSafety,
        build: impl Fn() -> reqwest::RequestBuilder,
        read: impl Fn(&Exchange) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        http::execute(settings, safety, build, |answer: &Exchange| {
            if answer.status.is_success() {
                read(answer)
            } else {
                Err(classify(operation, answer))
            }
        })
        .await
    }

    /// `GET /{version}/oauth/access_token?client_id&client_secret&code`, sent exactly once.
    pub(crate) async fn exchange_code(
        &self,
        app_id: &str,
        app_secret: &str,
        code: &str,
    ) -> Result<BusinessToken, ProviderError> {
        if code.trim().is_empty() {
            return Err(refuse("code_expired", "the authorization code is empty"));
        }
        let url = self.url(&["oauth", "access_token"])?;
        let once = HttpSettings {
            max_attempts: 1,
            ..self.settings.clone()
        };
        let query = [
            ("client_id", app_id),
            ("client_secret", app_secret),
            ("code", code),
        ];
        self.call(
            &once,
            Operation::ExchangeCode,
            CallSafety::NotIdempotent,
            || self.client.get(&url).query(&query),
            read_token,
        )
        .await
    }

    /// `GET /{version}/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`.
    pub(crate) async fn refresh_token(
        &self,
        app_id: &str,
        app_secret: &str,
        token: &str,
    ) -> Result<BusinessToken, ProviderError> {
        check_token(token, "business token")?;
        let url = self.url(&["oauth", "access_token"])?;
        let query = [
            ("grant_type", "fb_exchange_token"),
            ("client_id", app_id),
            ("client_secret", app_secret),
            ("fb_exchange_token", token),
        ];
        self.call(
            &self.settings,
            Operation::RefreshToken,
            CallSafety::Idempotent,
            || self.client.get(&url).query(&query),
            read_token,
        )
        .await
    }

    /// `POST /{version}/{waba-id}/subscribed_apps` without a body (the description's
    /// `requestBody` is optional; no callback override).
    pub(crate) async fn subscribe(&self, waba_id: &str, token: &str) -> Result<(), ProviderError> {
        check_id(waba_id, "WABA id")?;
        check_token(token, "business token")?;
        let url = self.url(&[waba_id, "subscribed_apps"])?;
        self.call(
            &self.settings,
            Operation::Subscribe,
            CallSafety::Idempotent,
            || self.client.post(&url).bearer_auth(token),
            read_success,
        )
        .await
    }

    /// `POST /{version}/{credit-line-id}/whatsapp_credit_sharing_and_attach?waba_id&waba_currency`
    /// with the system user token; answers `allocation_config_id`.
    pub(crate) async fn share_credit(
        &self,
        credit_line_id: &str,
        waba_id: &str,
        currency: &str,
        system_token: &str,
    ) -> Result<String, ProviderError> {
        check_id(credit_line_id, "credit line id")?;
        check_id(waba_id, "WABA id")?;
        check_token(system_token, "system user token")?;
        if !is_currency(currency) {
            return Err(refuse(
                "invalid_parameter",
                format!("{currency:?} is not an ISO 4217 currency code"),
            ));
        }
        let url = self.url(&[credit_line_id, "whatsapp_credit_sharing_and_attach"])?;
        let query = [("waba_id", waba_id), ("waba_currency", currency)];
        self.call(
            &self.settings,
            Operation::ShareCredit,
            CallSafety::Idempotent,
            || {
                self.client
                    .post(&url)
                    .query(&query)
                    .bearer_auth(system_token)
            },
            |answer: &Exchange| {
                id_text(&answer.json::<CreditSharingAnswer>()?.allocation_config_id).ok_or_else(
                    || unexpected("a credit sharing answer without allocation_config_id"),
                )
            },
        )
        .await
    }

    /// `POST /{version}/{phone-number-id}/register` with `{"messaging_product": "whatsapp",
    /// "pin"}`.
    pub(crate) async fn register(
        &self,
        phone_number_id: &str,
        token: &str,
        pin: &str,
    ) -> Result<(), ProviderError> {
        check_id(phone_number_id, "phone number id")?;
        check_token(token, "business token")?;
        if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse("invalid_pin", "the PIN must be exactly 6 digits"));
        }
        let url = self.url(&[phone_number_id, "register"])?;
        let body = RegisterRequest {
            messaging_product: WHATSAPP,
            pin,
        };
        self.call(
            &self.settings,
            Operation::Register,
            CallSafety::Idempotent,
            || self.client.post(&url).bearer_auth(token).json(&body),
            read_success,
        )
        .await
    }

    /// `POST /{version}/{phone-number-id}/messages`: one text message; the provider ref is
    /// `messages[0].id`.
    pub(crate) async fn send_text(
        &self,
        phone_number_id: &str,
        token: &str,
        message: &OutboundMessage,
    ) -> Result<SentMessage, ProviderError> {
        check_id(phone_number_id, "phone number id")?;
        check_token(token, "token")?;
        let to = recipient(&message.to)?;
        let length = message.text.chars().count();
        if length == 0 || length > MAX_TEXT_CHARS {
            return Err(refuse(
                "invalid_parameter",
                format!("the text has {length} characters; Meta takes 1 to {MAX_TEXT_CHARS}"),
            ));
        }
        let url = self.url(&[phone_number_id, "messages"])?;
        let body = TextMessageRequest {
            messaging_product: WHATSAPP,
            recipient_type: "individual",
            to,
            kind: "text",
            text: TextBody {
                body: &message.text,
            },
        };
        self.call(
            &self.settings,
            Operation::Send,
            CallSafety::NotIdempotent,
            || self.client.post(&url).bearer_auth(token).json(&body),
            |answer: &Exchange| {
                let id = answer
                    .json::<MessageAnswer>()?
                    .messages
                    .into_iter()
                    .next()
                    .map(|m| m.id)
                    .filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| unexpected("a message answer without messages[0].id"))?;
                Ok(SentMessage {
                    provider: ProviderId::Meta,
                    provider_ref: id,
                })
            },
        )
        .await
    }

    /// `GET /{version}/{phone-number-id}?fields=id`: the number is readable with `token`.
    pub(crate) async fn health(
        &self,
        phone_number_id: &str,
        token: &str,
    ) -> Result<(), ProviderError> {
        check_id(phone_number_id, "phone number id")?;
        let url = self.url(&[phone_number_id])?;
        self.call(
            &self.settings,
            Operation::Health,
            CallSafety::Idempotent,
            || {
                self.client
                    .get(&url)
                    .query(&[("fields", "id")])
                    .bearer_auth(token)
            },
            |answer: &Exchange| {
                let node = answer.json::<NodeAnswer>()?;
                if node.id == phone_number_id {
                    Ok(())
                } else {
                    Err(unexpected(format!(
                        "asked for {phone_number_id}, Meta answered {}",
                        node.id
                    )))
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests;
