//! Onramp's Meta adapter: an outbound adapter of the hexagon (DESIGN.md section 3) for the
//! [`EmbeddedSignup`](onramp_domain::ports::EmbeddedSignup) and
//! [`WhatsAppMessaging`](onramp_domain::ports::WhatsAppMessaging) ports over Meta's Graph API
//! (the WhatsApp Cloud API), and the verifier and parser of Meta's webhooks (issue 5:
//! WhatsApp).
//!
//! - [`MetaCredentials`]: app id and secret, system user token, credit line id, Graph version,
//!   base URL, webhook verify token, own phone number id, credit currency (`META_APP_ID`,
//!   `META_APP_SECRET`, `META_SYSTEM_USER_TOKEN`, `META_CREDIT_LINE_ID`, `META_GRAPH_VERSION`,
//!   `META_BASE_URL`, `META_VERIFY_TOKEN`, `META_PHONE_NUMBER_ID`, `META_CREDIT_CURRENCY`);
//! - [`MetaGraph`]: the Solution Partner's steps of Embedded Signup (code exchange, webhook
//!   subscription, credit line sharing, number registration, token refresh) and sending on a
//!   client's behalf with the client's business token;
//! - [`MetaMessaging`]: sending from the partner's own number with its system user token;
//! - Graph errors are classified in one place (`classify.rs`) into the port's stable codes
//!   (`code_expired`, `invalid_pin`, `permission_denied`, `invalid_parameter`,
//!   `outside_window`, `undeliverable`, `graph_error`); only calls that are safe to repeat are
//!   retried (never the code exchange nor a message);
//! - [`webhook`]: `X-Hub-Signature-256` verification and signing, the subscription handshake,
//!   and parsing of `messages`, `account_review_update`, `account_update`,
//!   `phone_number_quality_update` and `message_template_status_update` changes into
//!   [`WhatsAppReport`](onramp_domain::ports::WhatsAppReport)s.
//!
//! Facts and their sources: PROVIDERS.md section 6 and the OpenAPI description
//! `../shared/provider-specs/meta.json`.
//!
//! ```
//! use onramp_meta::webhook;
//!
//! // WhatsApp/WhatsApp-Nodejs-SDK: src/__tests__/utils.test.ts, with the app secret of its
//! // jest.config.ts.
//! let mut headers = http::HeaderMap::new();
//! headers.insert(
//!     webhook::SIGNATURE_HEADER,
//!     "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221".parse()?,
//! );
//! let request = webhook::WebhookRequest {
//!     method: "POST".into(),
//!     url: "https://example.com/webhooks/meta".into(),
//!     headers,
//!     body: b"test".to_vec().into(),
//! };
//! webhook::verify(&request, "TEST_APP_SECRET")?;
//! assert_eq!(webhook::sign(b"test", "TEST_APP_SECRET"), "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221");
//! assert!(webhook::verify(&request, "ANOTHER_SECRET").is_err());
//!
//! // The subscription handshake echoes the challenge when the verify token matches.
//! assert_eq!(webhook::handshake("subscribe", "my-token", "1158201444", "my-token")?, "1158201444");
//! assert!(webhook::handshake("subscribe", "guess", "1158201444", "my-token").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod classify;
mod credentials;
mod graph;
mod messaging;
mod signup;
mod wire;

pub mod webhook;

pub use classify::{MetaApiError, UnexpectedAnswer};
pub use credentials::{
    DEFAULT_BASE_URL, DEFAULT_CREDIT_CURRENCY, DEFAULT_GRAPH_VERSION, ENV_APP_ID, ENV_APP_SECRET,
    ENV_BASE_URL, ENV_CREDIT_CURRENCY, ENV_CREDIT_LINE_ID, ENV_GRAPH_VERSION, ENV_PHONE_NUMBER_ID,
    ENV_SYSTEM_USER_TOKEN, ENV_VERIFY_TOKEN, MetaCredentials,
};
pub use graph::MAX_TEXT_CHARS;
pub use messaging::MetaMessaging;
pub use signup::MetaGraph;
