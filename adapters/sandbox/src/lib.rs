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
//!
//! Every simulator is cheap to clone (clones share state) and answers
//! `ProviderId::Sandbox`.
//!
//! # Magic numbers
//!
//! In the spirit of the providers' test numbers, these destinations behave the same way every
//! time. They are in the fictional range 555-0100 to 555-0199 of area code 202 (reserved by
//! NANPA for fiction, and valid for libphonenumber; the UK drama range +44 7700 900xxx is not).
//!
//! | Number | Constant | Voice | SMS |
//! |---|---|---|---|
//! | `+12025550101` | [`magic::VOICE_NEVER_ANSWERED`] | rejected `call_not_answered` | delivered |
//! | `+12025550110` to `+12025550119` | [`magic::VOICE_NEVER_ANSWERED_RANGE`] | rejected `call_not_answered` | delivered |
//! | `+12025550102` | [`magic::SMS_ALWAYS_FAILS`] | delivered | rejected `sms_undelivered` |
//! | `+12025550103` | [`magic::UNDELIVERABLE`] | rejected `undeliverable` | rejected `undeliverable` |
//! | `+12025550104` | [`magic::PROVIDER_UNAVAILABLE`] | unavailable `sandbox outage` | unavailable `sandbox outage` |
//! | any other valid number | | delivered | delivered |
//!
//! "Rejected" is `ProviderError::Rejected { code, .. }`, and the failed attempt is recorded in the
//! inbox with status `failed`. "Unavailable" is `ProviderError::Unavailable` with no
//! `retry_after`, and nothing is recorded (the provider never accepted the request). A delivered
//! code answers `DeliveryReceipt { provider: ProviderId::Sandbox, provider_ref: "sbx_<delivery id>", .. }`.
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

mod cards;
mod ids;
mod inbox;
pub mod magic;
mod mail;
mod orders;
mod replay;
mod sender;
mod test_cards;

pub use cards::{HeldAuthorization, SandboxCards, SandboxSubscription};
pub use inbox::{SandboxInbox, SandboxMessage, SandboxStatus};
pub use mail::{MAILBOX_OUTAGE_REASON, SandboxMail, SandboxMailbox};
pub use orders::{DEFAULT_APPROVE_BASE, SandboxOrder, SandboxOrderStatus, SandboxOrders};
pub use sender::{DeliveryIdReused, PROVIDER, PROVIDER_REF_PREFIX, SandboxVerificationSender};
