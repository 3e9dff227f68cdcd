//! [`SandboxSignup`]: the [`EmbeddedSignup`] port following Meta's Embedded Signup for a
//! Solution Partner (PROVIDERS.md section 6, MISSION.md D): FINISH data and a single-use
//! authorization code, the code exchanged for a business token, then the server-side steps with
//! that token. WABAs, codes and tokens are kept in a [`SandboxObjects`] store, so that a token
//! outlives the process (issue 11, item 8).

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    BusinessToken, ClearSecret, ClientChannel, Clock, EmbeddedSignup, OutboundMessage,
    ProviderError, ProviderId, SandboxObjects, SentMessage,
};
use onramp_domain::waba::{BusinessId, PhoneNumberId, SignupIds, WabaId};
use serde::{Deserialize, Serialize};

use crate::conversation::SandboxWhatsAppMessage;
use crate::ids::{lock, random_digits};
use crate::objects::{Objects, SandboxStoreError, UNSCOPED};
use crate::signup_state::State;

/// `ProviderError::Unavailable` reason of the calls failed on purpose by
/// [`SandboxSignup::fail_next`].
pub const SIGNUP_OUTAGE_REASON: &str = "sandbox graph outage";

/// Prefix of the authorization codes [`SandboxSignup::begin`] mints: `sbx_code_<uuid>`.
pub const CODE_PREFIX: &str = "sbx_code_";

/// Prefix of the business tokens the sandbox issues: `sbx_token_<32 hex>`.
pub const TOKEN_PREFIX: &str = "sbx_token_";

/// The lifetime of the business tokens the sandbox issues, in seconds (`expires_in`): 60 days,
/// MISSION.md D's "business tokens last about 60 days". A token is refused as `Unauthorized`
/// from then on.
pub const TOKEN_LIFETIME_SECS: u64 = 5_184_000;

/// One operation of the [`EmbeddedSignup`] port, for [`SandboxSignup::calls`] and
/// [`SandboxSignup::fail_next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupOperation {
    /// [`EmbeddedSignup::exchange_code`].
    ExchangeCode,
    /// [`EmbeddedSignup::subscribe_webhooks`].
    SubscribeWebhooks,
    /// [`EmbeddedSignup::share_credit_line`].
    ShareCreditLine,
    /// [`EmbeddedSignup::register_phone`].
    RegisterPhone,
    /// [`EmbeddedSignup::refresh_token`].
    RefreshToken,
    /// [`EmbeddedSignup::send_as_client`].
    SendAsClient,
}

impl SignupOperation {
    /// Every operation, in the port's order.
    pub const ALL: [SignupOperation; 6] = [
        Self::ExchangeCode,
        Self::SubscribeWebhooks,
        Self::ShareCreditLine,
        Self::RegisterPhone,
        Self::RefreshToken,
        Self::SendAsClient,
    ];

    /// The snake_case name (`exchange_code`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExchangeCode => "exchange_code",
            Self::SubscribeWebhooks => "subscribe_webhooks",
            Self::ShareCreditLine => "share_credit_line",
            Self::RegisterPhone => "register_phone",
            Self::RefreshToken => "refresh_token",
            Self::SendAsClient => "send_as_client",
        }
    }
}

/// What the browser receives when a business finishes Embedded Signup: the FINISH event's
/// `data` (`waba_id`, `phone_number_id`, `business_id`) and the authorization code `FB.login`
/// returns. Ids are numeric strings of 15 digits, like Meta's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFinish {
    /// The new WhatsApp Business Account.
    pub waba_id: WabaId,
    /// Its phone number.
    pub phone_number_id: PhoneNumberId,
    /// The business portfolio.
    pub business_id: BusinessId,
    /// The single-use authorization code, `sbx_code_<uuid>`; it expires after
    /// [`DEFAULT_CODE_TTL`](onramp_domain::waba::DEFAULT_CODE_TTL) (30 s) on the sandbox's clock.
    pub code: ClearSecret,
}

