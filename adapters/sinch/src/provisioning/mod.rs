//! [`SinchSenders`]: the `BspProvisioning` port over the Sinch Provisioning API's WhatsApp
//! senders (PROVIDERS.md section 5, "WhatsApp sender provisioning").

mod details;
pub mod wire;

pub use details::{DEFAULT_VERTICAL, KNOWN_DETAILS, VERTICALS, split_phone, vertical};

use http::Method;
use onramp_domain::ports::{
    BspProvisioning, NewSender, NumberRegistration, NumberVerificationMethod, ProviderError,
    ProviderId, SenderInfo,
};
use onramp_domain::verification::OtpCode;
use onramp_provider_kit::http::{CallSafety, HttpSettings};

use crate::credentials::SinchCredentials;
use crate::path::segment;
use crate::project::{ProjectApi, classify, settings};

/// Sinch's WhatsApp senders as a [`BspProvisioning`]: `POST`/`GET
/// https://provisioning.api.sinch.com/v1/projects/{projectId}/whatsapp/senders[/{senderId}]`
/// (and `POST .../{senderId}/{comments,register,verify}`) with Basic auth (the project's access key), through
/// [`onramp_provider_kit::http::execute`].
///
/// Needs [`SinchCredentials::project_id`], [`SinchCredentials::access_key_id`] and
/// [`SinchCredentials::access_key_secret`].
#[derive(Debug)]
pub struct SinchSenders {
    api: ProjectApi,
}

impl SinchSenders {
    /// [`crate::DEFAULT_PROVISIONING_BASE_URL`].
    pub const DEFAULT_BASE_URL: &'static str = crate::DEFAULT_PROVISIONING_BASE_URL;

    /// Senders of `credentials`' project (their `provisioning_base_url` is ignored: `settings`
    /// says where to send).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the credentials do not validate
    /// ([`SinchCredentials::validate`]) or lack the project id or the access key;
    /// [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(
        credentials: &SinchCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            api: ProjectApi::new(credentials, settings)?,
        })
    }

    /// Senders at [`SinchCredentials::provisioning_base_url`] (or [`Self::DEFAULT_BASE_URL`])
    /// with the default [`HttpSettings`].
    ///
    /// # Errors
    /// As [`Self::new`]; a base URL that does not parse is `Unauthorized`.
    pub fn from_credentials(credentials: &SinchCredentials) -> Result<Self, ProviderError> {
        let base = credentials.provisioning_base_url();
        Self::new(credentials, settings(base, "provisioning_base_url")?)
    }

    fn sender_path(&self, sender_id: &str, rest: &str) -> String {
        self.api.project_path(&format!(
            "{}/{}{rest}",
            wire::SENDERS_PATH,
            segment(sender_id)
        ))
    }
}

#[async_trait::async_trait]
impl BspProvisioning for SinchSenders {
    fn provider(&self) -> ProviderId {
        ProviderId::Sinch
    }

    /// `POST /v1/projects/{projectId}/whatsapp/senders` with the partner-initiated body for the
    /// business's own number ([`wire::CreateSenderRequest`], details mapped by
    /// [`wire::SenderDetails::from_new_sender`]); answers the new sender's id and state
    /// (`IN_PROGRESS` while Meta reviews it).
    ///
    /// Not retried after an unknown effect ([`CallSafety::NotIdempotent`]): the Provisioning
    /// API documents no idempotency key for this call (`sender.key` has nowhere to go), and a
    /// second submission of the same number is refused (`409 used_phone_number_id`) or makes a
    /// second sender. An `Unavailable` answer may therefore hide a created sender: list the
    /// project's senders before submitting again.
    async fn create_sender(&self, sender: &NewSender) -> Result<SenderInfo, ProviderError> {
        let body = wire::CreateSenderRequest {
            phone_number_provider: wire::CUSTOMER_NUMBER,
            details: wire::SenderDetails::from_new_sender(sender)?,
        };
        let info = self
            .api
            .call(
                Method::POST,
                &self.api.project_path(wire::SENDERS_PATH),
                Some(&body),
                CallSafety::NotIdempotent,
                classify::sender_answer,
            )
            .await?;
        tracing::debug!(sender_id = %info.id, key = %sender.key, "sinch whatsapp sender created");
        Ok(info)
    }

    /// `GET /v1/projects/{projectId}/whatsapp/senders/{senderId}`; retried where safe
    /// ([`CallSafety::Idempotent`]). An unknown sender is `Rejected { code: "sender_not_found" }`.
    async fn sender(&self, sender_id: &str) -> Result<SenderInfo, ProviderError> {
        self.api
            .call(
                Method::GET,
                &self.sender_path(sender_id, ""),
                None::<&()>,
                CallSafety::Idempotent,
                classify::sender_answer,
            )
            .await
    }

