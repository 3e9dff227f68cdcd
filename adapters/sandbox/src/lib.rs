//! Onramp's sandbox providers: in-process simulators of the outbound ports, so the whole journey
//! runs without any provider credentials (MISSION.md, "works without credentials").
//!
//! An outbound adapter of the hexagon (DESIGN.md section 3), one simulator per port, each
//! following its provider's own test conventions:
//!
//! - [`SandboxVerificationSender`] implements
//!   [`VerificationSender`](onramp_domain::ports::VerificationSender) by writing each code into a
//!   [`SandboxInbox`] (in memory, or JSON lines in a file that survives restarts) where tests and
//!   people read it back with [`SandboxInbox::messages_to`]. Sends are idempotent by delivery id,
//!   so "nothing sent twice" can be checked through the inbox. Magic numbers below.
//! - [`SandboxCards`] implements [`CardOnFile`](onramp_domain::ports::CardOnFile) with Stripe's
//!   test payment methods (table below) and Stripe's `Idempotency-Key` replay.
//! - [`SandboxOrders`] implements [`OrderPayments`](onramp_domain::ports::OrderPayments) with
//!   PayPal's Orders v2 flow: create, approval by the buyer through the sandbox's approve link
//!   ([`SandboxOrders::approve`]), one capture however many calls race.
//! - [`SandboxMailbox`] implements [`Mailer`](onramp_domain::ports::Mailer) into an in-memory
//!   mailbox per tenant ([`SandboxMailbox::mail_to`]), de-duplicated by the mail's key.
//! - [`SandboxWhatsApp`] implements
//!   [`WhatsAppMessaging`](onramp_domain::ports::WhatsAppMessaging) for one tenant
//!   ([`SandboxConversations::for_tenant`]) into a [`SandboxConversations`] log read back with
//!   [`SandboxConversations::messages_to`]; idempotent by message key, answering
//!   `wamid.sbx_<key>`. Magic numbers below (WhatsApp column).
//! - [`SandboxSignup`] implements [`EmbeddedSignup`](onramp_domain::ports::EmbeddedSignup)
//!   with Meta's Embedded Signup: [`SandboxSignup::begin`] is the browser's FINISH event and its
//!   single-use code, then the code exchange and the steps with the business token (section
//!   below).
//! - [`SandboxBsp`] implements [`BspProvisioning`](onramp_domain::ports::BspProvisioning) with
//!   Sinch's sender lifecycle, Meta's review decided by magic display names (table below).
//!
//! Every simulator is cheap to clone (clones share state) and answers
//! `ProviderId::Sandbox`.
//!
//! # Where the objects live
//!
//! [`SandboxOrders`], [`SandboxCards`] and [`SandboxBsp`] keep their provider objects (PayPal
//! orders, Stripe customers, payment methods, authorizations and subscriptions, BSP senders, and
//! the answers remembered under idempotency keys) in a
//! [`SandboxObjects`](onramp_domain::ports::SandboxObjects) store, one tenant's apart from
//! another's (`for_tenant`): the server passes its database (`stored_in`), so the orders, trials
//! and accounts that name these objects still find them after a restart or on another replica
//! (issue 11, item 8); `new` keeps them in an [`InMemorySandboxObjects`]. Their invariants hold
//! across processes: a PayPal order is captured with a compare-and-set on its version, and one
//! idempotency key names one order. A store failure is `Unexpected` (`Provider(Unexpected)` for
//! payments) with the [`SandboxStoreError`].
//!
//! [`SandboxSignup`] keeps its WABAs, codes and tokens there too (codes, tokens and PINs only as
//! digests). The message logs stay in the process: [`SandboxInbox`] (kept in a JSON-lines file
//! by the server, so it survives a restart), [`SandboxMailbox`], [`SandboxConversations`] and
//! the messages [`SandboxSignup`] sent as clients (in memory), and so do [`SandboxSignup`]'s call
//! counts and failures on purpose.
//!
//! # Magic numbers
//!
//! In the spirit of the providers' test numbers, these destinations behave the same way every
//! time. They are in the fictional range 555-0100 to 555-0199 of area code 202 (reserved by
//! NANPA for fiction, and valid for libphonenumber; the UK drama range +44 7700 900xxx is not).
//!
//! | Number | Constant | Voice | SMS | WhatsApp |
//! |---|---|---|---|---|
//! | `+12025550101` | [`magic::VOICE_NEVER_ANSWERED`] | rejected `call_not_answered` | delivered | delivered |
//! | `+12025550110` to `+12025550119` | [`magic::VOICE_NEVER_ANSWERED_RANGE`] | rejected `call_not_answered` | delivered | delivered |
//! | `+12025550102` | [`magic::SMS_ALWAYS_FAILS`] | delivered | rejected `sms_undelivered` | delivered |
//! | `+12025550103` | [`magic::UNDELIVERABLE`] | rejected `undeliverable` | rejected `undeliverable` | rejected `undeliverable` |
//! | `+12025550104` | [`magic::PROVIDER_UNAVAILABLE`] | unavailable `sandbox outage` | unavailable `sandbox outage` | unavailable `sandbox outage` |
//! | `+12025550105` | [`magic::WHATSAPP_NOT_JOINED`] | delivered | delivered | rejected `not_joined` (Twilio's 63015) |
//! | any other valid number | | delivered | delivered | delivered |
//!
//! "Rejected" is `ProviderError::Rejected { code, .. }`, and the failed attempt is recorded in the
//! inbox with status `failed`. "Unavailable" is `ProviderError::Unavailable` with no
//! `retry_after`, and nothing is recorded (the provider never accepted the request). A delivered
//! code answers `DeliveryReceipt { provider: ProviderId::Sandbox, provider_ref: "sbx_<delivery id>", .. }`.
//!
//! The WhatsApp column is [`SandboxWhatsApp`]'s `send_text` and [`SandboxSignup`]'s
//! `send_as_client`. There, nothing is recorded for a rejected or unavailable message; an
//! accepted one answers `SentMessage { provider: ProviderId::Sandbox, provider_ref:
//! "wamid.sbx_<key>" }`. A recipient that is not a valid number is rejected `invalid_number`,
//! a text over 4096 characters `invalid_parameter`. [`SandboxBsp`]'s `create_sender` for a
//! sender number [`magic::PROVIDER_UNAVAILABLE`] is unavailable too.
//!
//! # Embedded Signup
//!
//! [`SandboxSignup`] follows Meta's rules (PROVIDERS.md section 6):
//!
//! | Call | Sandbox rule | Failure |
//! |---|---|---|
//! | [`SandboxSignup::begin`] | new 15-digit `waba_id`, `phone_number_id`, `business_id`, and a code `sbx_code_<uuid>` | |
//! | `exchange_code` | a minted code, once, within 30 s → `sbx_token_<32 hex>`, `expires_in: Some(5_184_000)` | rejected `code_expired` (OAuthException 100) |
//! | `subscribe_webhooks` | a live token of that WABA | unauthorized |
//! | `share_credit_line` | a minted WABA, an ISO 4217 currency → numeric `allocation_config_id`, the same per WABA | rejected `invalid_parameter` |
//! | `register_phone` | a live token of the number's WABA, a 6-digit PIN, the same PIN as the first registration | unauthorized; rejected `invalid_pin` |
//! | `refresh_token` | a live token → a new one for the same WABA (the old one stays valid) | unauthorized |
//! | `send_as_client` | a live token of the number's WABA, the number registered, then the WhatsApp column | unauthorized; rejected `graph_error`; as `send_text` |
//!
//! Tokens expire after 60 days on the sandbox's clock. [`SandboxSignup::calls`] and
//! [`SandboxSignup::successes`] count calls per [`SignupOperation`] and WABA, and
//! [`SandboxSignup::fail_next`] makes the next calls of one operation unavailable
//! ([`SIGNUP_OUTAGE_REASON`]).
//!
//! # BSP review
//!
//! [`SandboxBsp`] creates senders `IN_PROGRESS` with id `sbx_sender_<key>` (the same key
//! answers the same sender); the review is decided by the display name (ignoring case) at the
//! first poll (`sender`), not at the creation:
//!
//! | Display name contains | Constant | Review |
//! |---|---|---|
//! | `Rejected` | [`magic::BSP_REJECTED`] | `Error { reason: "display name does not follow WhatsApp's display name guidelines" }` |
//! | `Suspended` (and not `Rejected`) | [`magic::BSP_SUSPENDED`] | `Suspended { reason: "SUSPENDED" }` |
//! | `Slow Review` | [`magic::BSP_SLOW_REVIEW`] | still `InProgress` at the first poll, decided by the rows above at the second |
//! | `Unverified Number` | [`magic::BSP_UNVERIFIED_NUMBER`] | `PendingVerification` until the number's code (sent to the sandbox inbox by `register_number`) is given back to `verify_number`; then reviewed by the rows above |
//! | none of these | | `Active` |
//!
//! `resubmit` of an `Error` sender answers `InProgress`, and the next poll makes it `Active`,
//! or `Error` again when the corrections contain `Rejected`. Resubmitting a sender not in
//! `Error` is rejected `not_rejected`; an unknown id is rejected `sender_not_found`.
//!
//! # Test cards
//!
//! Stripe's test tokens (doc: <https://docs.stripe.com/testing>), as the client sends them to
//! `attach_card`. Attaching clones the token into a new `pm_sbx_…` id; the fingerprint depends
//! only on the card number, so one card attached by two customers has one fingerprint.
//!
//! | Token | Card | Attach | Trial end |
//! |---|---|---|---|
//! | `pm_card_visa`, `pm_card_mastercard`, `pm_card_amex`, `pm_card_discover` | …4242, …4444, …8431, …1117 | attached | `active` |
//! | `pm_card_chargeCustomerFail` | visa …0341 | attached (the card check passes too, see [`SandboxCards`]) | `past_due` |
//! | `pm_card_visa_chargeDeclined` | visa …0002 | `card_declined` / `generic_decline` | |
//! | `pm_card_visa_chargeDeclinedInsufficientFunds` | visa …9995 | `card_declined` / `insufficient_funds` | |
//! | `pm_card_visa_chargeDeclinedLostCard` | visa …9987 | `card_declined` / `lost_card` | |
//! | `pm_card_visa_chargeDeclinedStolenCard` | visa …9979 | `card_declined` / `stolen_card` | |
//! | `pm_card_chargeDeclinedExpiredCard` | visa …0069 | `expired_card` / `expired_card` | |
//! | `pm_card_chargeDeclinedIncorrectCvc` | visa …0127 | `incorrect_cvc` / `incorrect_cvc` | |
//! | `pm_card_chargeDeclinedProcessingError` | visa …0119 | `processing_error` / `processing_error` | |
//! | `pm_card_visa_chargeDeclinedVelocityLimitExceeded` | visa …6975 | `card_declined` / `card_velocity_exceeded` | |
//! | anything else | | `Refused { code: "resource_missing" }` | |
//!
//! A canceled subscription ends `canceled`.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use onramp_domain::ids::{JobId, TenantId};
//! use onramp_domain::phone::PhoneNumber;
//! use onramp_domain::ports::{Clock, CodeDelivery, ProviderError, VerificationSender};
//! use onramp_domain::verification::{Channel, OtpCode};
//! use onramp_sandbox::{magic, SandboxInbox, SandboxVerificationSender};
//!
//! struct Epoch;
//! impl Clock for Epoch {
//!     fn now(&self) -> time::OffsetDateTime { time::OffsetDateTime::UNIX_EPOCH }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let inbox = SandboxInbox::in_memory();
//! let sender = SandboxVerificationSender::new(inbox.clone(), Arc::new(Epoch));
//! let tenant = TenantId::new(uuid::Uuid::from_u128(1));
//! let to = PhoneNumber::parse(magic::VOICE_NEVER_ANSWERED, None)?;
//! let mut delivery = CodeDelivery {
//!     delivery_id: JobId::new(uuid::Uuid::from_u128(10)),
//!     tenant,
//!     to: to.clone(),
//!     channel: Channel::Voice,
//!     code: OtpCode::parse("042917")?,
//! };
//! let voice = sender.send_code(&delivery).await;
//! assert!(matches!(voice, Err(ProviderError::Rejected { code, .. }) if code == "call_not_answered"));
//!
//! delivery.delivery_id = JobId::new(uuid::Uuid::from_u128(11));
//! delivery.channel = Channel::Sms;
//! let receipt = sender.send_code(&delivery).await?;
//! assert_eq!(receipt.provider_ref, "sbx_00000000-0000-0000-0000-00000000000b");
//!
//! let seen = inbox.messages_to(tenant, &to);
//! assert_eq!(seen.len(), 2);
//! assert_eq!(seen[1].body, "Your Onramp verification code is 042917.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod bsp;
mod bsp_review;
mod cards;
mod cards_objects;
mod conversation;
mod ids;
mod inbox;
pub mod magic;
mod mail;
mod objects;
mod orders;
mod replay;
mod sender;
mod signup;
mod signup_local;
mod signup_objects;
mod signup_state;
mod test_cards;
mod whatsapp;

pub use bsp::{SENDER_ID_PREFIX, SandboxBsp};
pub use bsp_review::SandboxSender;
pub use cards::{LISTED_AT_MOST, SandboxCards};
pub use cards_objects::{HeldAuthorization, SandboxSubscription};
pub use conversation::{MAX_TEXT_CHARS, MessageKeyReused, SandboxWhatsAppMessage, WAMID_PREFIX};
pub use inbox::{SandboxInbox, SandboxMessage, SandboxStatus};
pub use mail::{MAILBOX_OUTAGE_REASON, SandboxMail, SandboxMailbox};
pub use objects::{InMemorySandboxObjects, SandboxStoreError};
pub use orders::{DEFAULT_APPROVE_BASE, SandboxOrder, SandboxOrderStatus, SandboxOrders};
pub use sender::{DeliveryIdReused, PROVIDER, PROVIDER_REF_PREFIX, SandboxVerificationSender};
pub use signup::{
    CODE_PREFIX, SIGNUP_OUTAGE_REASON, SandboxFinish, SandboxSignup, SandboxWaba, SignupOperation,
    TOKEN_LIFETIME_SECS, TOKEN_PREFIX,
};
pub use whatsapp::{SandboxConversations, SandboxWhatsApp};