impl SandboxFinish {
    /// The three ids, as the domain takes them.
    pub fn ids(&self) -> SignupIds {
        SignupIds {
            waba_id: self.waba_id.clone(),
            phone_number_id: self.phone_number_id.clone(),
            business_id: self.business_id.clone(),
        }
    }
}

/// A WABA as the sandbox holds it, for tests and sandbox pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxWaba {
    /// The WABA's id.
    pub waba_id: WabaId,
    /// Its phone number's id.
    pub phone_number_id: PhoneNumberId,
    /// Its business portfolio's id.
    pub business_id: BusinessId,
    /// Whether the app subscribed to its webhooks.
    pub webhooks_subscribed: bool,
    /// The `allocation_config_id` of the credit line shared with it, once shared.
    pub allocation_config_id: Option<String>,
    /// Whether its phone number is registered.
    pub registered: bool,
}

/// Meta's Embedded Signup, simulated.
///
/// - [`SandboxSignup::begin`] is a business finishing the browser flow: a new WABA, phone number
///   and business, and a fresh authorization code.
/// - [`EmbeddedSignup::exchange_code`] takes only a code [`SandboxSignup::begin`] minted, once
///   and within 30 s; a used, expired or unknown code is `Rejected { code: "code_expired" }`
///   (Meta's OAuthException 100). It answers `sbx_token_<32 hex>` with
///   `expires_in: Some(5_184_000)` ([`TOKEN_LIFETIME_SECS`]).
/// - [`EmbeddedSignup::subscribe_webhooks`], [`EmbeddedSignup::register_phone`] and
///   [`EmbeddedSignup::send_as_client`] take only a live token issued for that WABA or its
///   number, else `Unauthorized` (OAuthException 190). [`EmbeddedSignup::register_phone`]
///   wants a 6-digit PIN (else `Rejected { code: "invalid_pin" }`), and the first PIN
///   registered becomes the number's two-step verification PIN: registering again with another
///   is `invalid_pin` too (Meta's 133005).
/// - [`EmbeddedSignup::share_credit_line`] (the partner's own token: no business token) answers
///   a numeric `allocation_config_id`, the same one for every share with the same WABA.
/// - [`EmbeddedSignup::refresh_token`] issues a new token for the same WABA; the old one stays
///   valid until it expires, as at Meta.
/// - [`EmbeddedSignup::send_as_client`] needs the number registered (else
///   `Rejected { code: "graph_error" }`, Meta's 133010), then behaves as
///   [`SandboxWhatsApp`](crate::SandboxWhatsApp): the same magic numbers, idempotent by key,
///   `wamid.sbx_<key>`, recorded per client number ([`SandboxSignup::client_messages`]).
///
/// Every call is counted per operation and WABA ([`SandboxSignup::calls`]), and
/// [`SandboxSignup::fail_next`] makes an operation unavailable for retry tests.
///
/// WABAs, their numbers, codes and tokens live in the [`SandboxObjects`] store it was built on
/// ([`SandboxSignup::stored_in`]; [`SandboxSignup::new`] keeps them in memory), under the tenant
/// of [`SandboxSignup::for_tenant`]; codes and tokens only as digests, a PIN only as a digest. A
/// code is used with a compare-and-set, so two exchanges racing in any processes cannot both
/// succeed. Call counts, failures on purpose and the client messages are this process's. A
/// store failure is `Unexpected` with the [`SandboxStoreError`]. Cheap to clone: clones share
/// the same state.
///
/// ```
/// use std::sync::Arc;
/// use onramp_domain::ports::{ClearSecret, Clock, EmbeddedSignup, ProviderError};
/// use onramp_sandbox::{SandboxSignup, SignupOperation};
///
/// struct Epoch;
/// impl Clock for Epoch {
///     fn now(&self) -> time::OffsetDateTime { time::OffsetDateTime::UNIX_EPOCH }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let meta = SandboxSignup::new(Arc::new(Epoch));
/// let finish = meta.begin().await?;
/// let token = meta.exchange_code(&finish.code).await?;
/// assert_eq!(token.expires_in, Some(5_184_000));
/// let again = meta.exchange_code(&finish.code).await;
/// assert!(matches!(again, Err(ProviderError::Rejected { code, .. }) if code == "code_expired"));
///
/// let waba = finish.waba_id.as_str();
/// meta.subscribe_webhooks(waba, &token.access_token).await?;
/// let allocation = meta.share_credit_line(waba, "USD").await?;
/// let pin = ClearSecret::new("123456");
/// meta.register_phone(finish.phone_number_id.as_str(), &token.access_token, &pin).await?;
///
/// let state = meta.waba(waba).await?.expect("minted by begin");
/// assert!(state.webhooks_subscribed && state.registered);
/// assert_eq!(state.allocation_config_id, Some(allocation));
/// assert_eq!(meta.calls(SignupOperation::ExchangeCode, waba), 2);
/// assert_eq!(meta.successes(SignupOperation::ExchangeCode, waba), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SandboxSignup {
    clock: Arc<dyn Clock>,
    state: State,
}