    /// Sends `corrections` to Sinch's reviewers as a comment on the sender, `POST
    /// /v1/projects/{projectId}/whatsapp/senders/{senderId}/comments` with `{"comment"}`, then
    /// answers the sender's state ([`Self::sender`]).
    ///
    /// The Provisioning API (OpenAPI 1.2.117) has no `POST .../senders/{senderId}/changes`: its
    /// `changes` resource only answers `DELETE` (drop pending or rejected changes), structured
    /// corrections go through `PATCH .../senders/{senderId}`, and free-text corrections, which
    /// is what this port carries, through the comments endpoint. The comment is not retried
    /// after an unknown effect ([`CallSafety::NotIdempotent`]).
    ///
    /// # Errors
    /// `Rejected { code: "invalid_parameter" }` for empty corrections (Sinch requires at least
    /// one character), before any call.
    async fn resubmit(
        &self,
        sender_id: &str,
        corrections: &str,
    ) -> Result<SenderInfo, ProviderError> {
        let comment = corrections.trim();
        if comment.is_empty() {
            return Err(ProviderError::rejected(
                "invalid_parameter",
                "the corrections are empty",
            ));
        }
        self.api
            .call(
                Method::POST,
                &self.sender_path(sender_id, wire::COMMENTS_PATH),
                Some(&wire::CommentRequest { comment }),
                CallSafety::NotIdempotent,
                classify::comment_answer,
            )
            .await?;
        self.sender(sender_id).await
    }

    /// `POST /v1/projects/{projectId}/whatsapp/senders/{senderId}/register` with `{"method":
    /// "SMS" | "VOICE"}` ([`wire::RegisterRequest`]); answers the method Sinch used (the one
    /// asked when Sinch's is `UNRECOGNIZED` or missing) and `verificationCodeSent`
    /// ([`classify::registration_answer`]).
    ///
    /// Not retried after an unknown effect ([`CallSafety::NotIdempotent`]): each call sends a
    /// new SMS or places a new call to the number.
    async fn register_number(
        &self,
        sender_id: &str,
        method: NumberVerificationMethod,
    ) -> Result<NumberRegistration, ProviderError> {
        let registration = self
            .api
            .call(
                Method::POST,
                &self.sender_path(sender_id, wire::REGISTER_PATH),
                Some(&wire::RegisterRequest::new(method)),
                CallSafety::NotIdempotent,
                |x| classify::registration_answer(x, method),
            )
            .await?;
        tracing::debug!(
            sender_id,
            method = registration.method.as_str(),
            code_sent = registration.code_sent,
            "sinch whatsapp number registration asked"
        );
        Ok(registration)
    }

    /// `POST /v1/projects/{projectId}/whatsapp/senders/{senderId}/verify` with `{"code"}`
    /// ([`wire::VerifyRequest`]), then answers the sender's state ([`Self::sender`]): the
    /// reference lists no fields for the verify answer, so any 2xx is a success
    /// ([`classify::verification_answer`]).
    ///
    /// Not retried after an unknown effect ([`CallSafety::NotIdempotent`]): whether Sinch
    /// accepts the same code twice is not documented, and a code checked twice may count as a
    /// second attempt, so a call whose effect is unknown is not replayed blindly.
    ///
    /// # Errors
    /// `Rejected { code: "invalid_code" }` before any call unless `code` is exactly 6 ASCII
    /// digits once trimmed ([`OtpCode::parse`]; Sinch asks for exactly 6 characters without
    /// spaces), and for a 400 or 422 refusal of the code (an inference, UNCONFIRMED: see
    /// [`classify::verification_answer`]); `Rejected { code: "sender_not_found" }` for an
    /// unknown sender; otherwise as the other calls.
    async fn verify_number(
        &self,
        sender_id: &str,
        code: &str,
    ) -> Result<SenderInfo, ProviderError> {
        let code = OtpCode::parse(code)
            .map_err(|e| ProviderError::rejected("invalid_code", e.to_string()))?;
        self.api
            .call(
                Method::POST,
                &self.sender_path(sender_id, wire::VERIFY_PATH),
                Some(&wire::VerifyRequest {
                    code: code.expose(),
                }),
                CallSafety::NotIdempotent,
                classify::verification_answer,
            )
            .await?;
        self.sender(sender_id).await
    }
}