impl SandboxSignup {
    /// No WABA yet, kept in memory; codes and tokens expire on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: State::new(Objects::in_memory()),
        }
    }

    /// As [`SandboxSignup::new`], the WABAs, codes and tokens kept in `store` (the server's
    /// database), where another process on the same store finds them.
    pub fn stored_in(clock: Arc<dyn Clock>, store: Arc<dyn SandboxObjects>) -> Self {
        Self {
            clock,
            state: State::new(Objects::new(store, UNSCOPED)),
        }
    }

    /// The same simulator, on `tenant`'s WABAs, codes and tokens (another tenant's are unknown
    /// to it); call counts, failures on purpose and client messages stay shared.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        Self {
            clock: self.clock.clone(),
            state: self.state.scoped(tenant),
        }
    }

    /// A business finishes Embedded Signup: a new WABA with its phone number and business
    /// (15-digit ids), and a fresh single-use authorization code, `sbx_code_<uuid>`.
    ///
    /// # Errors
    /// The store failed: no code was handed out.
    pub async fn begin(&self) -> Result<SandboxFinish, SandboxStoreError> {
        let finish = SandboxFinish {
            waba_id: WabaId::new(random_digits(15)),
            phone_number_id: PhoneNumberId::new(random_digits(15)),
            business_id: BusinessId::new(random_digits(15)),
            code: ClearSecret::new(format!("{CODE_PREFIX}{}", uuid::Uuid::new_v4())),
        };
        self.state.add_waba(&finish, self.clock.now()).await?;
        Ok(finish)
    }

    /// Makes the next `times` calls of `operation` fail with [`ProviderError::Unavailable`]
    /// (reason [`SIGNUP_OUTAGE_REASON`], no `retry_after`) before they do anything: a failed
    /// exchange does not use its code. Replaces any count still pending for `operation`; `0`
    /// ends its outage. In this process only.
    pub fn fail_next(&self, operation: SignupOperation, times: u32) {
        lock(&self.state.local).fail_next(operation, times);
    }

    /// How many calls of `operation` reached this process's sandbox for `waba_id`, whatever
    /// they answered (failures on purpose included). A call is counted under the WABA its code,
    /// token or phone number belongs to (`subscribe_webhooks` and `share_credit_line`: the
    /// WABA named); a call naming nothing the sandbox knows is not counted.
    pub fn calls(&self, operation: SignupOperation, waba_id: &str) -> u32 {
        lock(&self.state.local).calls(operation, waba_id).attempts
    }

    /// How many calls of `operation` for `waba_id` succeeded in this process.
    pub fn successes(&self, operation: SignupOperation, waba_id: &str) -> u32 {
        lock(&self.state.local).calls(operation, waba_id).successes
    }

    /// The WABA `waba_id` minted by [`SandboxSignup::begin`], with the steps done on it.
    ///
    /// # Errors
    /// The store failed.
    pub async fn waba(&self, waba_id: &str) -> Result<Option<SandboxWaba>, SandboxStoreError> {
        self.state.waba(waba_id).await
    }

    /// The messages sent by this process on behalf of the client number `phone_number_id`,
    /// oldest first.
    pub fn client_messages(&self, phone_number_id: &str) -> Vec<SandboxWhatsAppMessage> {
        lock(&self.state.local)
            .log
            .of(&phone_number_id.to_owned(), None)
    }
}

impl std::fmt::Debug for SandboxSignup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let local = lock(&self.state.local);
        f.debug_struct("SandboxSignup")
            .field("tenant", &self.state.tenant())
            .field("wabas", &local.minted)
            .field("messages", &local.log.len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl EmbeddedSignup for SandboxSignup {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// # Errors
    /// `Rejected { code: "code_expired" }` for a code used, older than 30 s or never minted;
    /// `Unavailable` while [`SandboxSignup::fail_next`] says so.
    async fn exchange_code(&self, code: &ClearSecret) -> Result<BusinessToken, ProviderError> {
        let now = self.clock.now();
        self.state.exchange_code(code.expose(), now).await
    }

    /// # Errors
    /// `Unauthorized` for a token not issued for `waba_id` or expired; `Unavailable` while
    /// [`SandboxSignup::fail_next`] says so.
    async fn subscribe_webhooks(
        &self,
        waba_id: &str,
        token: &ClearSecret,
    ) -> Result<(), ProviderError> {
        let now = self.clock.now();
        self.state
            .subscribe_webhooks(waba_id, token.expose(), now)
            .await
    }

    /// # Errors
    /// `Rejected { code: "invalid_parameter" }` for an unknown WABA or a currency that is not
    /// three upper-case letters; `Unavailable` while [`SandboxSignup::fail_next`] says so.
    async fn share_credit_line(
        &self,
        waba_id: &str,
        currency: &str,
    ) -> Result<String, ProviderError> {
        self.state.share_credit_line(waba_id, currency).await
    }

    /// # Errors
    /// `Unauthorized` for a token not issued for the number's WABA or expired;
    /// `Rejected { code: "invalid_pin" }` for a PIN that is not 6 digits or differs from the
    /// number's first; `Unavailable` while [`SandboxSignup::fail_next`] says so.
    async fn register_phone(
        &self,
        phone_number_id: &str,
        token: &ClearSecret,
        pin: &ClearSecret,
    ) -> Result<(), ProviderError> {
        let now = self.clock.now();
        self.state
            .register_phone(phone_number_id, token.expose(), pin, now)
            .await
    }

    /// # Errors
    /// `Unauthorized` for a token the sandbox did not issue or that expired; `Unavailable`
    /// while [`SandboxSignup::fail_next`] says so.
    async fn refresh_token(&self, token: &ClearSecret) -> Result<BusinessToken, ProviderError> {
        let now = self.clock.now();
        self.state.refresh_token(token.expose(), now).await
    }

    /// # Errors
    /// `Unauthorized` for a token not issued for the number's WABA or expired;
    /// `Rejected { code: "graph_error" }` before the number is registered; then as
    /// [`SandboxWhatsApp`](crate::SandboxWhatsApp)'s `send_text` (magic numbers, invalid
    /// numbers and texts, a reused key); `Unavailable` while [`SandboxSignup::fail_next`]
    /// says so.
    async fn send_as_client(
        &self,
        channel: &ClientChannel,
        message: &OutboundMessage,
    ) -> Result<SentMessage, ProviderError> {
        let now = self.clock.now();
        self.state.send_as_client(channel, message, now).await
    }
}
